package org.urbangraph.tensor.nn;

import java.util.Arrays;
import org.urbangraph.kernels.DType;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;

/**
 * A named slot of a {@link Module} holding its current tensor. Loading a checkpoint replaces the tensor (frozen
 * weights stay in their stored dtype, memory-mapped); a trainable parameter is always an F32 tensor that requires
 * gradients (the optimizer's master copy). The optimizer updates the tensor's memory in place.
 */
public final class Parameter {

    private final String name;
    private Tensor value;
    private boolean trainable;

    Parameter(String name, Tensor value, boolean trainable) {
        this.name = name;
        this.trainable = trainable;
        set(value);
    }

    /** The local name inside its module, e.g. {@code weight}. */
    public String name() {
        return name;
    }

    public Tensor tensor() {
        return value;
    }

    public int[] shape() {
        return value.shape();
    }

    public boolean trainable() {
        return trainable;
    }

    /** Replaces the tensor, keeping the parameter's trainability (a trainable one becomes an F32 copy). */
    public void set(Tensor t) {
        if (value != null && !Arrays.equals(value.shape(), t.shape())) {
            throw new IllegalArgumentException("parameter '" + name + "' has shape " + Arrays.toString(value.shape())
                    + ", cannot take a tensor of shape " + Arrays.toString(t.shape()));
        }
        this.value = trainable ? asTrainable(t) : t.detach().named(t.name() != null ? t.name() : name);
    }

    /** Makes the parameter trainable (F32 master copy, requires grad) or frozen (keeps its memory). */
    public void setTrainable(boolean on) {
        if (on == trainable) {
            return;
        }
        trainable = on;
        value = on ? asTrainable(value) : value.detach();
    }

    private Tensor asTrainable(Tensor t) {
        if (org.urbangraph.tensor.Meta.isMeta(t)) {
            return t.named(name);
        }
        if (!t.dtype().isFloat()) {
            throw new IllegalArgumentException("parameter '" + name + "' of dtype " + t.dtype() + " cannot be trained");
        }
        try (NoGrad g = NoGrad.enter()) {
            Tensor f = t.dtype() == DType.F32 ? t.copy() : t.to(DType.F32);
            return f.detach().requiresGrad(true).named(name);
        }
    }

    @Override
    public String toString() {
        return "Parameter(" + name + ", " + value.dtype() + Arrays.toString(value.shape())
                + (trainable ? ", trainable" : "") + ")";
    }
}
