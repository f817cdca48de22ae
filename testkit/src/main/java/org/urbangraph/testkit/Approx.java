package org.urbangraph.testkit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Element-wise closeness checks in the numpy sense: {@code |a - b| <= atol + rtol * |b|}, where b is the reference.
 * On failure the message names the worst element, its index and both values, and how many elements failed.
 */
public final class Approx {
    private Approx() {}

    public static void assertClose(String what, double[] expected, double[] actual, double atol, double rtol) {
        if (expected.length != actual.length) {
            fail(what + ": length " + actual.length + ", expected " + expected.length);
        }
        int bad = 0;
        int worst = -1;
        double worstExcess = 0;
        double maxAbs = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i];
            double a = actual[i];
            if (Double.isNaN(e) != Double.isNaN(a)) {
                bad++;
                if (worst < 0 || Double.isInfinite(worstExcess)) {
                    worst = i;
                    worstExcess = Double.POSITIVE_INFINITY;
                }
                continue;
            }
            if (Double.isNaN(e) || e == a) {
                continue;
            }
            double diff = Math.abs(e - a);
            maxAbs = Math.max(maxAbs, diff);
            double excess = diff - (atol + rtol * Math.abs(e));
            if (excess > 0 || Double.isNaN(diff)) {
                bad++;
                if (worst < 0 || excess > worstExcess) {
                    worst = i;
                    worstExcess = excess;
                }
            }
        }
        if (bad > 0) {
            fail(String.format("%s: %d of %d elements differ beyond atol %.1e rtol %.1e; worst at [%d]: expected %.9g, got %.9g (max abs diff %.3e)",
                    what, bad, expected.length, atol, rtol, worst, expected[worst], actual[worst], maxAbs));
        }
    }

    public static void assertClose(String what, float[] expected, float[] actual, double atol, double rtol) {
        assertClose(what, toDouble(expected), toDouble(actual), atol, rtol);
    }

    public static void assertClose(String what, double[] expected, float[] actual, double atol, double rtol) {
        assertClose(what, expected, toDouble(actual), atol, rtol);
    }

    /**
     * Closeness against a per-element scale: {@code |a - e| <= atol * scale[i] + rtol * |e|}. For results that are
     * sums or dot products, the natural scale of element i is the sum of the magnitudes of its terms (for a matrix
     * product, {@code (|A| |B|)[i]}): rounding errors grow with that, not with the possibly cancelled result.
     */
    public static void assertCloseScaled(String what, double[] expected, double[] actual, double[] scale,
                                         double atol, double rtol) {
        if (expected.length != actual.length || expected.length != scale.length) {
            fail(what + ": lengths " + actual.length + " (actual), " + expected.length + " (expected), "
                    + scale.length + " (scale) differ");
        }
        int bad = 0;
        int worst = -1;
        double worstRatio = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i];
            double a = actual[i];
            if (Double.isNaN(e) && Double.isNaN(a) || e == a) {
                continue;
            }
            double bound = atol * scale[i] + rtol * Math.abs(e);
            double diff = Math.abs(e - a);
            if (!(diff <= bound)) {
                bad++;
                double ratio = bound > 0 ? diff / bound : Double.POSITIVE_INFINITY;
                if (worst < 0 || ratio > worstRatio || Double.isNaN(ratio)) {
                    worst = i;
                    worstRatio = ratio;
                }
            }
        }
        if (bad > 0) {
            fail(String.format("%s: %d of %d elements differ beyond atol %.1e x scale + rtol %.1e; worst at [%d]: "
                            + "expected %.9g, got %.9g, scale %.3g (%.1f x the bound)",
                    what, bad, expected.length, atol, rtol, worst, expected[worst], actual[worst], scale[worst],
                    worstRatio));
        }
    }

    /**
     * Gradients: |a - e| <= rtol |e| + scaleTol * max|e|. Float32 summation order moves every element of a
     * gradient by an amount proportional to the tensor's largest entries, not to the element itself, so small
     * entries get an absolute floor tied to the tensor's scale.
     */
    public static void assertCloseToScale(String what, float[] expected, float[] actual, double rtol, double scaleTol) {
        double max = 0;
        for (float e : expected) {
            max = Math.max(max, Math.abs(e));
        }
        assertClose(what + " (scale " + String.format("%.3g", max) + ")", expected, actual, scaleTol * max, rtol);
    }

    public static double maxAbsDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs((double) a[i] - b[i]));
        }
        return m;
    }

    public static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }
}
