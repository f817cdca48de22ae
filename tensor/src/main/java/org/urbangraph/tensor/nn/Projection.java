package org.urbangraph.tensor.nn;


/**
 * A layer that maps the last dimension from {@code inFeatures} to {@code outFeatures}: a {@link Linear}, or a
 * wrapper around one such as a LoRA layer. Models reach their projections through
 * {@link Module#projection(String)} so that a wrapper swapped in with {@link Module#replaceChild} takes effect.
 */
public interface Projection extends Layer {

    int inFeatures();

    int outFeatures();
}
