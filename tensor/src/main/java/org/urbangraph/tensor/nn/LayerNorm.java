package org.urbangraph.tensor.nn;

import org.urbangraph.tensor.Functional;
import org.urbangraph.tensor.Tensor;

/** LayerNorm over the last dimension with learnable weight (ones) and bias (zeros), as torch.nn.LayerNorm. */
public final class LayerNorm extends Module implements Layer {

    private final Parameter weight;
    private final Parameter bias;
    private final double eps;

    public LayerNorm(int dim, double eps, boolean affine) {
        this.eps = eps;
        this.weight = affine ? param("weight", Tensor.ones(dim), true) : null;
        this.bias = affine ? param("bias", Tensor.zeros(dim), true) : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        return Functional.layerNorm(x, weight == null ? null : weight.tensor(), bias == null ? null : bias.tensor(), eps);
    }
}
