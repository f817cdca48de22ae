package org.urbangraph.kernels.cpu;

import static org.urbangraph.kernels.cpu.CpuMem.seg;

import java.lang.foreign.MemorySegment;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.HostAccess;
import org.urbangraph.kernels.ReduceOp;
import org.urbangraph.kernels.Strides;
import org.urbangraph.kernels.View;

/**
 * Reductions along one dimension. The output elements are walked like an element-wise kernel over the input with
 * the reduced dimension dropped. Where that walk is contiguous in the input and the reduced dimension is not (a
 * column sum, as for a bias gradient), a chunk of outputs is reduced together, one contiguous input row at a time;
 * otherwise each output gathers its n inputs into a scratch row and reduces it with vectors. Integer inputs (but for
 * a mean or a logsumexp) take the same two paths in longs, exactly, each run read with its dtype chosen once.
 */
final class CpuReduce {

    private final CpuElementwise walker;

    CpuReduce(CpuElementwise walker) {
        this.walker = walker;
    }

    void reduce(ReduceOp op, View x, int dim, View out) {
        int d = Strides.normDim(dim, x.rank());
        int n = x.shape()[d];
        long sd = x.strides()[d];
        View xs = Strides.dropDim(x, d);
        View os = Strides.dropDim(out, d);
        Loop loop = new Loop(xs, os);
        MemorySegment s = seg(x);
        MemorySegment o = seg(out);
        long xin = loop.innerStride(0);
        long oin = loop.innerStride(1);
        boolean arg = op == ReduceOp.ARGMAX || op == ReduceOp.ARGMIN;
        boolean columns = xin == 1 && sd != 1 && n > 1;
        if (x.dtype().isIntegral() && op != ReduceOp.MEAN && op != ReduceOp.LOGSUMEXP) {
            // integers stay exact in a long: through a float, 2^24 + 1 is 2^24
            walker.forChunks(loop, (row, start, len) -> {
                long xb = loop.base(0, row) + start * xin;
                long ob = loop.base(1, row) + start * oin;
                if (n == 0) {
                    for (int j = 0; j < len; j++) {
                        emptyLong(op, o, out.dtype(), ob + j * oin);
                    }
                    return;
                }
                long[] res = Scratch.getLong(Scratch.C, len);
                if (columns) {
                    reduceLongColumns(op, s, x.dtype(), xb, sd, n, len, res);
                } else {
                    long[] buf = Scratch.getLong(Scratch.A, n);
                    for (int j = 0; j < len; j++) {
                        CpuMem.loadLong(s, x.dtype(), xb + j * xin, sd, n, buf, 0);
                        res[j] = reduceLongRow(op, buf, n);
                    }
                }
                for (int j = 0; j < len; j++) {
                    HostAccess.setLong(o, out.dtype(), ob + j * oin, res[j]);
                }
            });
            return;
        }
        walker.forChunks(loop, (row, start, len) -> {
            long xb = loop.base(0, row) + start * xin;
            long ob = loop.base(1, row) + start * oin;
            float[] res = Scratch.get(Scratch.C, len);
            long[] idx = arg ? new long[len] : null;
            if (columns) {
                reduceColumns(op, s, x.dtype(), xb, sd, n, len, res, idx);
            } else {
                float[] buf = Scratch.get(Scratch.A, n);
                for (int j = 0; j < len; j++) {
                    CpuMem.load(s, x.dtype(), xb + j * xin, sd, n, buf, 0);
                    res[j] = reduceRow(op, buf, n, idx, j);
                }
            }
            for (int j = 0; j < len; j++) {
                if (arg) {
                    HostAccess.setLong(o, out.dtype(), ob + j * oin, idx[j]);
                } else {
                    CpuMem.set(o, out.dtype(), ob + j * oin, res[j]);
                }
            }
        });
    }

