package org.urbangraph.kernels.cpu;

import static org.urbangraph.kernels.cpu.CpuMem.F;
import static org.urbangraph.kernels.cpu.CpuMem.LANES;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.cpu.CpuGemm.Mat;

/**
 * {@code c = alpha * x @ W^T + beta * c} for one to {@link #ROWS} rows of x (a decoding step, a batch of a few
 * sequences decoding together) by an [N, K] weight (F32, BF16 or F16, on the heap or memory-mapped): a matrix-vector
 * product, bound by reading W from memory once. {@link WeightRowsGemm} would spend a whole 2 x LANES-token panel of multiply-adds on each weight float
 * for one token (31 of every 32 wasted with 512-bit vectors: 1.6 to 1.9 GFLOP/s on one thread of a Xeon against
 * OpenBLAS's 5.9 to 7.3); here each weight float takes one multiply-add per row of x.
 *
 * <p>Order: LANES weight rows at a time, over the depth in LANES x LANES blocks that are transposed in vector registers
 * ({@link Transpose16} with 512-bit vectors, {@link Transpose8} with 256-bit ones) into a scratch block in L1, so that
 * each vector of the block holds one k of LANES weight rows; each row of x then broadcasts its value at that k into
 * its accumulator of LANES outputs. The depth left over and the last weight rows (fewer than LANES) go element by
 * element through {@link Math#fma}.
 *
 * <p>Determinism: each element of c is one chain of fused multiply-adds over its K products in k order from zero,
 * scaled by alpha at the end, then beta times c added: the packed path's arithmetic, so both give identical bits.
 */
final class WeightRowsGemv {

    /** Rows of x the loop has accumulators for. */
    static final int ROWS = 4;
    /** The most rows of x taken: ROWS, or fewer with -Dug.gemm.gemvRows (0 turns this path off). */
    static final int MAX_ROWS = Math.max(0, Math.min(ROWS, Integer.getInteger("ug.gemm.gemvRows", ROWS)));
    /** Whether the vector width has a transpose here (16 or 8 floats). */
    static final boolean AVAILABLE = LANES == 16 && Transpose16.FAST || LANES == 8 && Transpose8.FAST;
    /** Weight rows per task: a multiple of LANES. */
    private static final int ROWS_PER_TASK = 256;
    /** Depth widened at a time from a weight that is not F32 in a float[] (a multiple of 16). */
    private static final int CHUNK = 512;

    private final CpuPool pool;
    private final ThreadLocal<float[]> block = ThreadLocal.withInitial(() -> new float[LANES * LANES]);
    private final ThreadLocal<float[]> xRows = new ThreadLocal<>();
    private final ThreadLocal<float[]> lastRow = new ThreadLocal<>();
    private final ThreadLocal<float[]> widened = ThreadLocal.withInitial(() -> new float[LANES * CHUNK]);

    WeightRowsGemv(CpuPool pool) {
        this.pool = pool;
    }

    /**
     * Whether this path takes the product: at most min(maxRows, ROWS) rows, and b a weight seen transposed (its
     * rows contiguous in k) in F32, BF16 or F16, on the heap or in native memory (a memory-mapped weight file).
     */
    static boolean applies(Mat b, int m, int maxRows) {
        DType t = b.dtype();
        return AVAILABLE && m <= Math.min(maxRows, ROWS) && b.rowStride() == 1
                && (t == DType.F32 || t == DType.BF16 || t == DType.F16);
    }

