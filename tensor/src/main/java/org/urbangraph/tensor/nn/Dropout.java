package org.urbangraph.tensor.nn;

import org.urbangraph.tensor.Functional;
import org.urbangraph.tensor.Tensor;

/** Inverted dropout, active only in training mode; each call draws a fresh seed from the model's {@link Rng}. */
public final class Dropout extends Module implements Layer {

    private final double p;
    private final Rng rng;

    public Dropout(double p, Rng rng) {
        if (p < 0 || p >= 1) {
            throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        }
        this.p = p;
        this.rng = rng;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (!isTraining() || p == 0) {
            return x;
        }
        return Functional.dropout(x, p, true, rng.next());
    }

    public double p() {
        return p;
    }
}
