package org.urbangraph.kernels.cpu;

import static org.urbangraph.kernels.cpu.CpuMem.F;
import static org.urbangraph.kernels.cpu.CpuMem.LANES;

import jdk.incubator.vector.FloatVector;
import org.urbangraph.kernels.DType;

/**
 * {@code c = alpha * a @ b + beta * c} for few rows of a and a b that is a weight W [N, K] seen transposed (every
 * Linear layer's forward), without packing: each element of c is the dot product of a row of a and a row of W, both
 * contiguous in k, vectorised along k in a register tile of {@link #MR} rows of a by {@link #NR} rows of W.
 *
 * <p>Why: the packed GEMM ({@link CpuGemm}) copies every weight into NR-wide panels, a transpose for this layout,
 * and with a few hundred rows (a 128- to 300-token decoder pass) the copy costs a third as much as the products
 * that use it. Here W is read in place (F32 in a float[]) or widened once per block of rows into a scratch block
 * (BF16, F16, a mapped file), and a is never copied.
 *
 * <p>Loop order: W is cut into blocks of rows that fit in L2 ({@link #blockRows}); for each block, every group of
 * MR rows of a (L1-resident for the Qwen2-VL widths) meets every pair of its rows. Blocks are the parallel tasks.
 *
 * <p>Determinism: each element sums its K products in LANES interleaved partial sums, in k order, then adds the
 * partial sums in lane order and the k tail in order: the same operations whatever the thread count or the task
 * split, and the same in the interpreter as in compiled code (only adds, multiplies and fmas; no reduceLanes).
 */
final class DotGemm {

    static final int MR = 4;
    static final int NR = 2;
    /** The most rows of a for which this path is taken; above, packing B pays for itself. */
    static final int MAX_ROWS = Integer.getInteger("ug.gemm.dotRows", 512);
    /** The deepest product for which this path is taken: MR rows of a must stay near the core. */
    static final int MAX_DEPTH = Integer.getInteger("ug.gemm.dotDepth", 4096);
    /**
     * The shallowest: each dot product ends with LANES scalar adds of its partial sums, which a short k (a LoRA B of
     * rank 16) does not pay back.
     */
    static final int MIN_DEPTH = 256;
    /** Bytes of W rows per block: half of a 512 KiB L2, the other half for the rows of a streaming past. */
    private static final int BLOCK_BYTES = Integer.getInteger("ug.gemm.dotBlock", 192 * 1024);

    private final CpuPool pool;
    private final ThreadLocal<float[]> tiles = ThreadLocal.withInitial(() -> new float[MR * NR * LANES]);

    DotGemm(CpuPool pool) {
        this.pool = pool;
    }

    /**
     * Whether this path can take the product at all: a transposed weight, an F32 a with rows contiguous in a
     * float[], at least one vector of depth.
     */
    static boolean applies(CpuGemm.Mat a, CpuGemm.Mat b, int k) {
        return k >= LANES && b.rowStride() == 1 && a.colStride() == 1
                && a.dtype() == DType.F32 && CpuMem.floats(a.seg()) != null
                && (b.dtype() == DType.F32 || b.dtype() == DType.BF16 || b.dtype() == DType.F16);
    }

    /** Whether the shape favours this path over packing: few rows, a depth in [MIN_DEPTH, MAX_DEPTH]. */
    static boolean suits(int m, int k) {
        return m <= MAX_ROWS && k >= MIN_DEPTH && k <= MAX_DEPTH;
    }

    /** W rows per block: even, at least NR, at most 64. */
    static int blockRows(int k) {
        int rows = BLOCK_BYTES / (4 * k);
        return Math.max(NR, Math.min(64, rows / NR * NR));
    }

    void multiply(CpuGemm.Mat a, CpuGemm.Mat b, CpuGemm.Mat c, int m, int n, int k, float alpha, float beta,
                  boolean parallel) {
        int nb = blockRows(k);
        int blocks = (n + nb - 1) / nb;
        java.util.function.IntConsumer body = t -> block(a, b, c, m, n, k, t * nb, Math.min(n, t * nb + nb), alpha,
                beta);
        if (parallel && blocks > 1) {
            pool.run(blocks, body);
        } else {
            for (int t = 0; t < blocks; t++) {
                body.accept(t);
            }
        }
    }

