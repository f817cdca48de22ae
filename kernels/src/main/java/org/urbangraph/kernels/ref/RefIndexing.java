package org.urbangraph.kernels.ref;

import static org.urbangraph.kernels.ref.ReferenceBackend.get;
import static org.urbangraph.kernels.ref.ReferenceBackend.getLong;
import static org.urbangraph.kernels.ref.ReferenceBackend.set;

import org.urbangraph.kernels.View;

/** Plain index_select / index_add / gather / scatter_add and the segment softmax of graph attention. */
final class RefIndexing {
    private RefIndexing() {}

    static long checkedIndex(View index, long i, int bound, String what) {
        long id = getLong(index, i);
        if (id < 0 || id >= bound) {
            throw new IndexOutOfBoundsException(what + ": index " + id + " at position " + i
                    + " is outside [0, " + bound + ")");
        }
        return id;
    }

    /** Splits the linear index of an element of a view into (outer, mid, inner) around {@code dim}. */
    private static long inner(View v, int dim) {
        long n = 1;
        for (int i = dim + 1; i < v.rank(); i++) {
            n *= v.shape()[i];
        }
        return n;
    }

    static void indexSelect(View x, int dim, View index, View out) {
        int n = x.shape()[dim];
        int m = out.shape()[dim];
        long in = inner(out, dim);
        long outer = out.numel() / Math.max(1, m * in);
        for (int i = 0; i < m; i++) {
            long src = checkedIndex(index, i, n, "index_select");
            for (long o = 0; o < outer; o++) {
                for (long c = 0; c < in; c++) {
                    set(out, (o * m + i) * in + c, get(x, (o * n + src) * in + c));
                }
            }
        }
    }

    static void indexAdd(View dst, int dim, View index, View src) {
        int n = dst.shape()[dim];
        int m = src.shape()[dim];
        long in = inner(src, dim);
        long outer = src.numel() / Math.max(1, m * in);
        for (long o = 0; o < outer; o++) {
            for (int i = 0; i < m; i++) {
                long t = checkedIndex(index, i, n, "index_add");
                for (long c = 0; c < in; c++) {
                    long di = (o * n + t) * in + c;
                    set(dst, di, get(dst, di) + get(src, (o * m + i) * in + c));
                }
            }
        }
    }

    static void gather(View x, int dim, View index, View out) {
        long total = out.numel();
        int n = x.shape()[dim];
        int m = out.shape()[dim];
        long in = inner(out, dim);
        long inX = inner(x, dim);
        for (long e = 0; e < total; e++) {
            long c = e % in;
            long o = e / in / m;
            long id = checkedIndex(index, e, n, "gather");
            set(out, e, get(x, (o * n + id) * inX + c));
        }
    }

    static void scatterAdd(View dst, int dim, View index, View src) {
        long total = index.numel();
        int n = dst.shape()[dim];
        int m = index.shape()[dim];
        long in = inner(index, dim);
        long inD = inner(dst, dim);
        for (long e = 0; e < total; e++) {
            long c = e % in;
            long o = e / in / m;
            long id = checkedIndex(index, e, n, "scatter_add");
            long di = (o * n + id) * inD + c;
            set(dst, di, get(dst, di) + get(src, e));
        }
    }

    static void segmentSoftmax(View x, View segment, int segments, float eps, View out) {
        int rows = x.shape()[0];
        int cols = x.rank() > 1 ? x.shape()[1] : 1;
        double[][] max = new double[segments][cols];
        double[][] sum = new double[segments][cols];
        for (double[] r : max) {
            java.util.Arrays.fill(r, Double.NEGATIVE_INFINITY);
        }
        for (int e = 0; e < rows; e++) {
            int s = (int) checkedIndex(segment, e, segments, "segment_softmax");
            for (int c = 0; c < cols; c++) {
                max[s][c] = Math.max(max[s][c], get(x, (long) e * cols + c));
            }
        }
        for (int e = 0; e < rows; e++) {
            int s = (int) getLong(segment, e);
            for (int c = 0; c < cols; c++) {
                sum[s][c] += Math.exp(get(x, (long) e * cols + c) - max[s][c]);
            }
        }
        for (int e = 0; e < rows; e++) {
            int s = (int) getLong(segment, e);
            for (int c = 0; c < cols; c++) {
                set(out, (long) e * cols + c, Math.exp(get(x, (long) e * cols + c) - max[s][c]) / (sum[s][c] + eps));
            }
        }
    }

    static void segmentSoftmaxBackward(View y, View dy, View segment, int segments, View dx) {
        int rows = y.shape()[0];
        int cols = y.rank() > 1 ? y.shape()[1] : 1;
        double[][] dot = new double[segments][cols];
        for (int e = 0; e < rows; e++) {
            int s = (int) checkedIndex(segment, e, segments, "segment_softmax");
            for (int c = 0; c < cols; c++) {
                long i = (long) e * cols + c;
                dot[s][c] += get(y, i) * get(dy, i);
            }
        }
        for (int e = 0; e < rows; e++) {
            int s = (int) getLong(segment, e);
            for (int c = 0; c < cols; c++) {
                long i = (long) e * cols + c;
                set(dx, i, get(y, i) * (get(dy, i) - dot[s][c]));
            }
        }
    }
}
