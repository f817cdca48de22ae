package org.urbangraph.tensor.nn;

import org.urbangraph.tensor.Creation;
import org.urbangraph.tensor.Functional;
import org.urbangraph.tensor.Tensor;

/**
 * y = x W^T + b with W [out, in] kept in its stored dtype (BF16 / F16 weights are widened inside the GEMM).
 * Initialised as torch.nn.Linear: W and b uniform in ±1/sqrt(in) (Kaiming-uniform with a = sqrt 5), seeded.
 */
public class Linear extends Module implements Projection {

    private final Parameter weight;
    private final Parameter bias;
    private final int in;
    private final int out;

    public Linear(int in, int out, boolean bias, Rng rng) {
        this.in = in;
        this.out = out;
        double bound = 1.0 / Math.sqrt(in);
        this.weight = param("weight", Creation.uniform(rng.next(), -bound, bound, out, in), true);
        this.bias = bias ? param("bias", Creation.uniform(rng.next(), -bound, bound, out), true) : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.size(-1) != in) {
            throw new IllegalArgumentException("Linear(" + in + " -> " + out + ")" + (weight.tensor().name() != null
                    ? " " + weight.tensor().name() : "") + " got input with last dimension " + x.size(-1));
        }
        return Functional.linear(x, weight.tensor(), bias == null ? null : bias.tensor());
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    @Override
    public int inFeatures() {
        return in;
    }

    @Override
    public int outFeatures() {
        return out;
    }
}
