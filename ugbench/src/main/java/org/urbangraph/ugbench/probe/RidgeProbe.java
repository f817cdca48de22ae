package org.urbangraph.ugbench.probe;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * A linear probe: ridge regression from embeddings to one-hot class targets, with an unpenalised intercept, fitted on
 * a fixed training fold; a test row's classes are ranked by their predicted values.
 *
 * <p>It is solved in the dual ({@code w = X^T (X X^T + lambda I)^-1 Y} on centred data), because there are fewer rows
 * (at most 490 in a fold) than embedding dimensions (1,536 for Qwen2-VL-2B). The ridge strength is chosen on the
 * training fold alone by exact leave-one-out error over a logarithmic grid scaled to the mean squared norm of the
 * centred rows: one eigendecomposition of the Gram matrix gives every grid point's hat matrix, and for a linear
 * smoother the leave-one-out residual is {@code (y_i - yhat_i) / (1 - h_ii)}, the intercept adding {@code 1/n} to
 * {@code h_ii}. Features that carry no information thus get a large ridge and the probe falls back to the class
 * frequencies of the training fold; informative ones get a small ridge.
 */
public final class RidgeProbe {
    /** Grid exponents: lambda = scale * 10^e. */
    static final int MIN_EXP = -6;
    static final int MAX_EXP = 4;

    private RidgeProbe() {}

    /**
     * The fitted probe's predictions.
     *
     * @param scores predicted value per test row and class ({@code scores[row][class]})
     * @param lambda the chosen ridge strength
     * @param looError mean squared leave-one-out error at that strength
     */
    public record Fit(double[][] scores, double lambda, double looError) {}

    /**
     * Fits on {@code train} (rows of equal length) with class labels {@code 0 .. classes-1} and predicts {@code test}.
     */
    public static Fit fitPredict(float[][] train, int[] labels, int classes, float[][] test) {
        int n = train.length;
        if (n < 2) {
            throw new IllegalArgumentException("a linear probe needs at least 2 training rows, got " + n);
        }
        if (labels.length != n) {
            throw new IllegalArgumentException(n + " training rows but " + labels.length + " labels");
        }
        int d = train[0].length;
        double[] mean = new double[d];
        for (float[] row : train) {
            if (row.length != d) {
                throw new IllegalArgumentException("training rows of lengths " + d + " and " + row.length);
            }
            for (int j = 0; j < d; j++) {
                mean[j] += row[j];
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] /= n;
        }
        DMatrixRMaj xc = centred(train, mean);
        double[] ybar = new double[classes];
        for (int l : labels) {
            if (l < 0 || l >= classes) {
                throw new IllegalArgumentException("label " + l + " outside 0.." + (classes - 1));
            }
            ybar[l] += 1.0 / n;
        }
        DMatrixRMaj yc = new DMatrixRMaj(n, classes);
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < classes; c++) {
                yc.set(i, c, (labels[i] == c ? 1 : 0) - ybar[c]);
            }
        }
        DMatrixRMaj gram = new DMatrixRMaj(n, n);
        CommonOps_DDRM.multTransB(xc, xc, gram);
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, true, true);
        if (!eig.decompose(gram.copy())) {
            throw new IllegalStateException("eigendecomposition of the " + n + "x" + n + " Gram matrix failed");
        }
        DMatrixRMaj u = new DMatrixRMaj(n, n);
        double[] s = new double[n];
        for (int k = 0; k < n; k++) {
            s[k] = Math.max(0, eig.getEigenvalue(k).getReal());
            DMatrixRMaj v = eig.getEigenVector(k);
            for (int i = 0; i < n; i++) {
                u.set(i, k, v.get(i));
            }
        }
        DMatrixRMaj uty = new DMatrixRMaj(n, classes);
        CommonOps_DDRM.multTransA(u, yc, uty);
        double scale = 0;
        for (int i = 0; i < n; i++) {
            scale += gram.get(i, i);
        }
        scale = Math.max(scale / n, 1e-12);

        double bestLambda = Double.NaN;
        double bestErr = Double.POSITIVE_INFINITY;
        for (int e = MAX_EXP; e >= MIN_EXP; e--) { // largest first: ties keep the simpler model
            double lambda = scale * Math.pow(10, e);
            double err = looError(u, s, uty, yc, lambda);
            if (err < bestErr * (1 - 1e-9)) {
                bestErr = err;
                bestLambda = lambda;
            }
        }
        if (Double.isNaN(bestLambda)) {
            bestLambda = scale * Math.pow(10, MAX_EXP);
        }
        // dual coefficients alpha = U diag(1/(s+lambda)) U^T Yc
        DMatrixRMaj scaled = uty.copy();
        for (int k = 0; k < n; k++) {
            double f = 1.0 / (s[k] + bestLambda);
            for (int c = 0; c < classes; c++) {
                scaled.set(k, c, scaled.get(k, c) * f);
            }
        }
        DMatrixRMaj alpha = new DMatrixRMaj(n, classes);
        CommonOps_DDRM.mult(u, scaled, alpha);
        DMatrixRMaj xt = centred(test, mean);
        DMatrixRMaj cross = new DMatrixRMaj(test.length, n);
        CommonOps_DDRM.multTransB(xt, xc, cross);
        DMatrixRMaj pred = new DMatrixRMaj(test.length, classes);
        CommonOps_DDRM.mult(cross, alpha, pred);
        double[][] out = new double[test.length][classes];
        for (int i = 0; i < test.length; i++) {
            for (int c = 0; c < classes; c++) {
                out[i][c] = pred.get(i, c) + ybar[c];
            }
        }
        return new Fit(out, bestLambda, bestErr);
    }

    /** Mean squared leave-one-out residual at one ridge strength. */
    private static double looError(DMatrixRMaj u, double[] s, DMatrixRMaj uty, DMatrixRMaj yc, double lambda) {
        int n = u.numRows;
        int classes = yc.numCols;
        double[] shrink = new double[n];
        for (int k = 0; k < n; k++) {
            shrink[k] = s[k] / (s[k] + lambda);
        }
        double err = 0;
        for (int i = 0; i < n; i++) {
            double h = 1.0 / n;
            for (int k = 0; k < n; k++) {
                h += u.get(i, k) * u.get(i, k) * shrink[k];
            }
            double denom = 1 - h;
            if (denom < 1e-10) {
                return Double.POSITIVE_INFINITY;
            }
            for (int c = 0; c < classes; c++) {
                double fit = 0;
                for (int k = 0; k < n; k++) {
                    fit += u.get(i, k) * shrink[k] * uty.get(k, c);
                }
                double r = (yc.get(i, c) - fit) / denom;
                err += r * r;
            }
        }
        return err / (n * (double) classes);
    }

    private static DMatrixRMaj centred(float[][] rows, double[] mean) {
        DMatrixRMaj m = new DMatrixRMaj(rows.length, mean.length);
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != mean.length) {
                throw new IllegalArgumentException("rows of lengths " + mean.length + " and " + rows[i].length);
            }
            for (int j = 0; j < mean.length; j++) {
                m.set(i, j, rows[i][j] - mean[j]);
            }
        }
        return m;
    }
}
