package org.urbangraph.kernels.cpu;

import static org.urbangraph.kernels.cpu.CpuMem.F;
import static org.urbangraph.kernels.cpu.CpuMem.LANES;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.cpu.CpuGemm.Mat;

/**
 * {@code c = alpha * a @ b + beta * c} for the product every Linear layer makes on a short sequence, {@code x @ W^T}
 * with the weight W an [N, K] F32 matrix in a float[] and x at most {@link #MAX_ROWS} rows: the same micro-kernel shape
 * as {@link CpuGemm} (5 x 16, ten accumulators) with the operands' roles exchanged, so that the weight is never packed.
 * The kernel's broadcast operand is five rows of W read where they lie (a broadcast reads one float from anywhere, so
 * the rows need no interleaving); its vector operand is x transposed into 16-token panels, packed once per product.
 * Each tile is 5 weight rows by 16 tokens and goes to c transposed.
 *
 * <p>Why: {@link CpuGemm} packs B before any multiply-add of a column block, and for a transposed weight that pass
 * is a transpose of the whole weight, read from memory (13 % of a one-thread 128-token text forward). Its cost does
 * not depend on the rows of x, so the fewer the rows, the larger its share: paired against the packed path on one
 * thread, 1 x 1536 x 8960 took 0.84 of its time, 16 x 1536 x 8960 0.56, 64 x 1536 x 8960 0.90, 128 x 1536 x 8960
 * 0.95, and 160 rows about the same time (0.94 to 1.02), 200 rows 1.07: above that, the packed path's B panel in L1
 * against an A panel from L2 moves fewer bytes per multiply-add than this order does, and wins.
 *
 * <p>Loop order: the weight rows go in groups of {@link #GROUP}; for each group, the depth blocks (KC) in order, and
 * within one, for each 16-token panel of the packed x (16 KiB, in L1), every five rows of the group (their KC floats,
 * 60 KiB for the group, stay in L2 from one panel to the next). Each float of W thus comes from memory once and from
 * L2 once per further panel; the packed x (at most 144 x K floats) is read again for every group, from L2 or L3.
 * Running sums over the depth blocks live in a per-task buffer of the group's tiles, and c is written once, at the
 * last depth block. (Depth blocks outermost, with sums for all of a task's rows, kept x's block in L2 but streamed
 * those sums through memory, and ran 5 to 17 % slower on 128-row products.) Tasks own disjoint ranges of weight rows,
 * so threads share the packed x and read disjoint parts of W.
 *
 * <p>Determinism: each element of c is one chain of fused multiply-adds over its K products in k order from zero,
 * scaled by alpha at the end: the same chain as the packed path's, so the two give identical bits.
 */
final class WeightRowsGemm {

    /**
     * The most rows of x for which this order beats packing the weight (see above); -Dug.gemm.weightRows overrides.
     * With 512-bit vectors the packed path's tile is 12 x 32 (24 accumulators) while this one stays 5 x 32 (ten: its
     * five weight rows each take a general register), so the packed path wins sooner: paired on one thread of a Xeon
     * (Cascade Lake), rates of x [M, 1536] times a 1536 x 8960 weight in place over packed were 1.25 to 1.32 at 64
     * rows, 0.92 to 0.95 at 80, 0.95 to 0.98 at 96 (but 1.14 to 1.18 for a 8960 x 1536 weight) and 0.82 to 0.92 at
     * 112 and 128.
     */
    static final int MAX_ROWS = Integer.getInteger("ug.gemm.weightRows", CpuGemm.WIDE ? 64 : 144);
    /** Weight rows per tile: five, broadcast from where they lie (each needs its own index register). */
    private static final int MR = 5;
    private static final int NR = CpuGemm.NR;
    private static final int KC = CpuGemm.KC;
    /** Weight rows per group, a multiple of MR; -Dug.gemm.group overrides. */
    private static final int GROUP = CpuGemm.roundUp(Math.max(1, Integer.getInteger("ug.gemm.group", 60)), MR);

