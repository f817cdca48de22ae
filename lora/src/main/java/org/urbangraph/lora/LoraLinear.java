package org.urbangraph.lora;

import org.urbangraph.kernels.DType;
import org.urbangraph.tensor.Creation;
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
        Tensor y = base.forward(x);
        if (merged()) {
            return y;
        }
        // scaling is applied to the rank-r activation, r / out of the work of scaling the update (and of its
        // backward); PEFT scales the update, which differs by at most rounding, and not at all for a power-of-two
        // scaling such as UGE's alpha 32 / r 16
        Tensor down = loraA.forward(dropout.forward(x));
        return y.add(loraB.forward(down.mul(scaling)));
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

    /** Folds the update into the base weight (an F32 copy; the original is kept for {@link #unmerge}). */
    public void merge() {
        if (merged()) {
            return;
        }
        try (NoGrad g = NoGrad.enter()) {
            Tensor w = base.weight().tensor();
            Tensor mergedW = w.to(DType.F32).add(deltaWeight()).copy();
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
