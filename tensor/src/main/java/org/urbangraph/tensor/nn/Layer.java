package org.urbangraph.tensor.nn;

import org.urbangraph.tensor.Tensor;

/** A module with a one-tensor forward (norms, projections, MLPs), so blocks can hold either kind of norm. */
public interface Layer {
    Tensor forward(Tensor x);
}
