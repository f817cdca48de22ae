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
 * otherwise each output gathers its n inputs into a scratch row and reduces it with vectors.
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
        if (x.dtype().isIntegral() && op != ReduceOp.MEAN && op != ReduceOp.LOGSUMEXP) {
            // integers stay exact in a long: through a float, 2^24 + 1 is 2^24
            walker.forChunks(loop, (row, start, len) -> {
                long xb = loop.base(0, row) + start * xin;
                long ob = loop.base(1, row) + start * oin;
                for (int j = 0; j < len; j++) {
                    reduceLong(op, s, x.dtype(), xb + j * xin, sd, n, o, out.dtype(), ob + j * oin);
                }
            });
            return;
        }
        boolean columns = xin == 1 && sd != 1 && n > 1;
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
     * One output of an integer reduction, accumulated in a long (sums wrap on overflow, as in PyTorch); the same
     * results as the OpenCL backend's {@code rd_reduce_long}.
     */
    private static void reduceLong(ReduceOp op, MemorySegment s, DType t, long base, long sd, int n, MemorySegment o,
                                   DType ot, long at) {
        boolean isArg = op == ReduceOp.ARGMAX || op == ReduceOp.ARGMIN;
        boolean isMax = op == ReduceOp.MAX || op == ReduceOp.ARGMAX;
        if (op == ReduceOp.SUM || op == ReduceOp.SUM_SQUARES) {
            long acc = 0;
            for (int i = 0; i < n; i++) {
                long v = HostAccess.getLong(s, t, base + i * sd);
                acc += op == ReduceOp.SUM_SQUARES ? v * v : v;
            }
            HostAccess.setLong(o, ot, at, acc);
            return;
        }
        if (n == 0) {
            if (isArg) {
                HostAccess.setLong(o, ot, at, 0);
            } else {
                HostAccess.set(o, ot, at, isMax ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
            }
            return;
        }
        long best = HostAccess.getLong(s, t, base);
        int where = 0;
        for (int i = 1; i < n; i++) {
            long v = HostAccess.getLong(s, t, base + i * sd);
            if (isMax ? v > best : v < best) {
                best = v;
                where = i;
            }
        }
        HostAccess.setLong(o, ot, at, isArg ? where : best);
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
