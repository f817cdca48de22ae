package org.urbangraph.tensor.nn;

import org.urbangraph.tensor.Tensor;

/**
 * A layer that maps the last dimension from {@code inFeatures} to {@code outFeatures}: a {@link Linear}, or a
 * wrapper around one such as a LoRA layer. Models reach their projections through
 * {@link Module#projection(String)} so that a wrapper swapped in with {@link Module#replaceChild} takes effect.
 */
public interface Projection {
    Tensor forward(Tensor x);

    int inFeatures();

    int outFeatures();
}
