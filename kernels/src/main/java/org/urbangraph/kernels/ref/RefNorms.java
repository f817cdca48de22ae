package org.urbangraph.kernels.ref;

import static org.urbangraph.kernels.ref.ReferenceBackend.get;
import static org.urbangraph.kernels.ref.ReferenceBackend.set;

import org.urbangraph.kernels.View;

/**
 * Plain softmax, LayerNorm and RMSNorm over the last dimension, forward and backward, in double. Rows are the
 * row-major order of all leading dimensions, so element (row, j) is linear index row * n + j of every view.
 */
final class RefNorms {
    private RefNorms() {}

    static void softmax(View x, View out, boolean log) {
        int n = x.size(-1);
        long rows = x.numel() / Math.max(n, 1);
        for (long r = 0; r < rows; r++) {
            long base = r * n;
            double m = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                m = Math.max(m, get(x, base + j));
            }
            double sum = 0;
            for (int j = 0; j < n; j++) {
                sum += Math.exp(get(x, base + j) - m);
            }
            double lse = m + Math.log(sum);
            for (int j = 0; j < n; j++) {
                double v = get(x, base + j);
                set(out, base + j, log ? v - lse : Math.exp(v - m) / sum);
            }
        }
    }

    static void softmaxBackward(View y, View dy, View dx, boolean log) {
        int n = y.size(-1);
        long rows = y.numel() / Math.max(n, 1);
        for (long r = 0; r < rows; r++) {
            long base = r * n;
            double dot = 0;
            for (int j = 0; j < n; j++) {
                dot += log ? get(dy, base + j) : get(dy, base + j) * get(y, base + j);
            }
            for (int j = 0; j < n; j++) {
                double yv = get(y, base + j);
                double g = get(dy, base + j);
                set(dx, base + j, log ? g - Math.exp(yv) * dot : yv * (g - dot));
            }
        }
    }

    static void layerNorm(View x, View w, View b, float eps, View out, View mean, View rstd) {
        int n = x.size(-1);
        long rows = x.numel() / Math.max(n, 1);
        for (long r = 0; r < rows; r++) {
            long base = r * n;
            double mu = 0;
            for (int j = 0; j < n; j++) {
                mu += get(x, base + j);
            }
            mu /= n;
            double var = 0;
            for (int j = 0; j < n; j++) {
                double d = get(x, base + j) - mu;
                var += d * d;
            }
            var /= n;
            double rs = 1.0 / Math.sqrt(var + eps);
            for (int j = 0; j < n; j++) {
                double v = (get(x, base + j) - mu) * rs;
                if (w != null) {
                    v *= get(w, j);
                }
                if (b != null) {
                    v += get(b, j);
                }
                set(out, base + j, v);
            }
            if (mean != null) {
                set(mean, r, mu);
            }
            if (rstd != null) {
                set(rstd, r, rs);
            }
        }
    }

    static void layerNormBackward(View x, View w, View mean, View rstd, View dy, View dx, View dw, View db) {
        int n = x.size(-1);
        long rows = x.numel() / Math.max(n, 1);
        double[] dwAcc = new double[n];
        double[] dbAcc = new double[n];
        for (long r = 0; r < rows; r++) {
            long base = r * n;
            double mu = get(mean, r);
            double rs = get(rstd, r);
            double sumG = 0;
            double sumGx = 0;
            for (int j = 0; j < n; j++) {
                double xhat = (get(x, base + j) - mu) * rs;
                double g = get(dy, base + j);
                dwAcc[j] += g * xhat;
                dbAcc[j] += g;
                double gw = w == null ? g : g * get(w, j);
                sumG += gw;
                sumGx += gw * xhat;
            }
            for (int j = 0; j < n; j++) {
                double xhat = (get(x, base + j) - mu) * rs;
                double gw = w == null ? get(dy, base + j) : get(dy, base + j) * get(w, j);
                set(dx, base + j, rs * (gw - sumG / n - xhat * sumGx / n));
            }
        }
        for (int j = 0; j < n; j++) {
            if (dw != null) {
                set(dw, j, get(dw, j) + dwAcc[j]);
            }
            if (db != null) {
                set(db, j, get(db, j) + dbAcc[j]);
            }
        }
    }

    static void rmsNorm(View x, View w, float eps, View out, View rstd) {
        int n = x.size(-1);
        long rows = x.numel() / Math.max(n, 1);
        for (long r = 0; r < rows; r++) {
            long base = r * n;
            double ss = 0;
            for (int j = 0; j < n; j++) {
                double v = get(x, base + j);
                ss += v * v;
            }
            double rs = 1.0 / Math.sqrt(ss / n + eps);
            for (int j = 0; j < n; j++) {
                double v = get(x, base + j) * rs;
                set(out, base + j, w == null ? v : v * get(w, j));
            }
            if (rstd != null) {
                set(rstd, r, rs);
            }
        }
    }

    static void rmsNormBackward(View x, View w, View rstd, View dy, View dx, View dw) {
        int n = x.size(-1);
        long rows = x.numel() / Math.max(n, 1);
        double[] dwAcc = new double[n];
        for (long r = 0; r < rows; r++) {
            long base = r * n;
            double rs = get(rstd, r);
            double dot = 0;
            for (int j = 0; j < n; j++) {
                double xv = get(x, base + j);
                double g = get(dy, base + j);
                dwAcc[j] += g * xv * rs;
                dot += (w == null ? g : g * get(w, j)) * xv;
            }
            for (int j = 0; j < n; j++) {
                double xv = get(x, base + j);
                double gw = w == null ? get(dy, base + j) : get(dy, base + j) * get(w, j);
                set(dx, base + j, rs * gw - xv * rs * rs * rs * dot / n);
            }
        }
        if (dw != null) {
            for (int j = 0; j < n; j++) {
                set(dw, j, get(dw, j) + dwAcc[j]);
            }
        }
    }
}
