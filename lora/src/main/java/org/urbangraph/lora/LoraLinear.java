package org.urbangraph.lora;

import org.urbangraph.kernels.DType;
import org.urbangraph.tensor.Creation;
import org.urbangraph.tensor.Functional;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Dropout;
import org.urbangraph.tensor.nn.Linear;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.tensor.nn.Projection;
import org.urbangraph.tensor.nn.Rng;

/**
 * A frozen Linear plus a trainable low-rank update: y = base(x) + lora_B(lora_A(dropout(x))) * scaling, with
 * {@code lora_A} [r, in] and {@code lora_B} [out, r] (PEFT's names). When merged, the update lives inside the base
 * weight (W + scaling * B A) and the forward is the base layer alone.
 */
public final class LoraLinear extends Module implements Projection {

    private final Linear base;
    private final Linear loraA;
    private final Linear loraB;
    private final Dropout dropout;
    private final double scaling;
    private Tensor unmergedWeight;

    /** Wraps {@code base}; A is Kaiming-uniform (PEFT's default, bound 1/sqrt(in)), B is zero. */
    public LoraLinear(Linear base, int r, double scaling, double dropoutP, Rng rng) {
        this.base = child("base_layer", base);
        this.scaling = scaling;
        base.setTrainable(false);
        this.loraA = child("lora_A", new Linear(base.inFeatures(), r, false, rng));
        this.loraB = child("lora_B", new Linear(r, base.outFeatures(), false, rng));
        try (NoGrad g = NoGrad.enter()) {
            loraB.weight().set(Creation.zeros(DType.F32, base.outFeatures(), r));
        }
        this.dropout = child("lora_dropout", new Dropout(dropoutP, rng));
    }

    @Override
    public Tensor forward(Tensor x) {
        if (merged()) {
            return base.forward(x);
        }
        if (x.size(-1) != base.inFeatures()) {
            throw new IllegalArgumentException("LoRA on Linear(" + base.inFeatures() + " -> " + base.outFeatures()
                    + ") got input with last dimension " + x.size(-1));
        }
        // one op: the update goes into the base GEMM's output, scaled at the rank-r activation (PEFT scales the
        // update; the two differ by rounding only, and not at all for a power-of-two scaling such as UGE's 32 / 16)
        return Functional.loraLinear(x, dropout.forward(x), base.weight().tensor(),
                base.bias() == null ? null : base.bias().tensor(), loraA.weight().tensor(), loraB.weight().tensor(),
                scaling);
    }

    public Linear base() {
        return base;
    }

    public Linear loraA() {
        return loraA;
    }

    public Linear loraB() {
        return loraB;
    }

    public double scaling() {
        return scaling;
    }

    public boolean merged() {
        return unmergedWeight != null;
    }

    /** scaling * B @ A, the change the adapter makes to the base weight [out, in]. */
    public Tensor deltaWeight() {
        try (NoGrad g = NoGrad.enter()) {
            return loraB.weight().tensor().matmul(loraA.weight().tensor()).mul(scaling);
        }
    }

    /**
     * Folds the update into the base weight, in the weight's dtype: W + scaling * B A is summed in F32 and rounded
     * once to that dtype, as PEFT's {@code base_layer.weight.data += delta_weight} does (torch adds a BF16 weight and
     * an F32 delta in F32 and rounds the sum). The original weight is kept, so {@link #unmerge} restores it exactly.
     */
    public void merge() {
        if (merged()) {
            return;
        }
        try (NoGrad g = NoGrad.enter()) {
            Tensor w = base.weight().tensor();
            Tensor mergedW = w.to(DType.F32).add(deltaWeight().to(DType.F32)).to(w.dtype());
            unmergedWeight = w;
            base.weight().set(mergedW);
        }
    }

    /** Restores the exact original base weight. */
    public void unmerge() {
        if (!merged()) {
            return;
        }
        base.weight().set(unmergedWeight);
        unmergedWeight = null;
    }

    @Override
    public int inFeatures() {
        return base.inFeatures();
    }

    @Override
    public int outFeatures() {
        return base.outFeatures();
    }
}
