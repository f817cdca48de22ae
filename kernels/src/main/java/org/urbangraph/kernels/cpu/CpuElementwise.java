package org.urbangraph.kernels.cpu;

import static org.urbangraph.kernels.cpu.CpuMem.seg;

import java.lang.foreign.MemorySegment;
import org.urbangraph.kernels.BinaryOp;
import org.urbangraph.kernels.CounterRng;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.HostAccess;
import org.urbangraph.kernels.UnaryOp;
import org.urbangraph.kernels.View;
import org.urbangraph.kernels.ref.RefMath;

/**
 * Copy, fill, unary and binary maps, where, random fills and the AdamW step. The views are walked as rows of a
 * merged iteration space ({@link Loop}); each row is cut into chunks that are widened into scratch arrays, computed
 * with vectors and rounded back, so the contiguous F32 case is a bulk copy in and out and every other layout or
 * float width takes the same compute path. Integer arithmetic, which only index bookkeeping uses, stays scalar.
 */
final class CpuElementwise {

    static final int CHUNK = 2048;
    /** Elements per parallel task: large enough that the hand-off costs little. */
    private static final int TASK = 32 * 1024;

    private final CpuPool pool;

    CpuElementwise(CpuPool pool) {
        this.pool = pool;
    }

    @FunctionalInterface
    interface ChunkBody {
        void run(long row, int start, int len);
    }

    /** Runs body over every (row, chunk) of the loop, in tasks whose boundaries depend only on the shape. */
    void forChunks(Loop loop, ChunkBody body) {
        if (loop.rows == 0 || loop.inner == 0) {
            return;
        }
        int inner = loop.inner;
        int chunksPerRow = (inner + CHUNK - 1) / CHUNK;
        long pieces = loop.rows * chunksPerRow;
        int perTask = Math.max(1, TASK / Math.min(inner, CHUNK));
        int tasks = Math.toIntExact((pieces + perTask - 1) / perTask);
        pool.run(tasks, t -> {
            long end = Math.min(pieces, (long) (t + 1) * perTask);
            for (long p = (long) t * perTask; p < end; p++) {
                long row = p / chunksPerRow;
                int start = (int) (p % chunksPerRow) * CHUNK;
                body.run(row, start, Math.min(CHUNK, inner - start));
            }
        });
    }

    static boolean narrowFloat(DType t) {
        return t == DType.F32 || t == DType.BF16 || t == DType.F16;
    }

    // ---- copy and fill ---------------------------------------------------------------------------------------

    void copy(View src, View out) {
        Loop loop = new Loop(src, out);
        MemorySegment s = seg(src);
        MemorySegment o = seg(out);
        DType st = src.dtype();
        DType ot = out.dtype();
        long ss = loop.innerStride(0);
        long os = loop.innerStride(1);
        if (st == ot && ss == 1 && os == 1) {
            int size = st.size();
            forChunks(loop, (row, start, len) -> MemorySegment.copy(s, (loop.base(0, row) + start) * size, o,
                    (loop.base(1, row) + start) * size, (long) len * size));
        } else if (narrowFloat(st) && narrowFloat(ot)) {
            forChunks(loop, (row, start, len) -> {
                float[] buf = Scratch.get(Scratch.A, CHUNK);
                CpuMem.load(s, st, loop.base(0, row) + start * ss, ss, len, buf, 0);
                CpuMem.store(buf, 0, len, o, ot, loop.base(1, row) + start * os, os);
            });
        } else {
            boolean integral = st.isIntegral() && ot.isIntegral();
            forChunks(loop, (row, start, len) -> {
                long si = loop.base(0, row) + start * ss;
                long oi = loop.base(1, row) + start * os;
                for (int j = 0; j < len; j++, si += ss, oi += os) {
                    if (integral) {
                        HostAccess.setLong(o, ot, oi, HostAccess.getLong(s, st, si));
                    } else {
                        HostAccess.set(o, ot, oi, HostAccess.get(s, st, si));
                    }
                }
            });
        }
    }

    void fill(View out, double value) {
        Loop loop = new Loop(out);
        MemorySegment o = seg(out);
        DType t = out.dtype();
        long os = loop.innerStride(0);
        if (narrowFloat(t)) {
            float v = (float) value;
            forChunks(loop, (row, start, len) -> {
                float[] buf = Scratch.get(Scratch.A, CHUNK);
                java.util.Arrays.fill(buf, 0, len, v);
                CpuMem.store(buf, 0, len, o, t, loop.base(0, row) + start * os, os);
            });
        } else {
            forChunks(loop, (row, start, len) -> {
                long oi = loop.base(0, row) + start * os;
                for (int j = 0; j < len; j++, oi += os) {
                    HostAccess.set(o, t, oi, value);
                }
            });
        }
    }

