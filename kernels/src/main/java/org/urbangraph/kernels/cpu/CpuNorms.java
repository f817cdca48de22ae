package org.urbangraph.kernels.cpu;

import static org.urbangraph.kernels.cpu.CpuMem.F;
import static org.urbangraph.kernels.cpu.CpuMem.LANES;
import static org.urbangraph.kernels.cpu.CpuMem.seg;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.View;

/**
 * Softmax, log-softmax, LayerNorm and RMSNorm over the last dimension, forward and backward. Each row is widened into
 * a scratch array, computed with vectors (two passes for the variance, so large means do not cancel) and rounded back.
 * Weight gradients are summed per block of rows and the blocks combined in block order, so the result does not
 * depend on the thread count.
 */
final class CpuNorms {

    private final CpuPool pool;

    CpuNorms(CpuPool pool) {
        this.pool = pool;
    }

    private static void loadRow(View v, long r, int n, float[] dst) {
        CpuMem.load(seg(v), v.dtype(), Rows.base(v, r), v.stride(-1), n, dst, 0);
    }

    private static void storeRow(float[] src, int n, View v, long r) {
        CpuMem.store(src, 0, n, seg(v), v.dtype(), Rows.base(v, r), v.stride(-1));
    }

    private static void setRowValue(View v, long r, float value) {
        if (v != null) {
            CpuMem.set(seg(v), v.dtype(), Rows.at(v, r), value);
        }
    }

    private static float rowValue(View v, long r) {
        return CpuMem.get(seg(v), v.dtype(), Rows.at(v, r));
    }

    /** A 1-D parameter (weight, bias) widened once, or null. */
    private static float[] vector(View v, int n) {
        if (v == null) {
            return null;
        }
        float[] out = new float[n];
        CpuMem.load(seg(v), v.dtype(), v.offset(), v.stride(-1), n, out, 0);
        return out;
    }

    // ---- softmax ---------------------------------------------------------------------------------------------

    void softmax(View x, View out, boolean log) {
        int n = x.size(-1);
        Rows.forBlocks(pool, Rows.count(x), n, (from, to) -> {
            float[] buf = Scratch.get(Scratch.A, n);
            for (long r = from; r < to; r++) {
                loadRow(x, r, n, buf);
                float m = CpuMath.max(buf, 0, n);
                FloatVector mv = FloatVector.broadcast(F, m);
                FloatVector acc = FloatVector.zero(F);
                int j = 0;
                float[] e = log ? Scratch.get(Scratch.B, n) : buf;
                for (; j + LANES <= n; j += LANES) {
                    FloatVector ev = VecMath.exp(FloatVector.fromArray(F, buf, j).sub(mv));
                    acc = acc.add(ev);
                    ev.intoArray(e, j);
                }
                float sum = VecMath.sumLanes(acc);
                for (; j < n; j++) {
                    e[j] = VecMath.exp(buf[j] - m);
                    sum += e[j];
                }
                if (log) {
                    // (x - max) - log(sum): subtracting a rounded max + log(sum) would cancel for large x
                    float ls = (float) Math.log(sum);
                    for (int i = 0; i < n; i++) {
                        buf[i] = (buf[i] - m) - ls;
                    }
                } else {
                    CpuMath.scale(buf, 0, n, 1f / sum);
                }
                storeRow(buf, n, out, r);
            }
        });
    }

    void softmaxBackward(View y, View dy, View dx, boolean log) {
        int n = y.size(-1);
        Rows.forBlocks(pool, Rows.count(y), n, (from, to) -> {
            float[] yb = Scratch.get(Scratch.A, n);
            float[] gb = Scratch.get(Scratch.B, n);
            for (long r = from; r < to; r++) {
                loadRow(y, r, n, yb);
                loadRow(dy, r, n, gb);
                if (log) {
                    float dot = CpuMath.sum(gb, 0, n);
                    for (int j = 0; j < n; j++) {
                        gb[j] -= (float) Math.exp(yb[j]) * dot;
                    }
                } else {
                    float dot = CpuMath.dot(gb, 0, yb, 0, n);
                    for (int j = 0; j < n; j++) {
                        gb[j] = yb[j] * (gb[j] - dot);
                    }
                }
                storeRow(gb, n, dx, r);
            }
        });
    }

    // ---- LayerNorm -------------------------------------------------------------------------------------------

    void layerNorm(View x, View weight, View bias, float eps, View out, View mean, View rstd) {
        int n = x.size(-1);
        float[] w = vector(weight, n);
        float[] b = vector(bias, n);
        Rows.forBlocks(pool, Rows.count(x), n, (from, to) -> {
            float[] buf = Scratch.get(Scratch.A, n);
            for (long r = from; r < to; r++) {
                loadRow(x, r, n, buf);
                float mu = CpuMath.sum(buf, 0, n) / n;
                FloatVector mv = FloatVector.broadcast(F, mu);
                FloatVector acc = FloatVector.zero(F);
                int j = 0;
                for (; j + LANES <= n; j += LANES) {
                    FloatVector d = FloatVector.fromArray(F, buf, j).sub(mv);
                    acc = d.fma(d, acc);
                }
                float var = VecMath.sumLanes(acc);
                for (; j < n; j++) {
                    float d = buf[j] - mu;
                    var += d * d;
                }
                float rs = (float) (1.0 / Math.sqrt(var / n + eps));
                for (j = 0; j < n; j++) {
                    float v = (buf[j] - mu) * rs;
                    if (w != null) {
                        v *= w[j];
                    }
                    if (b != null) {
                        v += b[j];
                    }
                    buf[j] = v;
                }
                storeRow(buf, n, out, r);
                setRowValue(mean, r, mu);
                setRowValue(rstd, r, rs);
            }
        });
    }