    /** Columns [j0, j1) of c, all rows. */
    private void block(CpuGemm.Mat a, CpuGemm.Mat b, CpuGemm.Mat c, int m, int n, int k, int j0, int j1, float alpha,
                       float beta) {
        int rows = j1 - j0;
        // W rows j0..j1: in place when they are F32 in a float[], else widened into a scratch block
        float[] w = b.dtype() == DType.F32 ? CpuMem.floats(b.seg()) : null;
        int w0;
        int ldw;
        if (w != null) {
            w0 = Math.toIntExact(b.seg().address() / 4 + b.offset() + (long) j0 * b.colStride());
            ldw = Math.toIntExact(b.colStride());
        } else {
            w = Scratch.get(Scratch.F, rows * k);
            for (int j = 0; j < rows; j++) {
                CpuMem.load(b.seg(), b.dtype(), b.offset() + (long) (j0 + j) * b.colStride(), 1, k, w, j * k);
            }
            w0 = 0;
            ldw = k;
        }
        float[] av = CpuMem.floats(a.seg());
        int abase = Math.toIntExact(a.seg().address() / 4 + a.offset());
        int lda = Math.toIntExact(a.rowStride());
        float[] tile = tiles.get();
        int kv = k / LANES * LANES;
        for (int ir = 0; ir < m; ir += MR) {
            int mr = Math.min(MR, m - ir);
            int r0 = abase + ir * lda;
            // missing rows of an edge group repeat the last real row; their results are not written
            int r1 = r0 + Math.min(1, mr - 1) * lda;
            int r2 = r0 + Math.min(2, mr - 1) * lda;
            int r3 = r0 + Math.min(3, mr - 1) * lda;
            for (int jr = 0; jr < rows; jr += NR) {
                int nr = Math.min(NR, rows - jr);
                int c0 = w0 + jr * ldw;
                int c1 = c0 + (nr - 1) * ldw;
                kernel(kv, av, r0, r1, r2, r3, w, c0, c1, tile);
                for (int i = 0; i < mr; i++) {
                    int ri = r0 + i * lda;
                    for (int j = 0; j < nr; j++) {
                        float s = tail(tile, (i * NR + j) * LANES, av, ri, w, c0 + j * ldw, kv, k);
                        store(c, ir + i, j0 + jr + j, alpha * s, beta);
                    }
                }
            }
        }
    }

    /** The lanes of one accumulator in lane order, then the products past the last full vector in k order. */
    private static float tail(float[] tile, int t, float[] a, int ai, float[] w, int wi, int kv, int k) {
        float s = 0f;
        for (int l = 0; l < LANES; l++) {
            s += tile[t + l];
        }
        for (int p = kv; p < k; p++) {
            s = Math.fma(a[ai + p], w[wi + p], s);
        }
        return s;
    }

    private static void store(CpuGemm.Mat c, int i, int j, float v, float beta) {
        long off = c.offset() + i * c.rowStride() + j * c.colStride();
        if (beta != 0) {
            v += beta * CpuMem.get(c.seg(), DType.F32, off);
        }
        CpuMem.set(c.seg(), DType.F32, off, v);
    }

    /**
     * tile = the MR x NR lane-wise partial dot products of rows a0..a3 of a with rows w0, w1 of W over [0, kv):
     * 6 loads per 8 fmas, as the packed micro-kernel, with 8 accumulators, 2 W vectors and one a vector live.
     */
    private static void kernel(int kv, float[] a, int a0, int a1, int a2, int a3, float[] w, int w0, int w1,
                               float[] tile) {
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F);
        FloatVector c11 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F);
        FloatVector c21 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F);
        FloatVector c31 = FloatVector.zero(F);
        for (int p = 0; p < kv; p += LANES) {
            FloatVector b0 = FloatVector.fromArray(F, w, w0 + p);
            FloatVector b1 = FloatVector.fromArray(F, w, w1 + p);
            FloatVector x = FloatVector.fromArray(F, a, a0 + p);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.fromArray(F, a, a1 + p);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.fromArray(F, a, a2 + p);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.fromArray(F, a, a3 + p);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, LANES);
        c10.intoArray(tile, 2 * LANES);
        c11.intoArray(tile, 3 * LANES);
        c20.intoArray(tile, 4 * LANES);
        c21.intoArray(tile, 5 * LANES);
        c30.intoArray(tile, 6 * LANES);
        c31.intoArray(tile, 7 * LANES);
    }
}
