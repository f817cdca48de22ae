package org.urbangraph.kernels.cpu;

import static org.urbangraph.kernels.cpu.CpuMem.F;
import static org.urbangraph.kernels.cpu.CpuMem.LANES;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.View;

/**
 * Batched GEMM {@code c = alpha * a @ b + beta * c}, in the layered scheme of Goto and van de Geijn (as BLIS and
 * OpenBLAS do it): B is packed once per (NC column block, KC depth block) into NR-wide panels, shared by all threads
 * and widened from BF16/F16 while packed (so a narrow weight never exists as a full F32 copy); each task packs an
 * MC x KC block of A into MR-tall panels that stay in L2; an MR x NR register-blocked micro-kernel multiplies one A
 * panel by one B panel with KC fused multiply-adds per accumulator.
 *
 * <p>Register budget (AVX2, 16 vector registers): MR = 4 rows by NR = 2 vectors gives 8 accumulators, 2 B vectors
 * and up to 4 broadcast A values, 14 in all. A 6 x 16 tile (as BLIS uses) needs 12 accumulators, and C2 then spills
 * one to the stack, which puts a store-load pair on the critical FMA chain; 4 x 16 does not spill.
 *
 * <p>Determinism: each element of c sums its K products in KC blocks in order, each block in k order, whatever the
 * thread count or task split.
 */
final class CpuGemm {

    static final int MR = 4;
    static final int NR = 2 * LANES;
    static final int KC = 256;
    static final int MC = 128;
    static final int NC = 4096;
    /** Below this many multiply-adds per matrix, a batch runs one matrix per task instead of splitting each. */
    private static final long SMALL = 1L << 21;

    private final CpuPool pool;
    /** Packed B of the calling thread's current GEMM, read by all workers. */
    private final ThreadLocal<float[]> packedB = new ThreadLocal<>();
    private final ThreadLocal<float[]> packedA = new ThreadLocal<>();
    private final ThreadLocal<float[]> tiles = ThreadLocal.withInitial(() -> new float[MR * NR]);

    CpuGemm(CpuPool pool) {
        this.pool = pool;
    }

    /** One matrix of a batched operand: its memory, first element, strides along the two matrix dimensions. */
    private record Mat(MemorySegment seg, DType dtype, long offset, long rowStride, long colStride) {
        static Mat of(View v, int p) {
            return new Mat(CpuMem.seg(v), v.dtype(), v.offset() + p * v.strides()[0], v.strides()[1],
                    v.strides()[2]);
        }
    }

    void gemm(View a, View b, View c, float alpha, float beta) {
        int batch = c.shape()[0];
        int m = c.shape()[1];
        int n = c.shape()[2];
        int k = a.shape()[2];
        if (batch == 0 || m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0) {
            for (int p = 0; p < batch; p++) {
                scaleC(Mat.of(c, p), m, n, beta);
            }
            return;
        }
        if (batch > 1 && (long) m * n * k < SMALL) {
            pool.run(batch, p -> single(Mat.of(a, p), Mat.of(b, p), Mat.of(c, p), m, n, k, alpha, beta, false));
        } else {
            for (int p = 0; p < batch; p++) {
                single(Mat.of(a, p), Mat.of(b, p), Mat.of(c, p), m, n, k, alpha, beta, true);
            }
        }
    }