    // ---- maps ------------------------------------------------------------------------------------------------

    void unary(UnaryOp op, View x, View out, float alpha, float beta) {
        Loop loop = new Loop(x, out);
        MemorySegment xs = seg(x);
        MemorySegment os = seg(out);
        long xst = loop.innerStride(0);
        long ost = loop.innerStride(1);
        forChunks(loop, (row, start, len) -> {
            float[] buf = Scratch.get(Scratch.A, CHUNK);
            CpuMem.load(xs, x.dtype(), loop.base(0, row) + start * xst, xst, len, buf, 0);
            CpuMath.unary(op, buf, buf, len, alpha, beta);
            CpuMem.store(buf, 0, len, os, out.dtype(), loop.base(1, row) + start * ost, ost);
        });
    }

    void binary(BinaryOp op, View a, View b, View out) {
        Loop loop = new Loop(a, b, out);
        MemorySegment as = seg(a);
        MemorySegment bs = seg(b);
        MemorySegment os = seg(out);
        long ast = loop.innerStride(0);
        long bst = loop.innerStride(1);
        long ost = loop.innerStride(2);
        if (a.dtype().isIntegral() && b.dtype().isIntegral()) {
            forChunks(loop, (row, start, len) -> {
                long ai = loop.base(0, row) + start * ast;
                long bi = loop.base(1, row) + start * bst;
                long oi = loop.base(2, row) + start * ost;
                for (int j = 0; j < len; j++, ai += ast, bi += bst, oi += ost) {
                    long r = RefMath.binaryLong(op, HostAccess.getLong(as, a.dtype(), ai),
                            HostAccess.getLong(bs, b.dtype(), bi));
                    HostAccess.setLong(os, out.dtype(), oi, r);
                }
            });
            return;
        }
        forChunks(loop, (row, start, len) -> {
            float[] ba = Scratch.get(Scratch.A, CHUNK);
            float[] bb = Scratch.get(Scratch.B, CHUNK);
            CpuMem.load(as, a.dtype(), loop.base(0, row) + start * ast, ast, len, ba, 0);
            CpuMem.load(bs, b.dtype(), loop.base(1, row) + start * bst, bst, len, bb, 0);
            CpuMath.binary(op, ba, bb, ba, len);
            CpuMem.store(ba, 0, len, os, out.dtype(), loop.base(2, row) + start * ost, ost);
        });
    }

    void where(View cond, View a, View b, View out) {
        Loop loop = new Loop(cond, a, b, out);
        MemorySegment cs = seg(cond);
        MemorySegment as = seg(a);
        MemorySegment bs = seg(b);
        MemorySegment os = seg(out);
        long[] st = {loop.innerStride(0), loop.innerStride(1), loop.innerStride(2), loop.innerStride(3)};
        boolean floats = narrowFloat(a.dtype()) && narrowFloat(b.dtype()) && narrowFloat(out.dtype());
        boolean integral = a.dtype().isIntegral() && b.dtype().isIntegral() && out.dtype().isIntegral();
        forChunks(loop, (row, start, len) -> {
            long ci = loop.base(0, row) + start * st[0];
            if (floats) {
                float[] ba = Scratch.get(Scratch.A, CHUNK);
                float[] bb = Scratch.get(Scratch.B, CHUNK);
                CpuMem.load(as, a.dtype(), loop.base(1, row) + start * st[1], st[1], len, ba, 0);
                CpuMem.load(bs, b.dtype(), loop.base(2, row) + start * st[2], st[2], len, bb, 0);
                for (int j = 0; j < len; j++, ci += st[0]) {
                    if (HostAccess.get(cs, cond.dtype(), ci) == 0) {
                        ba[j] = bb[j];
                    }
                }
                CpuMem.store(ba, 0, len, os, out.dtype(), loop.base(3, row) + start * st[3], st[3]);
                return;
            }
            long ai = loop.base(1, row) + start * st[1];
            long bi = loop.base(2, row) + start * st[2];
            long oi = loop.base(3, row) + start * st[3];
            for (int j = 0; j < len; j++, ci += st[0], ai += st[1], bi += st[2], oi += st[3]) {
                boolean c = HostAccess.get(cs, cond.dtype(), ci) != 0;
                if (integral) {
                    HostAccess.setLong(os, out.dtype(), oi, c ? HostAccess.getLong(as, a.dtype(), ai)
                            : HostAccess.getLong(bs, b.dtype(), bi));
                } else {
                    HostAccess.set(os, out.dtype(), oi, c ? HostAccess.get(as, a.dtype(), ai)
                            : HostAccess.get(bs, b.dtype(), bi));
                }
            }
        });
    }