    /**
     * The output of an integer reduction over no elements: 0 for a sum and an index, and for a maximum (minimum)
     * negative (positive) infinity converted to the output type.
     */
    private static void emptyLong(ReduceOp op, MemorySegment o, DType ot, long at) {
        switch (op) {
            case MAX -> HostAccess.set(o, ot, at, Double.NEGATIVE_INFINITY);
            case MIN -> HostAccess.set(o, ot, at, Double.POSITIVE_INFINITY);
            default -> HostAccess.setLong(o, ot, at, 0);
        }
    }

    /**
     * One output of an integer reduction over buf[0 .. n), n > 0, accumulated in a long (sums wrap on overflow, as in
     * PyTorch; the first of equal extremes wins); the same results as the OpenCL backend's {@code rd_reduce_long}.
     */
    private static long reduceLongRow(ReduceOp op, long[] buf, int n) {
        switch (op) {
            case SUM -> {
                long acc = 0;
                for (int i = 0; i < n; i++) {
                    acc += buf[i];
                }
                return acc;
            }
            case SUM_SQUARES -> {
                long acc = 0;
                for (int i = 0; i < n; i++) {
                    acc += buf[i] * buf[i];
                }
                return acc;
            }
            case MAX, ARGMAX -> {
                long best = buf[0];
                int where = 0;
                for (int i = 1; i < n; i++) {
                    if (buf[i] > best) {
                        best = buf[i];
                        where = i;
                    }
                }
                return op == ReduceOp.MAX ? best : where;
            }
            case MIN, ARGMIN -> {
                long best = buf[0];
                int where = 0;
                for (int i = 1; i < n; i++) {
                    if (buf[i] < best) {
                        best = buf[i];
                        where = i;
                    }
                }
                return op == ReduceOp.MIN ? best : where;
            }
            default -> throw new IllegalArgumentException("no integer reduction " + op);
        }
    }

    /**
     * len adjacent outputs of an integer reduction whose inputs are contiguous rows base + i * sd, i in [0, n), n > 0:
     * each row is read once, in order, so the results are those of {@link #reduceLongRow}.
     */
    private static void reduceLongColumns(ReduceOp op, MemorySegment s, DType t, long base, long sd, int n, int len,
                                          long[] res) {
        long[] row = Scratch.getLong(Scratch.A, len);
        switch (op) {
            case SUM, SUM_SQUARES -> {
                java.util.Arrays.fill(res, 0, len, 0L);
                boolean squares = op == ReduceOp.SUM_SQUARES;
                for (int i = 0; i < n; i++) {
                    CpuMem.loadLong(s, t, base + i * sd, 1, len, row, 0);
                    if (squares) {
                        for (int j = 0; j < len; j++) {
                            res[j] += row[j] * row[j];
                        }
                    } else {
                        for (int j = 0; j < len; j++) {
                            res[j] += row[j];
                        }
                    }
                }
            }
            case MAX, MIN -> {
                boolean max = op == ReduceOp.MAX;
                CpuMem.loadLong(s, t, base, 1, len, res, 0);
                for (int i = 1; i < n; i++) {
                    CpuMem.loadLong(s, t, base + i * sd, 1, len, row, 0);
                    if (max) {
                        for (int j = 0; j < len; j++) {
                            res[j] = Math.max(res[j], row[j]);
                        }
                    } else {
                        for (int j = 0; j < len; j++) {
                            res[j] = Math.min(res[j], row[j]);
                        }
                    }
                }
            }
            case ARGMAX, ARGMIN -> {
                boolean max = op == ReduceOp.ARGMAX;
                long[] best = Scratch.getLong(Scratch.B, len);
                CpuMem.loadLong(s, t, base, 1, len, best, 0);
                java.util.Arrays.fill(res, 0, len, 0L);
                for (int i = 1; i < n; i++) {
                    CpuMem.loadLong(s, t, base + i * sd, 1, len, row, 0);
                    if (max) {
                        for (int j = 0; j < len; j++) {
                            if (row[j] > best[j]) {
                                best[j] = row[j];
                                res[j] = i;
                            }
                        }
                    } else {
                        for (int j = 0; j < len; j++) {
                            if (row[j] < best[j]) {
                                best[j] = row[j];
                                res[j] = i;
                            }
                        }
                    }
                }
            }
            default -> throw new IllegalArgumentException("no integer reduction " + op);
        }
    }

