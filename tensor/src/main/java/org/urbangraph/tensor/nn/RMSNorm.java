package org.urbangraph.tensor.nn;

import org.urbangraph.tensor.Functional;
import org.urbangraph.tensor.Tensor;

/** RMSNorm over the last dimension (Qwen2RMSNorm / MistralRMSNorm): x * rsqrt(mean(x^2) + eps) * weight. */
public final class RMSNorm extends Module implements Layer {

    private final Parameter weight;
    private final double eps;

    public RMSNorm(int dim, double eps) {
        this.eps = eps;
        this.weight = param("weight", Tensor.ones(dim), true);
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.rmsNorm(x, weight.tensor(), eps);
    }
}