    private final CpuPool pool;
    private final ThreadLocal<float[]> packedX = new ThreadLocal<>();
    private final ThreadLocal<float[]> sums = new ThreadLocal<>();
    private final ThreadLocal<float[]> edgeRows = new ThreadLocal<>();

    WeightRowsGemm(CpuPool pool) {
        this.pool = pool;
    }

    /**
     * Whether this order takes the product: b an F32 weight in a float[] seen transposed (contiguous in k), read in
     * place, and at most maxRows rows of a.
     */
    static boolean applies(Mat b, int m, int maxRows) {
        return m <= maxRows && b.dtype() == DType.F32 && b.rowStride() == 1 && CpuMem.floats(b.seg()) != null;
    }

    void single(Mat a, Mat b, Mat c, int m, int n, int k, float alpha, float beta, boolean parallel) {
        int threads = parallel ? pool.threads() : 1;
        int kBlocks = (k + KC - 1) / KC;
        int panels = (m + NR - 1) / NR;
        // x transposed: the weight's depth runs along x's rows, so x seen as [K, M] is a B whose columns are its rows
        Mat xt = new Mat(a.seg(), a.dtype(), a.offset(), a.colStride(), a.rowStride());
        float[] xp = CpuGemm.buffer(packedX, kBlocks * KC * panels * NR);
        run(parallel, panels, jr -> {
            for (int pb = 0; pb < kBlocks; pb++) {
                int pc = pb * KC;
                GemmPacking.packBPanels(xt, pc, Math.min(KC, k - pc), 0, m, jr, jr + 1, xp, pb * KC * panels * NR);
            }
        });
        // a single weight row may carry any stride (a view of one row leaves it unused)
        int ldw = n == 1 ? 0 : Math.toIntExact(b.colStride());
        int rowBlocks = (n + MR - 1) / MR;
        int parts = threads == 1 ? 1 : Math.min(rowBlocks, 2 * threads);
        run(parallel, parts, part -> {
            int r0 = (int) ((long) rowBlocks * part / parts) * MR;
            int r1 = Math.min(n, (int) ((long) rowBlocks * (part + 1) / parts) * MR);
            rows(xp, m, b, ldw, r0, r1, k, kBlocks, c, alpha, beta);
        });
    }

    private void run(boolean parallel, int tasks, java.util.function.IntConsumer body) {
        if (parallel) {
            pool.run(tasks, body);
        } else {
            for (int t = 0; t < tasks; t++) {
                body.accept(t);
            }
        }
    }

    /** Weight rows [r0, r1) against all m tokens over the whole depth, into c. */
    private void rows(float[] xp, int m, Mat b, int ldw, int r0, int r1, int k, int kBlocks, Mat c, float alpha,
                      float beta) {
        int panels = (m + NR - 1) / NR;
        float[] w = CpuMem.floats(b.seg());
        int wBase = Math.toIntExact(b.seg().address() / 4 + b.offset());
        float[] acc = CpuGemm.buffer(sums, GROUP * panels * NR);
        for (int g0 = r0; g0 < r1; g0 += GROUP) {
            int g1 = Math.min(r1, g0 + GROUP);
            for (int pb = 0; pb < kBlocks; pb++) {
                int pc = pb * KC;
                int kc = Math.min(KC, k - pc);
                boolean last = pb == kBlocks - 1;
                int bBase = pb * KC * panels * NR;
                for (int jr = 0; jr < panels; jr++) {
                    for (int wr = g0; wr < g1; wr += MR) {
                        int mr = Math.min(MR, g1 - wr);
                        float[] rows = w;
                        int w0 = wBase + wr * ldw + pc;
                        int ld = ldw;
                        if (mr < MR) {
                            rows = edge(w, w0, ldw, mr, kc);
                            w0 = 0;
                            ld = kc;
                        }
                        int to = ((wr - g0) / MR * panels + jr) * MR * NR;
                        kernel(kc, rows, w0, ld, xp, bBase + jr * NR * kc, acc, to, pb > 0);
                        if (last) {
                            store(acc, to, c, jr * NR, Math.min(NR, m - jr * NR), wr, mr, alpha, beta);
                        }
                    }
                }
            }
        }
    }

