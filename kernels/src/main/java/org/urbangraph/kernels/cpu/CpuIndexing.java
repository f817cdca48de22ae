package org.urbangraph.kernels.cpu;

import static org.urbangraph.kernels.cpu.CpuMem.seg;

import java.lang.foreign.MemorySegment;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.HostAccess;
import org.urbangraph.kernels.Strides;
import org.urbangraph.kernels.View;

/**
 * index_select (embedding lookup), index_add (its backward), gather, scatter_add and the segment softmax of graph
 * attention. Ids are checked before anything is written. Accumulating kernels keep the reference's order for every
 * destination element: work is split only across positions that never write the same element, and each task walks
 * the indexed dimension in order.
 */
final class CpuIndexing {

    private final CpuPool pool;
    private final CpuElementwise walker;

    CpuIndexing(CpuPool pool, CpuElementwise walker) {
        this.pool = pool;
        this.walker = walker;
    }

    /** The ids of a 1-D index, each checked against [0, bound). */
    static int[] ids(View index, int bound, String what) {
        int n = index.size(0);
        int[] out = new int[n];
        MemorySegment s = seg(index);
        for (int i = 0; i < n; i++) {
            long id = CpuMem.getLong(s, index.dtype(), index.offset() + i * index.stride(0));
            if (id < 0 || id >= bound) {
                throw new IndexOutOfBoundsException(what + ": index " + id + " at position " + i
                        + " is outside [0, " + bound + ")");
            }
            out[i] = (int) id;
        }
        return out;
    }

    /** Moves one run of len elements between two views' memory, converting the type. */
    private static void moveRun(MemorySegment xs, DType xt, long xo, long xst, MemorySegment os, DType ot, long oo,
                                long ost, int len) {
        if (xt == ot && xst == 1 && ost == 1) {
            MemorySegment.copy(xs, xo * xt.size(), os, oo * ot.size(), (long) len * xt.size());
        } else if (CpuElementwise.narrowFloat(xt) && CpuElementwise.narrowFloat(ot)) {
            float[] buf = Scratch.get(Scratch.A, len);
            CpuMem.load(xs, xt, xo, xst, len, buf, 0);
            CpuMem.store(buf, 0, len, os, ot, oo, ost);
        } else {
            for (int j = 0; j < len; j++) {
                if (xt.isIntegral() && ot.isIntegral()) {
                    HostAccess.setLong(os, ot, oo + j * ost, HostAccess.getLong(xs, xt, xo + j * xst));
                } else {
                    HostAccess.set(os, ot, oo + j * ost, HostAccess.get(xs, xt, xo + j * xst));
                }
            }
        }
    }

    void indexSelect(View x, int dim, View index, View out) {
        int[] id = ids(index, x.shape()[dim], "index_select");
        Loop loop = new Loop(Strides.dropDim(x, dim), Strides.dropDim(out, dim));
        long sx = x.strides()[dim];
        long so = out.strides()[dim];
        long xin = loop.innerStride(0);
        long oin = loop.innerStride(1);
        MemorySegment xs = seg(x);
        MemorySegment os = seg(out);
        long rows = loop.rows;
        int inner = loop.inner;
        if (rows == 0 || id.length == 0) {
            return;
        }
        // tasks over (index position, row) pairs, in blocks of about 16K elements
        long items = (long) id.length * rows;
        int per = Math.max(1, 16384 / Math.max(1, inner));
        int tasks = Math.toIntExact((items + per - 1) / per);
        pool.run(tasks, t -> {
            for (long it = (long) t * per, end = Math.min(items, it + per); it < end; it++) {
                int i = (int) (it / rows);
                long row = it % rows;
                moveRun(xs, x.dtype(), loop.base(0, row) + id[i] * sx, xin, os, out.dtype(),
                        loop.base(1, row) + i * so, oin, inner);
            }
        });
    }

