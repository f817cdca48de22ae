package org.urbangraph.graph;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;
import java.util.function.Function;
import org.urbangraph.kernels.Backend;
import org.urbangraph.kernels.Backends;
import org.urbangraph.kernels.ref.ReferenceBackend;
import org.urbangraph.tensor.Creation;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;

/**
 * Central finite differences in double precision against autograd, for the layers of this module: inputs are F64
 * tensors on the reference backend (which computes in double), the output is projected on fixed random weights so
 * every output element counts. (The tensor module's own checker is private to its tests.)
 */
final class FiniteDifferences {
    private FiniteDifferences() {}

    static final double H = 1e-6;

    /** Random values in +-[0.1, 1.5] with random signs (never near zero). */
    static double[] values(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            double m = 0.1 + 1.4 * r.nextDouble();
            v[i] = r.nextBoolean() ? m : -m;
        }
        return v;
    }

    /** Checks d(sum(f(x) * R)) / dx for every input against central differences. */
    static void check(String name, Function<Tensor[], Tensor> f, double[][] data, int[][] shapes) {
        Backend saved = Backends.current();
        Backends.setCurrent(ReferenceBackend.INSTANCE);
        try {
            Tensor[] xs = new Tensor[data.length];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = Creation.fromArrayF64(data[i], shapes[i]).requiresGrad(true);
            }
            Tensor out = f.apply(xs);
            double[] r = values(977, (int) out.numel());
            out.mul(Creation.fromArrayF64(r, out.shape())).sum().backward();
            for (int i = 0; i < xs.length; i++) {
                Tensor g = xs[i].grad();
                assertNotNull(g, name + ": input " + i + " got no gradient");
                double[] analytic = g.toDoubleArray();
                for (int j = 0; j < data[i].length; j++) {
                    double numeric = (loss(f, data, shapes, i, j, H, r) - loss(f, data, shapes, i, j, -H, r)) / (2 * H);
                    double diff = Math.abs(numeric - analytic[j]);
                    if (!(diff <= 1e-6 + 1e-5 * Math.abs(numeric))) {
                        fail(name + ": d/d input " + i + " element " + j + ": finite difference " + numeric
                                + ", autograd " + analytic[j]);
                    }
                }
            }
        } finally {
            Backends.setCurrent(saved);
        }
    }

    private static double loss(Function<Tensor[], Tensor> f, double[][] data, int[][] shapes, int which, int elem,
                               double delta, double[] r) {
        try (NoGrad g = NoGrad.enter()) {
            Tensor[] xs = new Tensor[data.length];
            for (int i = 0; i < xs.length; i++) {
                double[] d = data[i].clone();
                if (i == which) {
                    d[elem] += delta;
                }
                xs[i] = Creation.fromArrayF64(d, shapes[i]);
            }
            double[] out = f.apply(xs).toDoubleArray();
            double s = 0;
            for (int k = 0; k < out.length; k++) {
                s += out[k] * r[k];
            }
            return s;
        }
    }
}
