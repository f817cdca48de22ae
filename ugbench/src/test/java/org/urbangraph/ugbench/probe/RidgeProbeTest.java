package org.urbangraph.ugbench.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The dual ridge probe against a plain primal ridge regression with intercept (normal equations, Gaussian
 * elimination, in double), and its leave-one-out error against refitting without each row.
 */
class RidgeProbeTest {

    @Test
    void predictionsEqualThePrimalSolution() {
        SplittableRandom rnd = new SplittableRandom(1);
        float[][] x = gaussian(rnd, 23, 7);
        int[] y = labels(rnd, 23, 3);
        float[][] t = gaussian(rnd, 9, 7);
        RidgeProbe.Fit fit = RidgeProbe.fitPredict(x, y, 3, t);
        double[][] ref = primal(x, y, 3, t, fit.lambda(), -1);
        for (int i = 0; i < t.length; i++) {
            for (int c = 0; c < 3; c++) {
                assertEquals(ref[i][c], fit.scores()[i][c], 1e-6 * (1 + Math.abs(ref[i][c])), "row " + i + " class " + c);
            }
        }
    }

    @Test
    void leaveOneOutErrorEqualsRefittingWithoutEachRow() {
        SplittableRandom rnd = new SplittableRandom(2);
        int n = 17;
        int d = 5;
        int classes = 4;
        float[][] x = gaussian(rnd, n, d);
        int[] y = labels(rnd, n, classes);
        RidgeProbe.Fit fit = RidgeProbe.fitPredict(x, y, classes, new float[][] {x[0]});
        double err = 0;
        for (int i = 0; i < n; i++) {
            double[] p = primal(x, y, classes, new float[][] {x[i]}, fit.lambda(), i)[0];
            for (int c = 0; c < classes; c++) {
                double r = (y[i] == c ? 1 : 0) - p[c];
                err += r * r;
            }
        }
        err /= n * (double) classes;
        assertEquals(err, fit.looError(), 1e-9 * err);
    }

    @Test
    void separableClassesAreRankedPerfectly() {
        SplittableRandom rnd = new SplittableRandom(3);
        int d = 40;
        int classes = 5;
        float[][] centres = gaussian(rnd, classes, d);
        float[][] x = new float[60][];
        int[] y = new int[60];
        for (int i = 0; i < x.length; i++) {
            y[i] = i % classes;
            x[i] = jitter(centres[y[i]], rnd, 0.05);
        }
        float[][] t = new float[25][];
        int[] truth = new int[25];
        for (int i = 0; i < t.length; i++) {
            truth[i] = (i * 3) % classes;
            t[i] = jitter(centres[truth[i]], rnd, 0.05);
        }
        RidgeProbe.Fit fit = RidgeProbe.fitPredict(x, y, classes, t);
        for (int i = 0; i < t.length; i++) {
            for (int c = 0; c < classes; c++) {
                if (c != truth[i]) {
                    assertTrue(fit.scores()[i][truth[i]] > fit.scores()[i][c], "row " + i);
                }
            }
        }
    }

    @Test
    void noiseFeaturesFallBackToTheClassFrequencies() {
        SplittableRandom rnd = new SplittableRandom(4);
        int n = 80;
        float[][] x = gaussian(rnd, n, 64);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i < 48 ? 0 : i < 72 ? 1 : 2; // frequencies 0.6, 0.3, 0.1
        }
        RidgeProbe.Fit fit = RidgeProbe.fitPredict(x, y, 3, gaussian(rnd, 30, 64));
        for (double[] s : fit.scores()) {
            assertEquals(0.6, s[0], 0.05);
            assertEquals(0.3, s[1], 0.05);
            assertEquals(0.1, s[2], 0.05);
        }
    }

    @Test
    void badInputIsRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> RidgeProbe.fitPredict(new float[][] {{1}}, new int[] {0}, 2, new float[][] {{1}}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RidgeProbe.fitPredict(new float[][] {{1}, {2}}, new int[] {0, 5}, 2, new float[][] {{1}}));
        assertTrue(e.getMessage().contains("label 5"), e.getMessage());
    }

    // ---- reference ----

    /** Ridge with an unpenalised intercept by the normal equations on the rows other than {@code skip}. */
    static double[][] primal(float[][] x, int[] y, int classes, float[][] test, double lambda, int skip) {
        int d = x[0].length;
        int m = 0;
        double[] mu = new double[d];
        double[] ybar = new double[classes];
        for (int i = 0; i < x.length; i++) {
            if (i == skip) {
                continue;
            }
            m++;
            for (int j = 0; j < d; j++) {
                mu[j] += x[i][j];
            }
            ybar[y[i]]++;
        }
        for (int j = 0; j < d; j++) {
            mu[j] /= m;
        }
        for (int c = 0; c < classes; c++) {
            ybar[c] /= m;
        }
        double[][] a = new double[d][d + classes];
        for (int i = 0; i < x.length; i++) {
            if (i == skip) {
                continue;
            }
            for (int j = 0; j < d; j++) {
                double xj = x[i][j] - mu[j];
                for (int k = 0; k < d; k++) {
                    a[j][k] += xj * (x[i][k] - mu[k]);
                }
                for (int c = 0; c < classes; c++) {
                    a[j][d + c] += xj * ((y[i] == c ? 1 : 0) - ybar[c]);
                }
            }
        }
        for (int j = 0; j < d; j++) {
            a[j][j] += lambda;
        }
        double[][] w = solve(a, d, classes);
        double[][] out = new double[test.length][classes];
        for (int i = 0; i < test.length; i++) {
            for (int c = 0; c < classes; c++) {
                double s = ybar[c];
                for (int j = 0; j < d; j++) {
                    s += (test[i][j] - mu[j]) * w[j][c];
                }
                out[i][c] = s;
            }
        }
        return out;
    }

    /** Gauss-Jordan with partial pivoting on [A | B]; returns X with A X = B. */
    private static double[][] solve(double[][] a, int d, int rhs) {
        for (int col = 0; col < d; col++) {
            int piv = col;
            for (int r = col + 1; r < d; r++) {
                if (Math.abs(a[r][col]) > Math.abs(a[piv][col])) {
                    piv = r;
                }
            }
            double[] tmp = a[col];
            a[col] = a[piv];
            a[piv] = tmp;
            for (int r = 0; r < d; r++) {
                if (r != col) {
                    double f = a[r][col] / a[col][col];
                    for (int k = col; k < d + rhs; k++) {
                        a[r][k] -= f * a[col][k];
                    }
                }
            }
        }
        double[][] x = new double[d][rhs];
        for (int r = 0; r < d; r++) {
            for (int c = 0; c < rhs; c++) {
                x[r][c] = a[r][d + c] / a[r][r];
            }
        }
        return x;
    }

    private static float[][] gaussian(SplittableRandom rnd, int n, int d) {
        float[][] x = new float[n][d];
        for (float[] row : x) {
            for (int j = 0; j < d; j++) {
                row[j] = (float) (Math.sqrt(-2 * Math.log(1 - rnd.nextDouble())) * Math.cos(2 * Math.PI * rnd.nextDouble()));
            }
        }
        return x;
    }

    private static int[] labels(SplittableRandom rnd, int n, int classes) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i < classes ? i : rnd.nextInt(classes);
        }
        return y;
    }

    private static float[] jitter(float[] c, SplittableRandom rnd, double sd) {
        float[] v = c.clone();
        for (int j = 0; j < v.length; j++) {
            v[j] += (float) (sd * (rnd.nextDouble() * 2 - 1));
        }
        return v;
    }
}