    private static float reduceRow(ReduceOp op, float[] buf, int n, long[] idx, int j) {
        switch (op) {
            case SUM -> {
                return CpuMath.sum(buf, 0, n);
            }
            case MEAN -> {
                return CpuMath.sum(buf, 0, n) / n;
            }
            case SUM_SQUARES -> {
                return CpuMath.dot(buf, 0, buf, 0, n);
            }
            case MAX, MIN, ARGMAX, ARGMIN -> {
                boolean max = op == ReduceOp.MAX || op == ReduceOp.ARGMAX;
                float best = max ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
                int at = 0;
                for (int i = 0; i < n; i++) {
                    float v = buf[i];
                    if (Float.isNaN(v)) {
                        best = v;
                        at = i;
                        break;
                    }
                    if (max ? v > best : v < best) {
                        best = v;
                        at = i;
                    }
                }
                if (idx != null) {
                    idx[j] = at;
                }
                return best;
            }
            case LOGSUMEXP -> {
                float m = CpuMath.max(buf, 0, n);
                if (Float.isInfinite(m)) {
                    return m;
                }
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    sum += Math.exp(buf[i] - m);
                }
                return (float) (m + Math.log(sum));
            }
            default -> throw new IllegalArgumentException("unknown reduction " + op);
        }
    }

    /** len adjacent outputs whose inputs are contiguous rows base + i * sd, i in [0, n). */
    private static void reduceColumns(ReduceOp op, MemorySegment s, DType t, long base, long sd, int n, int len,
                                      float[] res, long[] idx) {
        float[] row = Scratch.get(Scratch.A, len);
        switch (op) {
            case SUM, MEAN, SUM_SQUARES -> {
                java.util.Arrays.fill(res, 0, len, 0f);
                for (int i = 0; i < n; i++) {
                    CpuMem.load(s, t, base + i * sd, 1, len, row, 0);
                    if (op == ReduceOp.SUM_SQUARES) {
                        for (int j = 0; j < len; j++) {
                            res[j] += row[j] * row[j];
                        }
                    } else {
                        CpuMath.axpy(1f, row, 0, res, 0, len);
                    }
                }
                if (op == ReduceOp.MEAN) {
                    CpuMath.scale(res, 0, len, 1f / n);
                }
            }
            case MAX, MIN, ARGMAX, ARGMIN -> {
                boolean max = op == ReduceOp.MAX || op == ReduceOp.ARGMAX;
                java.util.Arrays.fill(res, 0, len, max ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY);
                boolean[] nan = new boolean[len];
                for (int i = 0; i < n; i++) {
                    CpuMem.load(s, t, base + i * sd, 1, len, row, 0);
                    for (int j = 0; j < len; j++) {
                        float v = row[j];
                        if (nan[j]) {
                            continue;
                        }
                        if (Float.isNaN(v) || (max ? v > res[j] : v < res[j])) {
                            res[j] = v;
                            nan[j] = Float.isNaN(v);
                            if (idx != null) {
                                idx[j] = i;
                            }
                        }
                    }
                }
            }
            case LOGSUMEXP -> {
                float[] m = new float[len];
                java.util.Arrays.fill(m, Float.NEGATIVE_INFINITY);
                for (int i = 0; i < n; i++) {
                    CpuMem.load(s, t, base + i * sd, 1, len, row, 0);
                    for (int j = 0; j < len; j++) {
                        m[j] = Math.max(m[j], row[j]);
                    }
                }
                double[] sum = new double[len];
                for (int i = 0; i < n; i++) {
                    CpuMem.load(s, t, base + i * sd, 1, len, row, 0);
                    for (int j = 0; j < len; j++) {
                        sum[j] += Math.exp(row[j] - m[j]);
                    }
                }
                for (int j = 0; j < len; j++) {
                    res[j] = Float.isInfinite(m[j]) ? m[j] : (float) (m[j] + Math.log(sum[j]));
                }
            }
            default -> throw new IllegalArgumentException("unknown reduction " + op);
        }
    }
}