    void layerNormBackward(View x, View weight, View mean, View rstd, View dy, View dx, View dWeight, View dBias) {
        int n = x.size(-1);
        long rows = Rows.count(x);
        float[] w = vector(weight, n);
        int block = Rows.block(rows, n);
        int tasks = Math.toIntExact((rows + block - 1) / block);
        boolean params = dWeight != null || dBias != null;
        float[][] dwPart = params ? new float[tasks][] : null;
        float[][] dbPart = params ? new float[tasks][] : null;
        pool.run(tasks, t -> {
            float[] xb = Scratch.get(Scratch.A, n);
            float[] gb = Scratch.get(Scratch.B, n);
            float[] dwAcc = params ? new float[n] : null;
            float[] dbAcc = params ? new float[n] : null;
            for (long r = (long) t * block, end = Math.min(rows, r + block); r < end; r++) {
                loadRow(x, r, n, xb);
                loadRow(dy, r, n, gb);
                float mu = rowValue(mean, r);
                float rs = rowValue(rstd, r);
                float sumG = 0;
                float sumGx = 0;
                for (int j = 0; j < n; j++) {
                    float xhat = (xb[j] - mu) * rs;
                    float g = gb[j];
                    if (params) {
                        dwAcc[j] += g * xhat;
                        dbAcc[j] += g;
                    }
                    float gw = w == null ? g : g * w[j];
                    sumG += gw;
                    sumGx += gw * xhat;
                    xb[j] = xhat;
                    gb[j] = gw;
                }
                float mg = sumG / n;
                float mgx = sumGx / n;
                for (int j = 0; j < n; j++) {
                    gb[j] = rs * (gb[j] - mg - xb[j] * mgx);
                }
                storeRow(gb, n, dx, r);
            }
            if (params) {
                dwPart[t] = dwAcc;
                dbPart[t] = dbAcc;
            }
        });
        if (params) {
            accumulate(dWeight, dwPart, n);
            accumulate(dBias, dbPart, n);
        }
    }

    /** target[j] += sum over parts (in part order) of part[j]. */
    private static void accumulate(View target, float[][] parts, int n) {
        if (target == null) {
            return;
        }
        float[] total = new float[n];
        for (float[] p : parts) {
            for (int j = 0; j < n; j++) {
                total[j] += p[j];
            }
        }
        MemorySegment s = seg(target);
        DType t = target.dtype();
        long st = target.stride(-1);
        for (int j = 0; j < n; j++) {
            long off = target.offset() + j * st;
            CpuMem.set(s, t, off, CpuMem.get(s, t, off) + total[j]);
        }
    }

    // ---- RMSNorm ---------------------------------------------------------------------------------------------

    void rmsNorm(View x, View weight, float eps, View out, View rstd) {
        int n = x.size(-1);
        float[] w = vector(weight, n);
        Rows.forBlocks(pool, Rows.count(x), n, (from, to) -> {
            float[] buf = Scratch.get(Scratch.A, n);
            for (long r = from; r < to; r++) {
                loadRow(x, r, n, buf);
                float ss = CpuMath.dot(buf, 0, buf, 0, n);
                float rs = (float) (1.0 / Math.sqrt(ss / n + eps));
                CpuMath.scale(buf, 0, n, rs);
                if (w != null) {
                    for (int j = 0; j < n; j++) {
                        buf[j] *= w[j];
                    }
                }
                storeRow(buf, n, out, r);
                setRowValue(rstd, r, rs);
            }
        });
    }

    void rmsNormBackward(View x, View weight, View rstd, View dy, View dx, View dWeight) {
        int n = x.size(-1);
        long rows = Rows.count(x);
        float[] w = vector(weight, n);
        int block = Rows.block(rows, n);
        int tasks = Math.toIntExact((rows + block - 1) / block);
        float[][] dwPart = dWeight != null ? new float[tasks][] : null;
        pool.run(tasks, t -> {
            float[] xb = Scratch.get(Scratch.A, n);
            float[] gb = Scratch.get(Scratch.B, n);
            float[] dwAcc = dWeight != null ? new float[n] : null;
            for (long r = (long) t * block, end = Math.min(rows, r + block); r < end; r++) {
                loadRow(x, r, n, xb);
                loadRow(dy, r, n, gb);
                float rs = rowValue(rstd, r);
                float dot = 0;
                for (int j = 0; j < n; j++) {
                    float g = gb[j];
                    if (dwAcc != null) {
                        dwAcc[j] += g * xb[j] * rs;
                    }
                    float gw = w == null ? g : g * w[j];
                    dot += gw * xb[j];
                    gb[j] = gw;
                }
                float k = rs * rs * rs * dot / n;
                for (int j = 0; j < n; j++) {
                    gb[j] = rs * gb[j] - xb[j] * k;
                }
                storeRow(gb, n, dx, r);
            }
            if (dwPart != null) {
                dwPart[t] = dwAcc;
            }
        });
        if (dWeight != null) {
            accumulate(dWeight, dwPart, n);
        }
    }
}