    void indexAdd(View dst, int dim, View index, View src) {
        int[] id = ids(index, dst.shape()[dim], "index_add");
        Loop loop = new Loop(Strides.dropDim(dst, dim), Strides.dropDim(src, dim));
        long sd = dst.strides()[dim];
        long ss = src.strides()[dim];
        long din = loop.innerStride(0);
        long sin = loop.innerStride(1);
        MemorySegment ds = seg(dst);
        MemorySegment srcSeg = seg(src);
        boolean integral = dst.dtype().isIntegral();
        walker.forChunks(loop, (row, start, len) -> {
            long db = loop.base(0, row) + start * din;
            long sb = loop.base(1, row) + start * sin;
            if (integral) {
                for (int i = 0; i < id.length; i++) {
                    for (int j = 0; j < len; j++) {
                        long o = db + id[i] * sd + j * din;
                        HostAccess.setLong(ds, dst.dtype(), o, HostAccess.getLong(ds, dst.dtype(), o)
                                + HostAccess.getLong(srcSeg, src.dtype(), sb + i * ss + j * sin));
                    }
                }
                return;
            }
            float[] acc = Scratch.get(Scratch.B, len);
            float[] add = Scratch.get(Scratch.C, len);
            for (int i = 0; i < id.length; i++) {
                long o = db + id[i] * sd;
                CpuMem.load(ds, dst.dtype(), o, din, len, acc, 0);
                CpuMem.load(srcSeg, src.dtype(), sb + i * ss, sin, len, add, 0);
                CpuMath.axpy(1f, add, 0, acc, 0, len);
                CpuMem.store(acc, 0, len, ds, dst.dtype(), o, din);
            }
        });
    }

    /** x seen with index's shape, the indexed dimension's stride set to 0: its walk gives all but the id's part. */
    private static View alongIndex(View x, int dim, View index) {
        long[] st = x.strides().clone();
        st[dim] = 0;
        return new View(x.buffer(), x.dtype(), x.offset(), index.shape().clone(), st);
    }

    void gather(View x, int dim, View index, View out) {
        int n = x.shape()[dim];
        long sx = x.strides()[dim];
        Loop loop = new Loop(out, index, alongIndex(x, dim, index));
        long[] st = {loop.innerStride(0), loop.innerStride(1), loop.innerStride(2)};
        MemorySegment xs = seg(x);
        MemorySegment os = seg(out);
        MemorySegment is = seg(index);
        checkAll(index, n, "gather");
        walker.forChunks(loop, (row, start, len) -> {
            long o = loop.base(0, row) + start * st[0];
            long ii = loop.base(1, row) + start * st[1];
            long xo = loop.base(2, row) + start * st[2];
            for (int j = 0; j < len; j++, o += st[0], ii += st[1], xo += st[2]) {
                long id = CpuMem.getLong(is, index.dtype(), ii);
                moveRun(xs, x.dtype(), xo + id * sx, 1, os, out.dtype(), o, 1, 1);
            }
        });
    }

    /** Checks every id of an index of any shape (row-major order), before anything is written. */
    private static void checkAll(View index, int bound, String what) {
        long total = index.numel();
        MemorySegment s = seg(index);
        for (long e = 0; e < total; e++) {
            long id = CpuMem.getLong(s, index.dtype(), Strides.offsetOf(index, e));
            if (id < 0 || id >= bound) {
                throw new IndexOutOfBoundsException(what + ": index " + id + " at position " + e
                        + " is outside [0, " + bound + ")");
            }
        }
    }

