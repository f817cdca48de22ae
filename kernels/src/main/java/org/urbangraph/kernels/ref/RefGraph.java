package org.urbangraph.kernels.ref;

import static org.urbangraph.kernels.ref.RefIndexing.checkedIndex;

import org.urbangraph.kernels.HostAccess;
import org.urbangraph.kernels.View;

/**
 * The fused edge kernels of graph attention written out as plain loops over edges, heads and channels, accumulating
 * in double: the GATv2 logits and their gradients, and the weighted aggregation over edges and its gradients. Every
 * node's sum runs over its edges in increasing edge order, as the fast kernels must.
 */
final class RefGraph {
    private RefGraph() {}

    /** Every id of a 1-D index, checked against [0, bound) before anything is written. */
    private static int[] ids(View index, int bound, String what) {
        int n = index.size(0);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = (int) checkedIndex(index, i, bound, what);
        }
        return out;
    }

    private static double at(View v, long... idx) {
        long off = v.offset();
        for (int d = 0; d < idx.length; d++) {
            off += idx[d] * v.strides()[d];
        }
        return HostAccess.get(ReferenceBackend.seg(v.buffer()), v.dtype(), off);
    }

    private static void put(View v, double value, long... idx) {
        long off = v.offset();
        for (int d = 0; d < idx.length; d++) {
            off += idx[d] * v.strides()[d];
        }
        HostAccess.set(ReferenceBackend.seg(v.buffer()), v.dtype(), off, value);
    }

    private static double leaky(double z, double slope) {
        return z > 0 ? z : slope * z;
    }

    /** xl[src, h, c] + xr[dst, h, c] (+ p[e, h, c]): the GATv2 edge sum before the activation. */
    private static double edgeSum(View xl, View xr, View p, int s, int d, int e, int h, int c) {
        double z = at(xl, s, h, c) + at(xr, d, h, c);
        return p == null ? z : z + at(p, e, h, c);
    }

    static void gatv2Logits(View xl, View xr, View p, View src, View dst, View att, float slope, View logits) {
        int[] s = ids(src, xl.size(0), "gatv2_logits source");
        int[] d = ids(dst, xr.size(0), "gatv2_logits target");
        int heads = att.size(0);
        int channels = att.size(1);
        for (int e = 0; e < s.length; e++) {
            for (int h = 0; h < heads; h++) {
                double acc = 0;
                for (int c = 0; c < channels; c++) {
                    acc += leaky(edgeSum(xl, xr, p, s[e], d[e], e, h, c), slope) * at(att, h, c);
                }
                put(logits, acc, e, h);
            }
        }
    }

    static void gatv2LogitsBackward(View xl, View xr, View p, View src, View dst, View att, float slope, View dLogits,
                                    View dxl, View dxr, View dp, View dAtt) {
        int[] s = ids(src, xl.size(0), "gatv2_logits source");
        int[] d = ids(dst, xr.size(0), "gatv2_logits target");
        int heads = att.size(0);
        int channels = att.size(1);
        double[][][] gl = new double[xl.size(0)][heads][channels];
        double[][][] gr = new double[xr.size(0)][heads][channels];
        double[][] ga = new double[heads][channels];
        for (int e = 0; e < s.length; e++) {
            for (int h = 0; h < heads; h++) {
                double dl = at(dLogits, e, h);
                for (int c = 0; c < channels; c++) {
                    double z = edgeSum(xl, xr, p, s[e], d[e], e, h, c);
                    double g = dl * at(att, h, c) * (z > 0 ? 1 : slope);
                    gl[s[e]][h][c] += g;
                    gr[d[e]][h][c] += g;
                    ga[h][c] += dl * leaky(z, slope);
                    if (dp != null) {
                        put(dp, g, e, h, c);
                    }
                }
            }
        }
        for (int h = 0; h < heads; h++) {
            for (int c = 0; c < channels; c++) {
                for (int n = 0; dxl != null && n < gl.length; n++) {
                    put(dxl, gl[n][h][c], n, h, c);
                }
                for (int n = 0; dxr != null && n < gr.length; n++) {
                    put(dxr, gr[n][h][c], n, h, c);
                }
                if (dAtt != null) {
                    put(dAtt, ga[h][c], h, c);
                }
            }
        }
    }

    static void edgeAggregate(View x, View weight, View src, View dst, boolean meanHeads, View out) {
        int[] s = ids(src, x.size(0), "edge_aggregate source");
        int[] d = ids(dst, out.size(0), "edge_aggregate target");
        int heads = x.size(1);
        int channels = x.size(2);
        double[][][] acc = new double[out.size(0)][heads][channels];
        for (int e = 0; e < s.length; e++) {
            for (int h = 0; h < heads; h++) {
                double w = at(weight, e, h);
                for (int c = 0; c < channels; c++) {
                    acc[d[e]][h][c] += w * at(x, s[e], h, c);
                }
            }
        }
        for (int t = 0; t < acc.length; t++) {
            for (int c = 0; c < channels; c++) {
                if (meanHeads) {
                    double sum = 0;
                    for (int h = 0; h < heads; h++) {
                        sum += acc[t][h][c];
                    }
                    put(out, sum / heads, t, c);
                } else {
                    for (int h = 0; h < heads; h++) {
                        put(out, acc[t][h][c], t, h, c);
                    }
                }
            }
        }
    }

    static void edgeAggregateBackward(View x, View weight, View src, View dst, boolean meanHeads, View dOut, View dx,
                                      View dWeight) {
        int[] s = ids(src, x.size(0), "edge_aggregate source");
        int[] d = ids(dst, dOut.size(0), "edge_aggregate target");
        int heads = x.size(1);
        int channels = x.size(2);
        double[][][] gx = new double[x.size(0)][heads][channels];
        for (int e = 0; e < s.length; e++) {
            for (int h = 0; h < heads; h++) {
                double w = at(weight, e, h);
                double dot = 0;
                for (int c = 0; c < channels; c++) {
                    double g = meanHeads ? at(dOut, d[e], c) / heads : at(dOut, d[e], h, c);
                    dot += g * at(x, s[e], h, c);
                    gx[s[e]][h][c] += w * g;
                }
                if (dWeight != null) {
                    put(dWeight, dot, e, h);
                }
            }
        }
        for (int n = 0; dx != null && n < gx.length; n++) {
            for (int h = 0; h < heads; h++) {
                for (int c = 0; c < channels; c++) {
                    put(dx, gx[n][h][c], n, h, c);
                }
            }
        }
    }
}