    private static void scaleC(Mat c, int m, int n, float beta) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                long off = c.offset() + i * c.rowStride() + j * c.colStride();
                CpuMem.set(c.seg(), DType.F32, off, beta == 0 ? 0f : beta * CpuMem.get(c.seg(), DType.F32, off));
            }
        }
    }

    private static float[] buffer(ThreadLocal<float[]> holder, int size) {
        float[] buf = holder.get();
        if (buf == null || buf.length < size) {
            buf = new float[size];
            holder.set(buf);
        }
        return buf;
    }

    private void single(Mat a, Mat b, Mat c, int m, int n, int k, float alpha, float beta, boolean parallel) {
        int threads = parallel ? pool.threads() : 1;
        float[] bp = buffer(packedB, Math.min(NC, roundUp(n, NR)) * Math.min(KC, k));
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            int panels = (nc + NR - 1) / NR;
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                boolean first = pc == 0;
                int jcf = jc;
                int pcf = pc;
                // pack B in tasks of 8 panels
                int packTasks = (panels + 7) / 8;
                java.util.function.IntConsumer pack =
                        t -> packBPanels(b, pcf, kc, jcf, nc, t * 8, Math.min(panels, t * 8 + 8), bp);
                if (parallel) {
                    pool.run(packTasks, pack);
                } else {
                    for (int t = 0; t < packTasks; t++) {
                        pack.accept(t);
                    }
                }
                int icBlocks = (m + MC - 1) / MC;
                int jParts = Math.max(1, Math.min(panels, (2 * threads + icBlocks - 1) / icBlocks));
                if (threads == 1) {
                    jParts = 1;
                }
                int parts = jParts;
                int tasks = icBlocks * jParts;
                java.util.function.IntConsumer body = t -> {
                    int ib = t / parts;
                    int jp = t % parts;
                    int ic = ib * MC;
                    int mc = Math.min(MC, m - ic);
                    int p0 = (int) ((long) panels * jp / parts);
                    int p1 = (int) ((long) panels * (jp + 1) / parts);
                    float[] ap = buffer(packedA, roundUp(mc, MR) * kc);
                    packA(a, ic, mc, pcf, kc, ap);
                    float[] tile = tiles.get();
                    for (int jr = p0; jr < p1; jr++) {
                        int j0 = jr * NR;
                        int nr = Math.min(NR, nc - j0);
                        int bo = jr * NR * kc;
                        for (int ir = 0; ir < mc; ir += MR) {
                            int mr = Math.min(MR, mc - ir);
                            long co = c.offset() + (long) (ic + ir) * c.rowStride() + (long) (jcf + j0) * c.colStride();
                            kernel(kc, ap, ir * kc, bp, bo, c.seg(), co, c.rowStride(), c.colStride(), mr, nr,
                                    first, alpha, beta, tile);
                        }
                    }
                };
                if (parallel) {
                    pool.run(tasks, body);
                } else {
                    for (int t = 0; t < tasks; t++) {
                        body.accept(t);
                    }
                }
            }
        }
    }

    static int roundUp(int x, int q) {
        return (x + q - 1) / q * q;
    }

    // ---- packing ---------------------------------------------------------------------------------------------

    /** ap = rows [ic, ic+mc) x depth [pc, pc+kc) of a as MR-row panels, k-major inside a panel, zero padded. */
    private static void packA(Mat a, int ic, int mc, int pc, int kc, float[] ap) {
        MemorySegment s = a.seg();
        long rs = a.rowStride();
        long ks = a.colStride();
        boolean f32 = a.dtype() == DType.F32;
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            int base = ir * kc;
            long row0 = a.offset() + (long) (ic + ir) * rs + (long) pc * ks;
            if (ks == 1 && f32) {
                // rows are contiguous in k: read each row in bulk, interleave into the panel
                float[] row = Scratch.get(Scratch.E, kc);
                for (int i = 0; i < MR; i++) {
                    if (i < mr) {
                        MemorySegment.copy(s, CpuMem.F32, (row0 + i * rs) * 4, row, 0, kc);
                        for (int p = 0; p < kc; p++) {
                            ap[base + p * MR + i] = row[p];
                        }
                    } else {
                        for (int p = 0; p < kc; p++) {
                            ap[base + p * MR + i] = 0f;
                        }
                    }
                }
            } else if (rs == 1 && f32 && mr == MR) {
                // columns are contiguous in m: MR consecutive floats per k
                for (int p = 0; p < kc; p++) {
                    MemorySegment.copy(s, CpuMem.F32, (row0 + p * ks) * 4, ap, base + p * MR, MR);
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    for (int i = 0; i < MR; i++) {
                        ap[base + p * MR + i] = i < mr ? CpuMem.get(s, a.dtype(), row0 + i * rs + p * ks) : 0f;
                    }
                }
            }
        }
    }

    /** Panels [p0, p1) of depth [pc, pc+kc) x columns [jc, jc+nc) of b, NR wide, k-major, zero padded, widened. */
    private static void packBPanels(Mat b, int pc, int kc, int jc, int nc, int p0, int p1, float[] bp) {
        MemorySegment s = b.seg();
        long ks = b.rowStride();
        long ns = b.colStride();
        DType t = b.dtype();
        for (int jr = p0; jr < p1; jr++) {
            int j0 = jr * NR;
            int nr = Math.min(NR, nc - j0);
            int base = jr * NR * kc;
            long col0 = b.offset() + (long) pc * ks + (long) (jc + j0) * ns;
            if (ns == 1 && nr == NR && (t == DType.F32 || t == DType.BF16)) {
                // rows contiguous in n: NR consecutive values per k
                for (int p = 0; p < kc; p++) {
                    CpuMem.load(s, t, col0 + p * ks, 1, NR, bp, base + p * NR);
                }
            } else if (ks == 1) {
                // columns contiguous in k (a [N, K] weight seen transposed): widen each column, then interleave
                float[] col = Scratch.get(Scratch.F, kc);
                for (int j = 0; j < NR; j++) {
                    if (j < nr) {
                        CpuMem.load(s, t, col0 + j * ns, 1, kc, col, 0);
                        for (int p = 0; p < kc; p++) {
                            bp[base + p * NR + j] = col[p];
                        }
                    } else {
                        for (int p = 0; p < kc; p++) {
                            bp[base + p * NR + j] = 0f;
                        }
                    }
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    for (int j = 0; j < NR; j++) {
                        bp[base + p * NR + j] = j < nr ? CpuMem.get(s, t, col0 + p * ks + j * ns) : 0f;
                    }
                }
            }
        }
    }

    // ---- micro-kernel ----------------------------------------------------------------------------------------

    /**
     * c[0..mr, 0..nr) (at element offset co, strides ldc and cs) gets the MR x NR product of one A panel and one B
     * panel over kc: written as alpha * acc (+ beta * c) on the first depth block, added on later ones.
     */
    private static void kernel(int kc, float[] ap, int ao, float[] bp, int bo, MemorySegment cseg, long co,
                               long ldc, long cs, int mr, int nr, boolean first, float alpha, float beta,
                               float[] tile) {
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F);
        FloatVector c11 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F);
        FloatVector c21 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F);
        FloatVector c31 = FloatVector.zero(F);
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * NR;
            int ai = ao + p * MR;
            FloatVector b0 = FloatVector.fromArray(F, bp, bi);
            FloatVector b1 = FloatVector.fromArray(F, bp, bi + LANES);
            FloatVector x = FloatVector.broadcast(F, ap[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, ap[ai + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, ap[ai + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, ap[ai + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        // the accumulators leave through the tile array: handing vectors to a method that C2 does not inline
        // would box them
        c00.intoArray(tile, 0);
        c01.intoArray(tile, LANES);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + LANES);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + LANES);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + LANES);
        if (mr == MR && nr == NR && cs == 1) {
            for (int i = 0; i < MR; i++) {
                update(tile, i * NR, cseg, (co + i * ldc) * 4, first, alpha, beta);
            }
        } else {
            updateEdge(tile, cseg, co, ldc, cs, mr, nr, first, alpha, beta);
        }
    }

    private static void updateEdge(float[] tile, MemorySegment cseg, long co, long ldc, long cs, int mr, int nr,
                                   boolean first, float alpha, float beta) {
        for (int i = 0; i < mr; i++) {
            for (int j = 0; j < nr; j++) {
                long off = (co + i * ldc + j * cs) * 4;
                float acc = alpha * tile[i * NR + j];
                float v;
                if (!first) {
                    v = cseg.get(CpuMem.F32, off) + acc;
                } else if (beta != 0) {
                    v = acc + beta * cseg.get(CpuMem.F32, off);
                } else {
                    v = acc;
                }
                cseg.set(CpuMem.F32, off, v);
            }
        }
    }

    /** One row of a full tile: c = alpha * acc (+ beta * c) on the first depth block, c += alpha * acc after. */
    private static void update(float[] tile, int to, MemorySegment cseg, long byteOff, boolean first, float alpha,
                               float beta) {
        for (int v = 0; v < NR; v += LANES) {
            long off = byteOff + v * 4L;
            FloatVector acc = FloatVector.fromArray(F, tile, to + v);
            FloatVector r;
            if (!first) {
                r = acc.fma(FloatVector.broadcast(F, alpha),
                        FloatVector.fromMemorySegment(F, cseg, off, ByteOrder.LITTLE_ENDIAN));
            } else if (beta != 0) {
                r = acc.mul(alpha).add(FloatVector.fromMemorySegment(F, cseg, off, ByteOrder.LITTLE_ENDIAN).mul(beta));
            } else {
                r = acc.mul(alpha);
            }
            r.intoMemorySegment(cseg, off, ByteOrder.LITTLE_ENDIAN);
        }
    }
}
