package org.urbangraph.kernels.ref;

import static org.urbangraph.kernels.ref.ReferenceBackend.at4;
import static org.urbangraph.kernels.ref.ReferenceBackend.put4;

import org.urbangraph.kernels.AttentionMask;
import org.urbangraph.kernels.HostAccess;
import org.urbangraph.kernels.View;

/**
 * Attention the textbook way: the full score row of each query, in double. The mask rules are the ones that
 * {@link AttentionMask} documents, and {@link #allowed} is their single definition for the plain kernels.
 */
public final class RefAttention {
    private RefAttention() {}

    /** Whether query i of batch b may attend to key j. */
    public static boolean allowed(AttentionMask mask, int b, int i, int j, int lq, int lk) {
        if (mask.causal() && j > i + (lk - lq)) {
            return false;
        }
        if (mask.window() > 0 && j <= i + (lk - lq) - mask.window()) {
            return false;
        }
        if (mask.keyPadding() != null && at2(mask.keyPadding(), b, j) == 0) {
            return false;
        }
        if (mask.querySegments() != null && at2(mask.querySegments(), b, i) != at2(mask.keySegments(), b, j)) {
            return false;
        }
        return true;
    }

    static long at2(View v, int a, int c) {
        return HostAccess.getLong(ReferenceBackend.seg(v.buffer()), v.dtype(),
                v.offset() + a * v.strides()[0] + c * v.strides()[1]);
    }

    /** Probabilities of one query row; all zero when no key is allowed. Returns the log-sum-exp. */
    private static double probs(View q, View k, AttentionMask mask, float scale, int b, int h, int hk, int i,
                                double[] p) {
        int lq = q.size(2);
        int lk = k.size(2);
        int d = q.size(3);
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < lk; j++) {
            if (!allowed(mask, b, i, j, lq, lk)) {
                p[j] = Double.NEGATIVE_INFINITY;
                continue;
            }
            double s = 0;
            for (int c = 0; c < d; c++) {
                s += at4(q, b, h, i, c) * at4(k, b, hk, j, c);
            }
            p[j] = s * scale;
            max = Math.max(max, p[j]);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            java.util.Arrays.fill(p, 0);
            return Double.NEGATIVE_INFINITY;
        }
        double sum = 0;
        for (int j = 0; j < lk; j++) {
            p[j] = p[j] == Double.NEGATIVE_INFINITY ? 0 : Math.exp(p[j] - max);
            sum += p[j];
        }
        for (int j = 0; j < lk; j++) {
            p[j] /= sum;
        }
        return max + Math.log(sum);
    }

    static void forward(View q, View k, View v, AttentionMask mask, float scale, View out, View lse) {
        int batch = q.size(0);
        int hq = q.size(1);
        int lq = q.size(2);
        int hkv = k.size(1);
        int lk = k.size(2);
        int dv = v.size(3);
        int group = hq / hkv;
        double[] p = new double[lk];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < hq; h++) {
                int hk = h / group;
                for (int i = 0; i < lq; i++) {
                    double l = probs(q, k, mask, scale, b, h, hk, i, p);
                    for (int c = 0; c < dv; c++) {
                        double acc = 0;
                        for (int j = 0; j < lk; j++) {
                            if (p[j] != 0) {
                                acc += p[j] * at4(v, b, hk, j, c);
                            }
                        }
                        put4(out, b, h, i, c, acc);
                    }
                    if (lse != null) {
                        long off = lse.offset() + b * lse.strides()[0] + h * lse.strides()[1] + i * lse.strides()[2];
                        HostAccess.set(ReferenceBackend.seg(lse.buffer()), lse.dtype(), off, l);
                    }
                }
            }
        }
    }

    static void backward(View q, View k, View v, AttentionMask mask, float scale, View out, View dOut, View dq,
                         View dk, View dv) {
        int batch = q.size(0);
        int hq = q.size(1);
        int lq = q.size(2);
        int d = q.size(3);
        int hkv = k.size(1);
        int lk = k.size(2);
        int dvDim = v.size(3);
        int group = hq / hkv;
        double[][][][] gk = new double[batch][hkv][lk][d];
        double[][][][] gv = new double[batch][hkv][lk][dvDim];
        double[] p = new double[lk];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < hq; h++) {
                int hk = h / group;
                for (int i = 0; i < lq; i++) {
                    probs(q, k, mask, scale, b, h, hk, i, p);
                    // delta = sum_c dOut * out
                    double delta = 0;
                    for (int c = 0; c < dvDim; c++) {
                        delta += at4(dOut, b, h, i, c) * at4(out, b, h, i, c);
                    }
                    double[] gq = new double[d];
                    for (int j = 0; j < lk; j++) {
                        if (p[j] == 0) {
                            continue;
                        }
                        double dp = 0;
                        for (int c = 0; c < dvDim; c++) {
                            double g = at4(dOut, b, h, i, c);
                            dp += g * at4(v, b, hk, j, c);
                            gv[b][hk][j][c] += p[j] * g;
                        }
                        double ds = p[j] * (dp - delta) * scale;
                        for (int c = 0; c < d; c++) {
                            gq[c] += ds * at4(k, b, hk, j, c);
                            gk[b][hk][j][c] += ds * at4(q, b, h, i, c);
                        }
                    }
                    for (int c = 0; c < d; c++) {
                        put4(dq, b, h, i, c, gq[c]);
                    }
                }
            }
        }
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < hkv; h++) {
                for (int j = 0; j < lk; j++) {
                    for (int c = 0; c < d; c++) {
                        put4(dk, b, h, j, c, gk[b][h][j][c]);
                    }
                    for (int c = 0; c < dvDim; c++) {
                        put4(dv, b, h, j, c, gv[b][h][j][c]);
                    }
                }
            }
        }
    }
}
