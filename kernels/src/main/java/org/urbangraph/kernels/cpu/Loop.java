package org.urbangraph.kernels.cpu;

import java.util.ArrayList;
import java.util.List;
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
        List<Integer> dims = new ArrayList<>();
        for (int d = 0; d < rank; d++) {
            if (views[0].shape()[d] != 1) {
                dims.add(d);
            }
        }
        List<int[]> mergedShape = new ArrayList<>();
        List<long[]> mergedStrides = new ArrayList<>();
        for (int d : dims) {
            int n = views[0].shape()[d];
            long[] st = new long[ops];
            for (int o = 0; o < ops; o++) {
                st[o] = views[o].strides()[d];
            }
            if (!mergedShape.isEmpty()) {
                int last = mergedShape.size() - 1;
                long[] prev = mergedStrides.get(last);
                boolean merge = true;
                for (int o = 0; o < ops; o++) {
                    merge &= prev[o] == st[o] * n;
                }
                if (merge) {
                    mergedShape.set(last, new int[] {mergedShape.get(last)[0] * n});
                    mergedStrides.set(last, st);
                    continue;
                }
            }
            mergedShape.add(new int[] {n});
            mergedStrides.add(st);
        }
        if (mergedShape.isEmpty()) {
            mergedShape.add(new int[] {1});
            mergedStrides.add(new long[ops]);
        }
        int r = mergedShape.size();
        shape = new int[r];
        strides = new long[ops][r];
        for (int d = 0; d < r; d++) {
            shape[d] = mergedShape.get(d)[0];
            for (int o = 0; o < ops; o++) {
                strides[o][d] = mergedStrides.get(d)[o];
            }
        }
        offsets = new long[ops];
        for (int o = 0; o < ops; o++) {
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
