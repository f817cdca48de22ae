package org.urbangraph.kernels.cpu;

import org.urbangraph.kernels.View;

/**
 * The iteration space of an element-wise kernel over views of one shape: dimensions of size 1 dropped, and adjacent
 * dimensions merged wherever every operand walks them as one (so a contiguous tensor becomes one long row). The last
 * remaining dimension is the inner row; {@link #base} gives each operand's element offset of a row.
 */
final class Loop {
    final int[] shape;
    final long[][] strides;
    final long[] offsets;
    final int inner;
    final long rows;

    Loop(View... views) {
        int rank = views[0].rank();
        int ops = views.length;
        int[] shp = new int[Math.max(1, rank)];
        long[][] st = new long[ops][Math.max(1, rank)];
        int r = 0;
        for (int d = 0; d < rank; d++) {
            int n = views[0].shape()[d];
            if (n == 1) {
                continue;
            }
            boolean merge = r > 0;
            for (int o = 0; o < ops && merge; o++) {
                merge = st[o][r - 1] == views[o].strides()[d] * n;
            }
            if (merge) {
                shp[r - 1] *= n;
                for (int o = 0; o < ops; o++) {
                    st[o][r - 1] = views[o].strides()[d];
                }
            } else {
                shp[r] = n;
                for (int o = 0; o < ops; o++) {
                    st[o][r] = views[o].strides()[d];
                }
                r++;
            }
        }
        if (r == 0) {
            shp[0] = 1;
            r = 1;
        }
        shape = java.util.Arrays.copyOf(shp, r);
        strides = new long[ops][];
        offsets = new long[ops];
        for (int o = 0; o < ops; o++) {
            strides[o] = java.util.Arrays.copyOf(st[o], r);
            offsets[o] = views[o].offset();
        }
        long n = 1;
        for (int s : views[0].shape()) {
            n *= s;
        }
        inner = n == 0 ? 0 : shape[r - 1];
        rows = n == 0 ? 0 : n / inner;
    }

    /** Element stride of operand {@code op} along the inner row. */
    long innerStride(int op) {
        return strides[op][shape.length - 1];
    }

    /** Element offset of the first element of row {@code row} for operand {@code op}. */
    long base(int op, long row) {
        long off = offsets[op];
        for (int d = shape.length - 2; d >= 0; d--) {
            long idx = row % shape[d];
            row /= shape[d];
            off += idx * strides[op][d];
        }
        return off;
    }
}
