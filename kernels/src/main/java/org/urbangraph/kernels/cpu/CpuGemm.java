package org.urbangraph.kernels.cpu;

import static org.urbangraph.kernels.cpu.CpuMem.F;
import static org.urbangraph.kernels.cpu.CpuMem.LANES;

import java.lang.foreign.MemorySegment;
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
 * <p>Register budget (AVX2, 16 vector registers): MR = 5 rows by NR = 2 vectors gives 10 accumulators, 2 B vectors
 * and one broadcast A value, 13 in all. Ten independent accumulators keep both FMA pipes busy through their four-cycle
 * latency with room to spare, where 4 x 16 had exactly the eight that need (on L1-resident panels 5 x 16 ran 7 % faster
 * than 4 x 16, and 3 x 24 in between). A 6 x 16 tile (as BLIS uses) needs 12 accumulators, and C2 then spills
 * accumulators to the stack, which puts a store-load pair on the critical FMA chain (2.2 times slower).
 *
 * <p>With 512-bit vectors (AVX-512: 32 vector registers) the tile is 12 x 32 ({@link #kernelWide}): 24 accumulators,
 * 2 B vectors and one broadcast, 27 registers, 12 broadcasts and 2 vector loads per 24 multiply-adds. The 5-row tile
 * at that width (5 x 32, ten accumulators) left two thirds of the registers unused and ran 1024 x 1024 x 1024 at 0.64
 * of OpenBLAS's rate on one thread of a Xeon (Cascade Lake); the 12-row tile runs it at 0.88.
 *
 * <p>Loop order: for each NC column block, B is packed for the whole depth; each task then owns an MC x NC block of
 * c and walks all depth blocks over it, packing the matching A block each time (or, when c has several column blocks
 * and A is at most 64 MiB, reading the matching block of an A packed once before the first column block). Its running
 * sums stay in a buffer of the task's own, tile after tile, that is in L2 or read in order from one depth block to
 * the next, and c is written once at the end (with the textbook order, c returns from memory for every depth block
 * once it outgrows L3).
 *
 * <p>A product of few rows (up to four row blocks, A packed once) by a B that is not row-major in a float[] (a Linear
 * layer's weight in the forward) is cut by columns instead ({@link #ownColumns}): each task packs a narrow block of B
 * (about 384 KiB, 64 columns of a 1536-deep weight) and multiplies all rows by it while it is still in L2. Packing a
 * 512-column block over the whole depth (3 MB at depth 1536, 18 MB at 8960) sent the packed panels out to L3 or memory
 * and back: 0.78 against 0.56 ns per weight float on the Xeon, where streaming the weight alone takes 0.41, and at
 * 128 rows the packing is a quarter of the product. 128 x 1536 x 8960 went from 1.17 to 1.07 times OpenBLAS's time on
 * one thread, 128 x 8960 x 1536 from 1.35 to 1.10, 128 x 1536 x 1536 from 1.28 to 1.10.
 *
 * <p>Block sizes: KC = 256 keeps a B panel (KC x NR floats, 16 KiB) in L1 next to an A panel; MC = 130 (a multiple of
 * MR, and one block for a 128-token sequence) and NC = 512 keep the packed A block (130 KiB) and the block's sums
 * (260 KiB) together in a 512 KiB L2. With 512-bit vectors a B panel is twice as wide, so KC is 128 (the same 16 KiB;
 * KC 256 filled the 32 KiB L1 with the B panel alone and ran 1024 x 1024 x 1024 at 0.91 of KC 128's rate) and MC is
 * 132, the multiple of 12 above 130. The system properties {@code ug.gemm.kc}, {@code ug.gemm.mc} and
 * {@code ug.gemm.nc} override them for tuning on other caches (MC is rounded up to a multiple of MR; NC must be a
 * multiple of NR). With several threads, a product whose row blocks would not share out evenly takes smaller ones
 * ({@link #rowBlock}).
 *
 * <p>A product of at most 144 rows by an F32 weight in a float[] seen transposed (a Linear layer on a short
 * sequence, a decoding step) goes to {@link WeightRowsGemm} instead, which reads the weight in place rather than
 * packing it and gives the same bits; one to four rows (a decoding step) go to {@link WeightRowsGemv}, a
 * matrix-vector product with the same bits.
 *
 * <p>Determinism: each element of c is one chain of fused multiply-adds over its K products in k order (the chain goes
 * through the sums buffer between depth blocks), scaled by alpha at the end, whatever the thread count or task split.
 */
final class CpuGemm {

    /** 512-bit vectors (AVX-512): 32 vector registers, room for a 12 x 32 tile (see the class comment). */
    static final boolean WIDE = LANES >= 16;
    static final int MR = WIDE ? 12 : 5;
    static final int NR = 2 * LANES;
    static final int KC = Integer.getInteger("ug.gemm.kc", WIDE ? 128 : 256);
    static final int MC = roundUp(Integer.getInteger("ug.gemm.mc", 130), MR);
    static final int NC = Integer.getInteger("ug.gemm.nc", 512);
    /** Below this many multiply-adds per matrix, a batch runs one matrix per task instead of splitting each. */
    private static final long SMALL = 1L << 21;
    /**
     * Up to this many floats (64 MiB), A is packed once for the whole product when c has more than one NC column block,
     * instead of once per column block: with few rows (a 128-token forward through a 1536 x 8960 projection), packing
     * A again for each of the 18 column blocks cost a quarter as much as packing the weight itself; with many (the
     * vision tower's 1024 x 5120 by 5120 x 1280 projection, 21 MB of A), packing it for each of three column blocks
     * cost 9 % of the product (one thread, 1.39 against 1.26 times OpenBLAS's time packed once).
     */
    private static final long SHARED_A = 1L << 24;
    /** A packed once for a product is kept for the next one up to this many floats (16 MiB); larger ones are dropped. */
    private static final long KEEP_A = 1L << 22;
    /** The default of {@link #ownRowBlocks}: up to 528 rows with 512-bit vectors, 520 otherwise. */
    static final int OWN_B_ROW_BLOCKS = Integer.getInteger("ug.gemm.ownrows", 4);
    /** Floats of packed B per task in ownColumns (384 KiB: 64 columns of a 1536-deep weight). */
    static final int OWN_B = Integer.getInteger("ug.gemm.ownb", 96 * 1024);

    private final CpuPool pool;
    private final WeightRowsGemm weightRows;
    /**
     * Products of at most gemvRowsMax rows (and weightRowsMax) by a weight seen transposed, F32, BF16 or F16, on the
     * heap or in native memory.
     */
    private final WeightRowsGemv gemv;
    private final int gemvRowsMax;
    /** Products of at most this many rows by an F32 weight seen transposed go to {@link WeightRowsGemm}. */
    private final int weightRowsMax;
    /** Products of at most this many row blocks, with A packed once, go to {@link #ownColumns}. */
    private final int ownRowBlocks;
    /** Packed B of the calling thread's current GEMM, read by all workers. */
    private final ThreadLocal<float[]> packedB = new ThreadLocal<>();
    private final ThreadLocal<float[]> packedA = new ThreadLocal<>();
    /** The B panels a task packs for itself (see ownColumns). */
    private final ThreadLocal<float[]> ownB = new ThreadLocal<>();
    /** A packed for every row and depth block of the calling thread's current GEMM (see SHARED_A). */
    private final ThreadLocal<float[]> packedAllA = new ThreadLocal<>();
    private final ThreadLocal<float[]> tiles = ThreadLocal.withInitial(() -> new float[MR * NR]);
    /** A task's running sums over the depth blocks, one MR x NR tile after another (see macroKernel). */
    private final ThreadLocal<float[]> sums = new ThreadLocal<>();

    CpuGemm(CpuPool pool) {
        this(pool, WeightRowsGemm.MAX_ROWS);
    }

    /** With weightRowsMax 0, every product packs B (tests compare the two paths). */
    CpuGemm(CpuPool pool, int weightRowsMax) {
        this(pool, weightRowsMax, OWN_B_ROW_BLOCKS);
    }

    /** With ownRowBlocks 0, every product that packs B shares it between tasks (tests compare the two paths). */
    CpuGemm(CpuPool pool, int weightRowsMax, int ownRowBlocks) {
        this(pool, weightRowsMax, ownRowBlocks, WeightRowsGemv.MAX_ROWS);
    }

    /**
     * With gemvRowsMax 0, products of one to four rows go to WeightRowsGemm instead of WeightRowsGemv (tests compare
     * the two); weightRowsMax 0 turns both off.
     */
    CpuGemm(CpuPool pool, int weightRowsMax, int ownRowBlocks, int gemvRowsMax) {
        this.pool = pool;
        this.weightRows = new WeightRowsGemm(pool);
        this.gemv = new WeightRowsGemv(pool);
        this.weightRowsMax = weightRowsMax;
        this.ownRowBlocks = ownRowBlocks;
        this.gemvRowsMax = gemvRowsMax;
    }

    /** One matrix of a batched operand: its memory, first element, strides along the two matrix dimensions. */
    record Mat(MemorySegment seg, DType dtype, long offset, long rowStride, long colStride) {
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

    /**
     * c = alpha * a @ b (c overwritten, F32) on the calling thread only, for kernels that call it from inside their own
     * pool tasks (fused attention's score and value products). The packing buffers are the calling thread's own.
     */
    void serial(Mat a, Mat b, Mat c, int m, int n, int k, float alpha) {
        serial(a, b, c, m, n, k, alpha, 0f);
    }

    /** c = alpha * a @ b + beta * c (F32) on the calling thread only, as {@link #serial(Mat, Mat, Mat, int, int, int,
     * float)}. */
    void serial(Mat a, Mat b, Mat c, int m, int n, int k, float alpha, float beta) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            scaleC(c, m, n, beta);
            return;
        }
        single(a, b, c, m, n, k, alpha, beta, false);
    }

    /** Floats that {@link #packWhole} fills for a b of depth k and width n. */
    static int packedSize(int k, int n) {
        return Math.multiplyExact(k, roundUp(n, NR));
    }

    /**
     * b [k, n] packed whole into bp for {@link #serialPacked}, on the calling thread: the layout of one column block
     * of {@link #single} as wide as b (depth block pb at pb * KC * panels * NR, panel jr at jr * NR * kc within it).
     * For a kernel that multiplies many blocks of rows by the same b (fused attention's keys and values), which
     * {@link #serial} would pack again for each.
     */
    void packWhole(Mat b, int k, int n, float[] bp) {
        int panels = (n + NR - 1) / NR;
        float[] rowsB = b.dtype() == DType.F32 && b.colStride() == 1 ? CpuMem.floats(b.seg()) : null;
        if (rowsB == null) {
            GemmPacking.packPanelsOverDepth(b, k, 0, n, 0, panels, bp);
            return;
        }
        int src0 = Math.toIntExact(b.seg().address() / 4 + b.offset());
        int ks = Math.toIntExact(b.rowStride());
        for (int pc = 0; pc < k; pc += KC) {
            GemmPacking.packBRows(rowsB, Math.toIntExact(src0 + (long) pc * ks), ks, Math.min(KC, k - pc), n, bp,
                    pc * panels * NR);
        }
    }

    /**
     * c = alpha * a @ b (c overwritten, F32) on the calling thread, b packed by {@link #packWhole}: the bits of
     * {@link #serial} (the same micro-kernel, tiles and order of the multiply-adds).
     */
    void serialPacked(Mat a, float[] bp, Mat c, int m, int n, int k, float alpha) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            scaleC(c, m, n, 0f);
            return;
        }
        int kBlocks = (k + KC - 1) / KC;
        int panels = (n + NR - 1) / NR;
        for (int ic = 0; ic < m; ic += MC) {
            int mc = Math.min(MC, m - ic);
            float[] ap = buffer(packedA, roundUp(mc, MR) * Math.min(KC, k));
            for (int pb = 0; pb < kBlocks; pb++) {
                int pc = pb * KC;
                int kc = Math.min(KC, k - pc);
                GemmPacking.packA(a, ic, mc, pc, kc, ap, 0);
                macroKernel(ap, 0, mc, kc, bp, pc * panels * NR, 0, panels, n, c, ic, 0, pb, kBlocks, alpha, 0f);
            }
        }
    }

    /** A row-major float[] matrix starting at off with leading dimension ld. */
    static Mat rows(float[] arr, int off, int ld) {
        return new Mat(java.lang.foreign.MemorySegment.ofArray(arr), DType.F32, off, ld, 1);
    }

    private static void scaleC(Mat c, int m, int n, float beta) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                long off = c.offset() + i * c.rowStride() + j * c.colStride();
                CpuMem.set(c.seg(), DType.F32, off, beta == 0 ? 0f : beta * CpuMem.get(c.seg(), DType.F32, off));
            }
        }
    }

    static float[] buffer(ThreadLocal<float[]> holder, int size) {
        float[] buf = holder.get();
        if (buf == null || buf.length < size) {
            buf = new float[size];
            holder.set(buf);
        }
        return buf;
    }

    /**
     * Rows per block of c for a product of m rows on the given number of threads: MC, or, when the blocks would not
     * share out evenly (five blocks of a 632-row product on two threads: 3 + 2, one thread idle for the last third),
     * the multiple of MR that splits m into the next multiple of the thread count (six blocks of 110 and 82 rows: 330
     * + 302). Products of fewer blocks than twice the threads are split by columns as well, so they are left alone.
     * Where no such multiple of MR exists below half of MC, the first try that leaves at most one thread idle in the
     * last round is kept, or else the first try (nearly even).
     */
    static int rowBlock(int m, int threads) {
        return rowBlock(m, threads, MR, MC);
    }

    /** {@link #rowBlock(int, int)} for a tile of mr rows and blocks of mc rows (a multiple of mr). */
    static int rowBlock(int m, int threads, int mr, int mc) {
        int blocks = (m + mc - 1) / mc;
        if (threads == 1 || blocks < 2 * threads || blocks % threads == 0) {
            return mc;
        }
        // rounding the rows up to MR can leave fewer blocks than asked for (2641 rows in 24 blocks: 23 of 115), so
        // the next multiples of the thread count are tried too, up to twice the blocks of mc
        // (with a 12-row tile the steps are coarse: 2881 rows on four threads find no split into a multiple of
        // four within twice the blocks, and take the first that leaves one thread idle in the last round, 27 x 108)
        int first = 0;
        int oneIdle = 0;
        for (int even = (blocks + threads - 1) / threads * threads; even <= 2 * blocks; even += threads) {
            int rows = roundUp((m + even - 1) / even, mr);
            int got = (m + rows - 1) / rows;
            if (got % threads == 0) {
                return rows;
            }
            oneIdle = oneIdle == 0 && got % threads == threads - 1 ? rows : oneIdle;
            first = first == 0 ? rows : first;
        }
        return oneIdle != 0 ? oneIdle : first;
    }

    private void single(Mat a, Mat b, Mat c, int m, int n, int k, float alpha, float beta, boolean parallel) {
        if (WeightRowsGemv.applies(b, m, Math.min(weightRowsMax, gemvRowsMax))) {
            gemv.single(a, b, c, m, n, k, alpha, beta, parallel);
            return;
        }
        if (WeightRowsGemm.applies(b, m, weightRowsMax)) {
            weightRows.single(a, b, c, m, n, k, alpha, beta, parallel);
            return;
        }
        int threads = parallel ? pool.threads() : 1;
        int kBlocks = (k + KC - 1) / KC;
        int mcb = rowBlock(m, threads);
        int icBlocks = (m + mcb - 1) / mcb;
        // A packed once: block ic's depth block pb at ic * k + pc * (its rows rounded up to MR)
        long aSize = (long) roundUp(m, MR) * k;
        float[] aAll = n <= NC || aSize > SHARED_A ? null
                : aSize <= KEEP_A ? buffer(packedAllA, (int) aSize) : new float[(int) aSize];
        if (aAll != null) {
            run(parallel, icBlocks * kBlocks, t -> {
                int ic = t / kBlocks * mcb;
                int pc = t % kBlocks * KC;
                int mc = Math.min(mcb, m - ic);
                GemmPacking.packA(a, ic, mc, pc, Math.min(KC, k - pc), aAll, ic * k + pc * roundUp(mc, MR));
            });
        }
        // rows of B contiguous in n, in a float[]: a weight [out, in] in a backward product (packed by rows, below)
        float[] rowsB = b.dtype() == DType.F32 && b.colStride() == 1 ? CpuMem.floats(b.seg()) : null;
        if (aAll != null && icBlocks <= ownRowBlocks && rowsB == null) {
            ownColumns(aAll, b, c, m, n, k, mcb, icBlocks, kBlocks, alpha, beta, parallel);
            return;
        }
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            int panels = (nc + NR - 1) / NR;
            int jcf = jc;
            // B packed for the whole depth of this column block: depth block pb starts at pb * KC * panels * NR
            float[] bp = buffer(packedB, kBlocks * KC * panels * NR);
            // a task packs two panels over the whole depth: each weight row is read as one long stream (for an [N, K]
            // weight), which the hardware prefetcher follows, where a task per depth block read 1 KiB of each row
            java.util.function.IntConsumer pack = g -> GemmPacking.packPanelsOverDepth(b, k, jcf, nc, 2 * g,
                    Math.min(panels, 2 * g + 2), bp);
            if (rowsB != null) {
                // rows contiguous in n, in a float[] (a weight [out, in] in a backward product): a task per depth
                // block reads each of its rows' nc floats as one stream, where a task per panel pair read 128 bytes
                // of every row in turn (a strided walk the prefetchers do not follow: a tenth of a training step)
                int src0 = Math.toIntExact(b.seg().address() / 4 + b.offset() + jc);
                int ks = Math.toIntExact(b.rowStride());
                run(parallel, kBlocks, pb -> GemmPacking.packBRows(rowsB, Math.toIntExact(src0 + (long) pb * KC * ks),
                        ks, Math.min(KC, k - pb * KC), nc, bp, pb * KC * panels * NR));
            } else {
                run(parallel, (panels + 1) / 2, pack);
            }
            int parts = threads == 1 ? 1 : Math.max(1, Math.min(panels, (2 * threads + icBlocks - 1) / icBlocks));
            // each task owns an MC x (its panels) block of c and walks the whole depth over it, so that block stays
            // in the core's L2 from one depth block to the next instead of coming back from L3 or memory
            run(parallel, icBlocks * parts, t -> {
                int ic = t / parts * mcb;
                int jp = t % parts;
                int mc = Math.min(mcb, m - ic);
                int p0 = (int) ((long) panels * jp / parts);
                int p1 = (int) ((long) panels * (jp + 1) / parts);
                for (int pb = 0; pb < kBlocks; pb++) {
                    int pc = pb * KC;
                    int kc = Math.min(KC, k - pc);
                    float[] ap = aAll;
                    int ao = ic * k + pc * roundUp(mc, MR);
                    if (ap == null) {
                        ap = buffer(packedA, roundUp(mc, MR) * kc);
                        ao = 0;
                        GemmPacking.packA(a, ic, mc, pc, kc, ap, 0);
                    }
                    macroKernel(ap, ao, mc, kc, bp, pb * KC * panels * NR, p0, p1, nc, c, ic, jcf, pb, kBlocks, alpha,
                            beta);
                }
            });
        }
    }

    /**
     * Few rows, A packed once: c is cut into narrow column blocks and each task packs the B panels of its own block,
     * over the whole depth, then multiplies every row block by them. The packed block (at most OWN_B floats, or one
     * panel) stays in L2 between the packing and the products, where an NC-wide block of a deep weight (512 columns
     * by 8960, 18 MB) went out to L3 or memory and came back; and a task that packs what it multiplies needs no
     * barrier between the two.
     */
    private void ownColumns(float[] aAll, Mat b, Mat c, int m, int n, int k, int mcb, int icBlocks, int kBlocks,
                            float alpha, float beta, boolean parallel) {
        int ncb = ownBlockColumns(k);
        run(parallel, (n + ncb - 1) / ncb, t -> {
            int jc = t * ncb;
            int nc = Math.min(ncb, n - jc);
            int panels = (nc + NR - 1) / NR;
            float[] bp = buffer(ownB, kBlocks * KC * panels * NR);
            // panel by panel over the whole depth: each weight row is read as one stream (see single); packing the
            // depth in chunks, to keep a deep weight's panels in L2, was slower (128 x 8960 x 1536: 1.17 against 1.09
            // times OpenBLAS's time, in chunks of 1536)
            GemmPacking.packPanelsOverDepth(b, k, jc, nc, 0, panels, bp);
            for (int ic = 0; ic < m; ic += mcb) {
                int mc = Math.min(mcb, m - ic);
                for (int pb = 0; pb < kBlocks; pb++) {
                    int pc = pb * KC;
                    macroKernel(aAll, ic * k + pc * roundUp(mc, MR), mc, Math.min(KC, k - pc), bp,
                            pb * KC * panels * NR, 0, panels, nc, c, ic, jc, pb, kBlocks, alpha, beta);
                }
            }
        });
    }

    /** Columns of c per task in {@link #ownColumns}: OWN_B floats of packed B over depth k, whole panels, 1 to NC/NR. */
    static int ownBlockColumns(int k) {
        return Math.max(NR, Math.min(NC, OWN_B / k / NR * NR));
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

    /**
     * The MC x (panels p0..p1) block of c for depth block pb: every packed A panel times every packed B panel, B panel
     * outer so that it stays in L1 while the A block streams from L2. With several depth blocks, the tiles' sums run on
     * in a per-task buffer laid out tile after tile (the micro-kernel loads its tile, adds its depth block and stores
     * it back, so a later block walks the buffer in order) and c is written once, at the last depth block: c rows lie
     * a full row stride apart, and reading each tile of c back for every depth block cost about 7 % of a product.
     * When c is read (beta != 0), the next tile's rows are touched before the current tile is computed, so that their
     * latency overlaps the micro-kernel instead of stalling the update.
     */
    private void macroKernel(float[] ap, int ao, int mc, int kc, float[] bp, int bBase, int p0, int p1, int nc, Mat c,
                             int ic, int jc, int pb, int kBlocks, float alpha, float beta) {
        int mcr = roundUp(mc, MR);
        boolean last = pb == kBlocks - 1;
        float[] acc = kBlocks == 1 ? tiles.get() : buffer(sums, mcr * (p1 - p0) * NR);
        float[] carr = CpuMem.floats(c.seg());
        boolean readsC = carr != null && beta != 0 && last;
        long ld = c.rowStride();
        long cs = c.colStride();
        long cBase = carr == null ? 0 : c.seg().address() / 4;
        float sink = 0;
        for (int jr = p0; jr < p1; jr++) {
            int j0 = jr * NR;
            int nr = Math.min(NR, nc - j0);
            int bo = bBase + jr * NR * kc;
            for (int ir = 0; ir < mc; ir += MR) {
                int mr = Math.min(MR, mc - ir);
                long co = c.offset() + (long) (ic + ir) * ld + (long) (jc + j0) * cs;
                if (readsC) {
                    long next = ir + MR < mc ? co + MR * ld : c.offset() + (long) ic * ld + (long) (jc + j0 + NR) * cs;
                    int rows = ir + MR < mc ? Math.min(MR, mc - ir - MR) : Math.min(MR, mc);
                    for (int i = 0; i < rows; i++) {
                        long idx = cBase + next + i * ld;
                        if (idx < carr.length) {
                            sink += carr[(int) idx];
                        }
                    }
                }
                int to = kBlocks == 1 ? 0 : ((jr - p0) * mcr + ir) * NR;
                if (WIDE) {
                    kernelWide(kc, ap, ao + ir * kc, bp, bo, acc, to, pb > 0);
                } else {
                    kernel(kc, ap, ao + ir * kc, bp, bo, acc, to, pb > 0);
                }
                if (!last) {
                    continue;
                }
                if (nr == NR && cs == 1 && carr != null) {
                    // full-width rows, the last tile of a block included (1024 rows leave 4 in a 5-row tile)
                    for (int i = 0; i < mr; i++) {
                        update(acc, to + i * NR, carr, (int) (cBase + co + i * ld), alpha, beta);
                    }
                } else if (cs == 1 && carr != null) {
                    // the last, partial panel of rows contiguous in a float[]
                    for (int i = 0; i < mr; i++) {
                        int ci = (int) (cBase + co + i * ld);
                        for (int j = 0; j < nr; j++) {
                            float v = alpha * acc[to + i * NR + j];
                            carr[ci + j] = beta == 0 ? v : v + beta * carr[ci + j];
                        }
                    }
                } else {
                    updateEdge(acc, to, c.seg(), co, ld, cs, mr, nr, alpha, beta);
                }
            }
        }
        touched = sink;
    }

    /** Keeps the touches of macroKernel from being optimised away; never read. */
    @SuppressWarnings("unused")
    private volatile float touched;

    static int roundUp(int x, int q) {
        return (x + q - 1) / q * q;
    }

    // ---- micro-kernel ----------------------------------------------------------------------------------------

    /**
     * The MR x NR tile at out[to] (row-major, NR wide) = the product of one packed A panel (at ao) and one packed B
     * panel (at bo) over kc, plus the tile's earlier value when add is set. Few values live across the loop besides
     * its own: every extra one competes for the general registers that hold the loop's indices, and C2 then reloads
     * them from the stack inside the loop (kernel-asm shows the loop).
     */
    private static void kernel(int kc, float[] ap, int ao, float[] bp, int bo, float[] out, int to, boolean add) {
        FloatVector c00 = start(out, to, add);
        FloatVector c01 = start(out, to + LANES, add);
        FloatVector c10 = start(out, to + NR, add);
        FloatVector c11 = start(out, to + NR + LANES, add);
        FloatVector c20 = start(out, to + 2 * NR, add);
        FloatVector c21 = start(out, to + 2 * NR + LANES, add);
        FloatVector c30 = start(out, to + 3 * NR, add);
        FloatVector c31 = start(out, to + 3 * NR + LANES, add);
        FloatVector c40 = start(out, to + 4 * NR, add);
        FloatVector c41 = start(out, to + 4 * NR + LANES, add);
        // one k step per iteration, indices bumped rather than recomputed. Unrolling (by 2 or 4) makes C2 hoist the
        // later steps' B loads, which needs more than 16 vector registers and spills accumulators to the stack.
        for (int ai = ao, bi = bo, end = ao + kc * MR; ai < end; ai += MR, bi += NR) {
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
            x = FloatVector.broadcast(F, ap[ai + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
        }
        // the accumulators leave through the tile array: handing vectors to a method that C2 does not inline
        // would box them
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

    /**
     * The 12 x NR tile of {@link #kernel} for 512-bit vectors: 24 accumulators, two B vectors and one broadcast, 27 of
     * the 32 vector registers.
     */
    private static void kernelWide(int kc, float[] ap, int ao, float[] bp, int bo, float[] out, int to, boolean add) {
        FloatVector c0a = start(out, to, add);
        FloatVector c0b = start(out, to + LANES, add);
        FloatVector c1a = start(out, to + 1 * NR, add);
        FloatVector c1b = start(out, to + 1 * NR + LANES, add);
        FloatVector c2a = start(out, to + 2 * NR, add);
        FloatVector c2b = start(out, to + 2 * NR + LANES, add);
        FloatVector c3a = start(out, to + 3 * NR, add);
        FloatVector c3b = start(out, to + 3 * NR + LANES, add);
        FloatVector c4a = start(out, to + 4 * NR, add);
        FloatVector c4b = start(out, to + 4 * NR + LANES, add);
        FloatVector c5a = start(out, to + 5 * NR, add);
        FloatVector c5b = start(out, to + 5 * NR + LANES, add);
        FloatVector c6a = start(out, to + 6 * NR, add);
        FloatVector c6b = start(out, to + 6 * NR + LANES, add);
        FloatVector c7a = start(out, to + 7 * NR, add);
        FloatVector c7b = start(out, to + 7 * NR + LANES, add);
        FloatVector c8a = start(out, to + 8 * NR, add);
        FloatVector c8b = start(out, to + 8 * NR + LANES, add);
        FloatVector c9a = start(out, to + 9 * NR, add);
        FloatVector c9b = start(out, to + 9 * NR + LANES, add);
        FloatVector c10a = start(out, to + 10 * NR, add);
        FloatVector c10b = start(out, to + 10 * NR + LANES, add);
        FloatVector c11a = start(out, to + 11 * NR, add);
        FloatVector c11b = start(out, to + 11 * NR + LANES, add);
        for (int ai = ao, bi = bo, end = ao + kc * MR; ai < end; ai += MR, bi += NR) {
            FloatVector b0 = FloatVector.fromArray(F, bp, bi);
            FloatVector b1 = FloatVector.fromArray(F, bp, bi + LANES);
            FloatVector x = FloatVector.broadcast(F, ap[ai]);
            c0a = x.fma(b0, c0a);
            c0b = x.fma(b1, c0b);
            x = FloatVector.broadcast(F, ap[ai + 1]);
            c1a = x.fma(b0, c1a);
            c1b = x.fma(b1, c1b);
            x = FloatVector.broadcast(F, ap[ai + 2]);
            c2a = x.fma(b0, c2a);
            c2b = x.fma(b1, c2b);
            x = FloatVector.broadcast(F, ap[ai + 3]);
            c3a = x.fma(b0, c3a);
            c3b = x.fma(b1, c3b);
            x = FloatVector.broadcast(F, ap[ai + 4]);
            c4a = x.fma(b0, c4a);
            c4b = x.fma(b1, c4b);
            x = FloatVector.broadcast(F, ap[ai + 5]);
            c5a = x.fma(b0, c5a);
            c5b = x.fma(b1, c5b);
            x = FloatVector.broadcast(F, ap[ai + 6]);
            c6a = x.fma(b0, c6a);
            c6b = x.fma(b1, c6b);
            x = FloatVector.broadcast(F, ap[ai + 7]);
            c7a = x.fma(b0, c7a);
            c7b = x.fma(b1, c7b);
            x = FloatVector.broadcast(F, ap[ai + 8]);
            c8a = x.fma(b0, c8a);
            c8b = x.fma(b1, c8b);
            x = FloatVector.broadcast(F, ap[ai + 9]);
            c9a = x.fma(b0, c9a);
            c9b = x.fma(b1, c9b);
            x = FloatVector.broadcast(F, ap[ai + 10]);
            c10a = x.fma(b0, c10a);
            c10b = x.fma(b1, c10b);
            x = FloatVector.broadcast(F, ap[ai + 11]);
            c11a = x.fma(b0, c11a);
            c11b = x.fma(b1, c11b);
        }
        c0a.intoArray(out, to);
        c0b.intoArray(out, to + LANES);
        c1a.intoArray(out, to + 1 * NR);
        c1b.intoArray(out, to + 1 * NR + LANES);
        c2a.intoArray(out, to + 2 * NR);
        c2b.intoArray(out, to + 2 * NR + LANES);
        c3a.intoArray(out, to + 3 * NR);
        c3b.intoArray(out, to + 3 * NR + LANES);
        c4a.intoArray(out, to + 4 * NR);
        c4b.intoArray(out, to + 4 * NR + LANES);
        c5a.intoArray(out, to + 5 * NR);
        c5b.intoArray(out, to + 5 * NR + LANES);
        c6a.intoArray(out, to + 6 * NR);
        c6b.intoArray(out, to + 6 * NR + LANES);
        c7a.intoArray(out, to + 7 * NR);
        c7b.intoArray(out, to + 7 * NR + LANES);
        c8a.intoArray(out, to + 8 * NR);
        c8b.intoArray(out, to + 8 * NR + LANES);
        c9a.intoArray(out, to + 9 * NR);
        c9b.intoArray(out, to + 9 * NR + LANES);
        c10a.intoArray(out, to + 10 * NR);
        c10b.intoArray(out, to + 10 * NR + LANES);
        c11a.intoArray(out, to + 11 * NR);
        c11b.intoArray(out, to + 11 * NR + LANES);
    }

    static FloatVector start(float[] out, int at, boolean add) {
        return add ? FloatVector.fromArray(F, out, at) : FloatVector.zero(F);
    }

    /** c = alpha * tile (+ beta * c) for a partial tile or a c that is not a unit-stride float[]. */
    private static void updateEdge(float[] tile, int to, MemorySegment cseg, long co, long ldc, long cs, int mr, int nr,
                                   float alpha, float beta) {
        for (int i = 0; i < mr; i++) {
            for (int j = 0; j < nr; j++) {
                long off = (co + i * ldc + j * cs) * 4;
                float v = alpha * tile[to + i * NR + j];
                if (beta != 0) {
                    v += beta * cseg.get(CpuMem.F32, off);
                }
                cseg.set(CpuMem.F32, off, v);
            }
        }
    }

    /**
     * One row of a full tile into a float[] c at element ci: c = alpha * acc (+ beta * c). The caller resolves the
     * array once per block: looking it up per row (heapBase) cost a fifth of the micro-kernel's time.
     */
    private static void update(float[] tile, int to, float[] arr, int ci, float alpha, float beta) {
        FloatVector a0 = FloatVector.fromArray(F, tile, to).mul(alpha);
        FloatVector a1 = FloatVector.fromArray(F, tile, to + LANES).mul(alpha);
        if (beta != 0) {
            a0 = a0.add(FloatVector.fromArray(F, arr, ci).mul(beta));
            a1 = a1.add(FloatVector.fromArray(F, arr, ci + LANES).mul(beta));
        }
        a0.intoArray(arr, ci);
        a1.intoArray(arr, ci + LANES);
    }
}
