package org.urbangraph.ugbench.embed;

import java.util.SplittableRandom;

/** Small vector helpers for the test embedders and scoring. */
public final class Vectors {
    private Vectors() {}

    /** A unit vector drawn from the standard normal distribution by a seeded generator (uniform on the sphere). */
    public static float[] randomUnit(long seed, int dim) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] g = new double[dim];
        double sq = 0;
        for (int i = 0; i < dim; i += 2) {
            // Box-Muller: two normals from two uniforms
            double u1 = 1.0 - rnd.nextDouble();
            double u2 = rnd.nextDouble();
            double r = Math.sqrt(-2 * Math.log(u1));
            g[i] = r * Math.cos(2 * Math.PI * u2);
            sq += g[i] * g[i];
            if (i + 1 < dim) {
                g[i + 1] = r * Math.sin(2 * Math.PI * u2);
                sq += g[i + 1] * g[i + 1];
            }
        }
        return normalised(g, Math.sqrt(sq));
    }

    /** The normalised sum of vectors. */
    public static float[] normalisedSum(Iterable<float[]> vs, int dim) {
        double[] s = new double[dim];
        for (float[] v : vs) {
            for (int i = 0; i < dim; i++) {
                s[i] += v[i];
            }
        }
        double sq = 0;
        for (double x : s) {
            sq += x * x;
        }
        return normalised(s, Math.sqrt(sq));
    }

    private static float[] normalised(double[] g, double norm) {
        float[] out = new float[g.length];
        for (int i = 0; i < g.length; i++) {
            out[i] = (float) (g[i] / norm);
        }
        return out;
    }

    /** Dot product accumulated in double. */
    public static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    /** The L2 norm, accumulated in double. */
    public static double norm(float[] a) {
        return Math.sqrt(dot(a, a));
    }

    /** The first 16 hex digits of a content key as a seed. */
    static long seedOf(String hexKey) {
        return Long.parseUnsignedLong(hexKey.substring(0, 16), 16);
    }
}
