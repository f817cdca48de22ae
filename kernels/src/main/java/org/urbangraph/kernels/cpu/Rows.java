package org.urbangraph.kernels.cpu;

import org.urbangraph.kernels.View;

/**
 * Row-wise kernels (norms, softmax, rotary) walk the leading dimensions of a view as rows of its last dimension; row
 * r is the r-th in row-major order of the leading dimensions. Rows are handed out in blocks whose size depends on
 * the shape only.
 */
final class Rows {
    private Rows() {}

    /** Element offset of the first element of row r (the leading dimensions of v at row-major index r). */
    static long base(View v, long r) {
        long off = v.offset();
        int[] shape = v.shape();
        long[] st = v.strides();
        for (int d = shape.length - 2; d >= 0; d--) {
            long idx = r % shape[d];
            r /= shape[d];
            off += idx * st[d];
        }
        return off;
    }

    /** Offset of element r in row-major order of a view that holds one value per row (mean, rstd, lse). */
    static long at(View v, long r) {
        long off = v.offset();
        int[] shape = v.shape();
        long[] st = v.strides();
        for (int d = shape.length - 1; d >= 0; d--) {
            long idx = r % shape[d];
            r /= shape[d];
            off += idx * st[d];
        }
        return off;
    }

    static long count(View v) {
        int n = v.size(-1);
        return n == 0 ? 0 : v.numel() / n;
    }

    /** Rows per task: enough work per task (about 16K elements), at least one row. */
    static int block(long rows, int n) {
        return (int) Math.max(1, Math.min(rows, 16384 / Math.max(1, n)));
    }

    @FunctionalInterface
    interface RowRange {
        void run(long from, long to);
    }

    static void forBlocks(CpuPool pool, long rows, int n, RowRange body) {
        if (rows == 0) {
            return;
        }
        int block = block(rows, n);
        int tasks = Math.toIntExact((rows + block - 1) / block);
        pool.run(tasks, t -> body.run((long) t * block, Math.min(rows, (long) (t + 1) * block)));
    }
}