    // ---- random numbers and AdamW ----------------------------------------------------------------------------

    /** Counter-based fill: element i of out's row-major order is a function of (seed, i) alone. */
    void random(View out, long seed, boolean normal) {
        Loop loop = new Loop(out);
        MemorySegment os = seg(out);
        long ost = loop.innerStride(0);
        int inner = loop.inner;
        forChunks(loop, (row, start, len) -> {
            float[] buf = Scratch.get(Scratch.A, CHUNK);
            long first = row * inner + start;
            for (int j = 0; j < len; j++) {
                buf[j] = normal ? CounterRng.normal(seed, first + j) : CounterRng.uniform(seed, first + j);
            }
            CpuMem.store(buf, 0, len, os, out.dtype(), loop.base(0, row) + start * ost, ost);
        });
    }

    /** The reference's float arithmetic, lane for lane (no fused multiply-add), so results match it bit for bit. */
    void adamw(View param, View grad, View m, View v, float lr, float beta1, float beta2, float eps,
               float weightDecay, float bc1, float bc2) {
        Loop loop = new Loop(param, grad, m, v);
        MemorySegment ps = seg(param);
        MemorySegment gs = seg(grad);
        MemorySegment ms = seg(m);
        MemorySegment vs = seg(v);
        float decay = 1f - lr * weightDecay;
        float stepSize = lr / bc1;
        float bc2Sqrt = (float) Math.sqrt(bc2);
        float c1 = 1f - beta1;
        float c2 = 1f - beta2;
        long[] st = {loop.innerStride(0), loop.innerStride(1), loop.innerStride(2), loop.innerStride(3)};
        forChunks(loop, (row, start, len) -> {
            float[] bp = Scratch.get(Scratch.A, CHUNK);
            float[] bg = Scratch.get(Scratch.B, CHUNK);
            float[] bm = Scratch.get(Scratch.C, CHUNK);
            float[] bv = Scratch.get(Scratch.D, CHUNK);
            long[] base = new long[4];
            for (int o = 0; o < 4; o++) {
                base[o] = loop.base(o, row) + start * st[o];
            }
            CpuMem.load(ps, param.dtype(), base[0], st[0], len, bp, 0);
            CpuMem.load(gs, grad.dtype(), base[1], st[1], len, bg, 0);
            CpuMem.load(ms, m.dtype(), base[2], st[2], len, bm, 0);
            CpuMem.load(vs, v.dtype(), base[3], st[3], len, bv, 0);
            int j = 0;
            var sp = CpuMem.F;
            for (; j + sp.length() <= len; j += sp.length()) {
                var g = jdk.incubator.vector.FloatVector.fromArray(sp, bg, j);
                var p = jdk.incubator.vector.FloatVector.fromArray(sp, bp, j).mul(decay);
                var mi = jdk.incubator.vector.FloatVector.fromArray(sp, bm, j);
                mi = mi.add(g.sub(mi).mul(c1));
                var vi = jdk.incubator.vector.FloatVector.fromArray(sp, bv, j).mul(beta2).add(g.mul(c2).mul(g));
                var denom = vi.sqrt().div(bc2Sqrt).add(eps);
                p = p.sub(mi.div(denom).mul(stepSize));
                p.intoArray(bp, j);
                mi.intoArray(bm, j);
                vi.intoArray(bv, j);
            }
            for (; j < len; j++) {
                float g = bg[j];
                float p = bp[j] * decay;
                float mi = bm[j] + c1 * (g - bm[j]);
                float vi = bv[j] * beta2 + c2 * g * g;
                float denom = (float) Math.sqrt(vi) / bc2Sqrt + eps;
                bp[j] = p - stepSize * (mi / denom);
                bm[j] = mi;
                bv[j] = vi;
            }
            CpuMem.store(bp, 0, len, ps, param.dtype(), base[0], st[0]);
            CpuMem.store(bm, 0, len, ms, m.dtype(), base[2], st[2]);
            CpuMem.store(bv, 0, len, vs, v.dtype(), base[3], st[3]);
        });
    }
}
