package org.urbangraph.tensor;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Central finite differences in double precision against autograd. Inputs are F64 tensors on the reference
 * backend (which computes in double), so the comparison is tight: the output is projected on a fixed random
 * tensor R (loss = sum(f(x) * R)) so that every output element matters with a different weight.
 */
final class GradCheck {
    private GradCheck() {}

    static final double H = 1e-6;

    /** An input: its values, its shape, and whether its gradient is checked. */
    record In(double[] data, int[] shape, boolean grad) {
        static In random(long seed, int... shape) {
            return new In(values(seed, (int) Shapes.numel(shape), 0.1, 2.0), shape, true);
        }

        static In positive(long seed, int... shape) {
            double[] v = values(seed, (int) Shapes.numel(shape), 0.1, 2.0);
            for (int i = 0; i < v.length; i++) {
                v[i] = Math.abs(v[i]) + 0.3;
            }
            return new In(v, shape, true);
        }

        static In constant(Tensor t) {
            return new In(t.toDoubleArray(), t.shape(), false);
        }

        Tensor tensor() {
            Tensor t = Creation.fromArrayF64(data, shape);
            return grad ? t.requiresGrad(true) : t;
        }
    }

    /** Values in ±[lo, hi], signs random: never near zero, where several ops have kinks. */
    static double[] values(long seed, int n, double lo, double hi) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            double m = lo + (hi - lo) * r.nextDouble();
            v[i] = r.nextBoolean() ? m : -m;
        }
        return v;
    }

    static void check(String name, Function<Tensor[], Tensor> f, In... inputs) {
        check(name, 1e-6, 1e-5, f, inputs);
    }

    static void check(String name, double atol, double rtol, Function<Tensor[], Tensor> f, In... inputs) {
        Tensor[] xs = new Tensor[inputs.length];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = inputs[i].tensor();
        }
        Tensor out = f.apply(xs);
        double[] r = values(977, (int) out.numel(), 0.5, 1.5);
        Tensor rt = Creation.fromArrayF64(r, out.shape());
        Tensor loss = out.mul(rt).sum();
        loss.backward();
        for (int i = 0; i < inputs.length; i++) {
            if (!inputs[i].grad()) {
                continue;
            }
            Tensor g = xs[i].grad();
            assertNotNull(g, name + ": input " + i + " got no gradient");
            double[] analytic = g.toDoubleArray();
            double[] numeric = new double[inputs[i].data().length];
            for (int j = 0; j < numeric.length; j++) {
                double plus = evalLoss(f, inputs, i, j, +H, r);
                double minus = evalLoss(f, inputs, i, j, -H, r);
                numeric[j] = (plus - minus) / (2 * H);
            }
            compare(name + " d/d input " + i + " " + Arrays.toString(inputs[i].shape()), numeric, analytic, atol, rtol);
        }
    }

    private static double evalLoss(Function<Tensor[], Tensor> f, In[] inputs, int which, int elem, double delta,
                                   double[] r) {
        try (NoGrad g = NoGrad.enter()) {
            Tensor[] xs = new Tensor[inputs.length];
            for (int i = 0; i < xs.length; i++) {
                double[] d = inputs[i].data().clone();
                if (i == which) {
                    d[elem] += delta;
                }
                xs[i] = Creation.fromArrayF64(d, inputs[i].shape());
            }
            double[] out = f.apply(xs).toDoubleArray();
            double s = 0;
            for (int k = 0; k < out.length; k++) {
                s += out[k] * r[k];
            }
            return s;
        }
    }

    private static void compare(String what, double[] numeric, double[] analytic, double atol, double rtol) {
        for (int j = 0; j < numeric.length; j++) {
            double diff = Math.abs(numeric[j] - analytic[j]);
            if (!(diff <= atol + rtol * Math.abs(numeric[j]))) {
                fail(what + ": element " + j + " finite difference " + numeric[j] + " vs autograd " + analytic[j]
                        + " (diff " + diff + ")");
            }
        }
    }
}