    void scatterAdd(View dst, int dim, View index, View src) {
        int n = dst.shape()[dim];
        int m = index.shape()[dim];
        long sd = dst.strides()[dim];
        long si = index.strides()[dim];
        long ss = src.strides()[dim];
        checkAll(index, n, "scatter_add");
        // walk every position except the indexed dimension; each walks that dimension in order
        View idx0 = Strides.dropDim(index, dim);
        View src0 = Strides.dropDim(new View(src.buffer(), src.dtype(), src.offset(), index.shape().clone(),
                src.strides().clone()), dim);
        View dst0 = Strides.dropDim(alongIndex(dst, dim, index), dim);
        Loop loop = new Loop(idx0, src0, dst0);
        long[] st = {loop.innerStride(0), loop.innerStride(1), loop.innerStride(2)};
        MemorySegment ds = seg(dst);
        MemorySegment srcSeg = seg(src);
        MemorySegment is = seg(index);
        boolean integral = dst.dtype().isIntegral();
        walker.forChunks(loop, (row, start, len) -> {
            long ib = loop.base(0, row) + start * st[0];
            long sb = loop.base(1, row) + start * st[1];
            long db = loop.base(2, row) + start * st[2];
            for (int j = 0; j < len; j++) {
                for (int i = 0; i < m; i++) {
                    long id = CpuMem.getLong(is, index.dtype(), ib + j * st[0] + i * si);
                    long o = db + j * st[2] + id * sd;
                    long s = sb + j * st[1] + i * ss;
                    if (integral) {
                        HostAccess.setLong(ds, dst.dtype(), o, HostAccess.getLong(ds, dst.dtype(), o)
                                + HostAccess.getLong(srcSeg, src.dtype(), s));
                    } else {
                        CpuMem.set(ds, dst.dtype(), o, CpuMem.get(ds, dst.dtype(), o)
                                + CpuMem.get(srcSeg, src.dtype(), s));
                    }
                }
            }
        });
    }

    // ---- segment softmax -------------------------------------------------------------------------------------

    void segmentSoftmax(View x, View segment, int segments, float eps, View out) {
        int rows = x.shape()[0];
        int cols = x.rank() > 1 ? x.shape()[1] : 1;
        int[] seg = ids(segment, segments, "segment_softmax");
        pool.run(cols, c -> {
            float[] xv = column(x, c, rows);
            float[] max = new float[segments];
            java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
            for (int e = 0; e < rows; e++) {
                max[seg[e]] = Math.max(max[seg[e]], xv[e]);
            }
            double[] sum = new double[segments];
            for (int e = 0; e < rows; e++) {
                xv[e] = (float) Math.exp(xv[e] - max[seg[e]]);
                sum[seg[e]] += xv[e];
            }
            for (int e = 0; e < rows; e++) {
                xv[e] = (float) (xv[e] / (sum[seg[e]] + eps));
            }
            storeColumn(xv, out, c, rows);
        });
    }

    void segmentSoftmaxBackward(View y, View dy, View segment, int segments, View dx) {
        int rows = y.shape()[0];
        int cols = y.rank() > 1 ? y.shape()[1] : 1;
        int[] seg = ids(segment, segments, "segment_softmax");
        pool.run(cols, c -> {
            float[] yv = column(y, c, rows);
            float[] gv = column(dy, c, rows);
            double[] dot = new double[segments];
            for (int e = 0; e < rows; e++) {
                dot[seg[e]] += (double) yv[e] * gv[e];
            }
            for (int e = 0; e < rows; e++) {
                gv[e] = (float) (yv[e] * (gv[e] - dot[seg[e]]));
            }
            storeColumn(gv, dx, c, rows);
        });
    }

    private static float[] column(View v, int c, int rows) {
        float[] out = new float[rows];
        long colOff = v.rank() > 1 ? c * v.strides()[1] : 0;
        CpuMem.load(seg(v), v.dtype(), v.offset() + colOff, v.strides()[0], rows, out, 0);
        return out;
    }

    private static void storeColumn(float[] src, View v, int c, int rows) {
        long colOff = v.rank() > 1 ? c * v.strides()[1] : 0;
        CpuMem.store(src, 0, rows, seg(v), v.dtype(), v.offset() + colOff, v.strides()[0]);
    }
}