    /** The last rows of W (fewer than five), copied into a zero-padded block of five rows kc long. */
    private float[] edge(float[] w, int w0, int ldw, int mr, int kc) {
        float[] rows = CpuGemm.buffer(edgeRows, MR * kc);
        for (int i = 0; i < MR; i++) {
            if (i < mr) {
                System.arraycopy(w, w0 + i * ldw, rows, i * kc, kc);
            } else {
                java.util.Arrays.fill(rows, i * kc, (i + 1) * kc, 0f);
            }
        }
        return rows;
    }

    /** c[token t0 + j][weight row w0 + i] = alpha * tile[i][j] (+ beta * c) for the tile's valid rows and tokens. */
    private static void store(float[] tile, int to, Mat c, int t0, int nt, int w0, int mr, float alpha, float beta) {
        MemorySegment s = c.seg();
        float[] arr = CpuMem.floats(s);
        long ld = c.rowStride();
        long cs = c.colStride();
        long base = c.offset() + t0 * ld + w0 * cs;
        if (arr != null) {
            long origin = s.address() / 4 + base;
            for (int j = 0; j < nt; j++) {
                for (int i = 0; i < mr; i++) {
                    int ci = (int) (origin + j * ld + i * cs);
                    float v = alpha * tile[to + i * NR + j];
                    arr[ci] = beta == 0 ? v : v + beta * arr[ci];
                }
            }
            return;
        }
        for (int j = 0; j < nt; j++) {
            for (int i = 0; i < mr; i++) {
                long off = (base + j * ld + i * cs) * 4;
                float v = alpha * tile[to + i * NR + j];
                if (beta != 0) {
                    v += beta * s.get(CpuMem.F32, off);
                }
                s.set(CpuMem.F32, off, v);
            }
        }
    }

    /**
     * The 5 x 16 tile at out[to] (row-major, 16 wide) = five rows of w (at r0, ld apart) times one packed panel of
     * the activations (at bo) over kc, plus the tile's earlier value when add is set. All indices derive from the one
     * loop counter, so C2 can take the bounds checks out of the loop.
     */
    private static void kernel(int kc, float[] w, int r0, int ld, float[] bp, int bo, float[] out, int to,
                               boolean add) {
        FloatVector c00 = CpuGemm.start(out, to, add);
        FloatVector c01 = CpuGemm.start(out, to + LANES, add);
        FloatVector c10 = CpuGemm.start(out, to + NR, add);
        FloatVector c11 = CpuGemm.start(out, to + NR + LANES, add);
        FloatVector c20 = CpuGemm.start(out, to + 2 * NR, add);
        FloatVector c21 = CpuGemm.start(out, to + 2 * NR + LANES, add);
        FloatVector c30 = CpuGemm.start(out, to + 3 * NR, add);
        FloatVector c31 = CpuGemm.start(out, to + 3 * NR + LANES, add);
        FloatVector c40 = CpuGemm.start(out, to + 4 * NR, add);
        FloatVector c41 = CpuGemm.start(out, to + 4 * NR + LANES, add);
        int r1 = r0 + ld;
        int r2 = r1 + ld;
        int r3 = r2 + ld;
        int r4 = r3 + ld;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(F, bp, bo + p * NR);
            FloatVector b1 = FloatVector.fromArray(F, bp, bo + p * NR + LANES);
            FloatVector x = FloatVector.broadcast(F, w[r0 + p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, w[r1 + p]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, w[r2 + p]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, w[r3 + p]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(F, w[r4 + p]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
        }
        c00.intoArray(out, to);
        c01.intoArray(out, to + LANES);
        c10.intoArray(out, to + NR);
        c11.intoArray(out, to + NR + LANES);
        c20.intoArray(out, to + 2 * NR);
        c21.intoArray(out, to + 2 * NR + LANES);
        c30.intoArray(out, to + 3 * NR);
        c31.intoArray(out, to + 3 * NR + LANES);
        c40.intoArray(out, to + 4 * NR);
        c41.intoArray(out, to + 4 * NR + LANES);
    }
}