    void single(Mat a, Mat b, Mat c, int m, int n, int k, float alpha, float beta, boolean parallel) {
        // x's rows copied to one float[], k apart (a may be strided, in native memory, or not F32)
        float[] x = CpuGemm.buffer(xRows, m * k);
        for (int i = 0; i < m; i++) {
            CpuMem.load(a.seg(), a.dtype(), a.offset() + i * a.rowStride(), a.colStride(), k, x, i * k);
        }
        // a single weight row may carry any stride (a view of one row leaves it unused)
        long ldw = n == 1 ? 0 : b.colStride();
        int tasks = (n + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
        java.util.function.IntConsumer body = t -> rows(x, m, k, b, ldw, t * ROWS_PER_TASK,
                Math.min(n, (t + 1) * ROWS_PER_TASK), c, alpha, beta);
        if (parallel && tasks > 1) {
            pool.run(tasks, body);
        } else {
            for (int t = 0; t < tasks; t++) {
                body.accept(t);
            }
        }
    }

    /**
     * Weight rows [r0, r1) against all m rows of x, into c. An F32 weight in a float[] is read in place; any other is
     * widened CHUNK floats of LANES rows at a time into a scratch block first (as the packed path widens it).
     */
    private void rows(float[] x, int m, int k, Mat b, long ldw, int r0, int r1, Mat c, float alpha, float beta) {
        float[] t = block.get();
        MemorySegment seg = b.seg();
        float[] heap = b.dtype() == DType.F32 ? CpuMem.floats(seg) : null;
        float[] wide = heap == null ? widened.get() : null;
        int j0 = r0;
        for (; j0 + LANES <= r1; j0 += LANES) {
            FloatVector c0 = FloatVector.zero(F);
            FloatVector c1 = FloatVector.zero(F);
            FloatVector c2 = FloatVector.zero(F);
            FloatVector c3 = FloatVector.zero(F);
            long row0 = b.offset() + j0 * ldw;
            for (int q0 = 0; q0 < k; q0 += CHUNK) {
                int len = Math.min(CHUNK, k - q0);
                float[] w;
                int src;
                int ld;
                if (heap != null) {
                    w = heap;
                    src = Math.toIntExact(seg.address() / 4 + row0 + q0);
                    ld = Math.toIntExact(ldw);
                } else {
                    for (int r = 0; r < LANES; r++) {
                        CpuMem.load(seg, b.dtype(), row0 + r * ldw + q0, 1, len, wide, r * CHUNK);
                    }
                    w = wide;
                    src = 0;
                    ld = CHUNK;
                }
                int kv = len / LANES * LANES;
                for (int k0 = 0; k0 < kv; k0 += LANES) {
                    if (LANES == 16) {
                        Transpose16.block(w, src + k0, ld, t, 0, LANES);
                    } else {
                        Transpose8.block(w, src + k0, ld, t, 0, LANES);
                    }
                    int xk = q0 + k0;
                    for (int p = 0; p < LANES; p++) {
                        FloatVector wv = FloatVector.fromArray(F, t, p * LANES);
                        c0 = FloatVector.broadcast(F, x[xk + p]).fma(wv, c0);
                        if (m > 1) {
                            c1 = FloatVector.broadcast(F, x[k + xk + p]).fma(wv, c1);
                            if (m > 2) {
                                c2 = FloatVector.broadcast(F, x[2 * k + xk + p]).fma(wv, c2);
                                if (m > 3) {
                                    c3 = FloatVector.broadcast(F, x[3 * k + xk + p]).fma(wv, c3);
                                }
                            }
                        }
                    }
                }
                for (int p = kv; p < len; p++) {
                    // the depth left over (only in the last chunk): one k of the LANES rows gathered into a vector
                    for (int r = 0; r < LANES; r++) {
                        t[r] = w[src + r * ld + p];
                    }
                    FloatVector wv = FloatVector.fromArray(F, t, 0);
                    int xk = q0 + p;
                    c0 = FloatVector.broadcast(F, x[xk]).fma(wv, c0);
                    c1 = m > 1 ? FloatVector.broadcast(F, x[k + xk]).fma(wv, c1) : c1;
                    c2 = m > 2 ? FloatVector.broadcast(F, x[2 * k + xk]).fma(wv, c2) : c2;
                    c3 = m > 3 ? FloatVector.broadcast(F, x[3 * k + xk]).fma(wv, c3) : c3;
                }
            }
            store(c0, 0, j0, c, alpha, beta, t);
            if (m > 1) {
                store(c1, 1, j0, c, alpha, beta, t);
            }
            if (m > 2) {
                store(c2, 2, j0, c, alpha, beta, t);
            }
            if (m > 3) {
                store(c3, 3, j0, c, alpha, beta, t);
            }
        }
        // the last weight rows (fewer than LANES): one fused chain per element, each row widened whole
        float[] row = j0 < r1 ? CpuGemm.buffer(lastRow, k) : null;
        for (int j = j0; j < r1; j++) {
            CpuMem.load(seg, b.dtype(), b.offset() + j * ldw, 1, k, row, 0);
            for (int i = 0; i < m; i++) {
                float acc = 0f;
                for (int p = 0; p < k; p++) {
                    acc = Math.fma(x[i * k + p], row[p], acc);
                }
                put(c, i, j, acc, alpha, beta);
            }
        }
    }

    /** c[i][j0 .. j0 + LANES) = alpha * acc (+ beta * c). */
    private static void store(FloatVector acc, int i, int j0, Mat c, float alpha, float beta, float[] t) {
        acc.intoArray(t, 0);
        for (int r = 0; r < LANES; r++) {
            put(c, i, j0 + r, t[r], alpha, beta);
        }
    }

    private static void put(Mat c, int i, int j, float acc, float alpha, float beta) {
        MemorySegment s = c.seg();
        long off = c.offset() + i * c.rowStride() + j * c.colStride();
        float v = alpha * acc;
        if (beta != 0) {
            v += beta * CpuMem.get(s, DType.F32, off);
        }
        CpuMem.set(s, DType.F32, off, v);
    }
}
