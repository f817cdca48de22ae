package org.urbangraph.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.HostAccess;
import org.urbangraph.kernels.HostBuffer;
import org.urbangraph.kernels.View;
import org.urbangraph.testkit.Approx;

/**
 * The GEMM of a Linear layer's forward, c = alpha * a @ W^T + beta * c with W [N, K] as stored, whose packing
 * transposes NR-row blocks of W: against a double-precision reference on odd sizes (partial panels, k over one KC
 * block), padded rows of a and W, W in F32 and BF16, on the heap (read in place) and in native memory (as a mapped
 * weight file is, widened through scratch); the same bits for one and two threads and before and after the JIT.
 */
class TransposedWeightGemmTest {

    /**
     * m, k, n: single rows and columns, partial register tiles, k with and without a tail past the 8 x 8 (16 x 16
     * with 512-bit vectors) transposed blocks, k over one KC, n over one NC (two column blocks, an odd number of panels in the second; A then packed
     * once for all of them, in one and in two row blocks); 601 rows make five blocks of MC, which two threads split
     * into six smaller ones (rowBlock). Up to 144 rows (64 with 512-bit vectors; the in-place test below sets 144 on
     * every machine) an F32 weight on the heap is read in place (WeightRowsGemm):
     * 123 weight rows make two groups of 60 and a last block of 3, split by two threads into ranges of 30 and 33
     * rows; 144 rows is the largest such product (nine token panels), 145 the smallest that packs the weight.
     */
    private static final int[][] SHAPES = {{1, 16, 1}, {1, 9, 2}, {5, 33, 3}, {7, 257, 19}, {33, 300, 65},
        {130, 17, 5}, {4, 64, 34}, {6, 520, 531}, {131, 270, 530}, {601, 270, 530}, {17, 300, 123}, {144, 520, 61},
        {145, 40, 7}};

    private static final CpuPool POOL1 = new CpuPool(1);
    private static final CpuPool POOL2 = new CpuPool(2);
    private static final Arena ARENA = Arena.ofShared();

    @AfterAll
    static void close() {
        ARENA.close();
    }

    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 4 - 2);
        }
        return v;
    }

    /** W [n, k] with rows ldw apart, in dtype, on the heap or in native memory; w holds the values it stores. */
    private static MemorySegment weight(float[] w, DType dtype, boolean nativeMemory) {
        MemorySegment seg = nativeMemory ? ARENA.allocate((long) w.length * dtype.size(), 8)
                : HostBuffer.allocate(dtype, w.length).segment();
        for (int i = 0; i < w.length; i++) {
            if (dtype == DType.BF16) {
                short h = HostAccess.floatToBf16(w[i]);
                w[i] = Float.intBitsToFloat(h << 16);
                seg.set(CpuMem.I16, 2L * i, h);
            } else if (dtype == DType.F16) {
                short h = Float.floatToFloat16(w[i]);
                w[i] = Float.float16ToFloat(h);
                seg.set(CpuMem.I16, 2L * i, h);
            } else {
                seg.set(CpuMem.F32, 4L * i, w[i]);
            }
        }
        return seg;
    }

    private record Case(int m, int k, int n, int lda, int ldw, float[] a, float[] w, float[] c0, DType dtype,
                        boolean nativeW, float alpha, float beta) {}

    private static Case make(int[] s, DType dtype, boolean nativeW, boolean accumulate, long seed) {
        int m = s[0];
        int k = s[1];
        int n = s[2];
        int lda = k + 5;
        int ldw = k + 3;
        float[] a = random(2 + m * lda, seed);
        float[] w = random(1 + n * ldw, seed + 1);
        float[] c0 = accumulate ? random(m * n, seed + 2) : new float[m * n];
        return new Case(m, k, n, lda, ldw, a, w, c0, dtype, nativeW, accumulate ? -1.5f : 1f, accumulate ? 0.75f : 0f);
    }

    /** Runs the case through the CPU GEMM on the given pool; returns c. */
    private static float[] run(Case t, CpuPool pool, MemorySegment wseg) {
        return run(t, new CpuGemm(pool), wseg);
    }

    private static float[] run(Case t, CpuGemm gemm, MemorySegment wseg) {
        float[] c = t.c0().clone();
        View a = new View(new HostBuffer(MemorySegment.ofArray(t.a())), DType.F32, 2, new int[] {1, t.m(), t.k()},
                new long[] {0, t.lda(), 1});
        View b = new View(new HostBuffer(wseg), t.dtype(), 1, new int[] {1, t.k(), t.n()},
                new long[] {0, 1, t.ldw()});
        View cv = View.contiguous(new HostBuffer(MemorySegment.ofArray(c)), DType.F32, 0, 1, t.m(), t.n());
        gemm.gemm(a, b, cv, t.alpha(), t.beta());
        return c;
    }

    private static void check(String what, Case t, float[] c) {
        double[] ref = new double[c.length];
        double[] scale = new double[c.length];
        for (int i = 0; i < t.m(); i++) {
            for (int j = 0; j < t.n(); j++) {
                double s = 0;
                double mag = 0;
                for (int p = 0; p < t.k(); p++) {
                    double x = t.a()[2 + i * t.lda() + p];
                    double y = t.w()[1 + j * t.ldw() + p];
                    s += x * y;
                    mag += Math.abs(x * y);
                }
                double c0 = t.c0()[i * t.n() + j];
                ref[i * t.n() + j] = t.alpha() * s + t.beta() * c0;
                scale[i * t.n() + j] = Math.abs(t.alpha()) * mag + Math.abs(t.beta() * c0);
            }
        }
        Approx.assertCloseScaled(what, ref, Approx.toDouble(c), scale, 1e-5, 0);
    }

    /**
     * A B whose rows are contiguous in n (a weight [out, in] as a backward product multiplies by it), F32 on the heap:
     * packed a depth block per task, each row read in order. Three column blocks of NC (the last with a partial panel),
     * depth over two KC, rows padded (ldb > n) and offset; against a double-precision reference, with the same bits on
     * one and two threads.
     */
    @Test
    void rowMajorWeightsMatchTheReference() {
        long seed = 900;
        for (int[] s : new int[][] {{9, 300, 1100}, {5, 129, 33}, {131, 270, 530}, {1, 7, 3}}) {
            for (boolean accumulate : new boolean[] {false, true}) {
                int m = s[0];
                int k = s[1];
                int n = s[2];
                int ldb = n + 3;
                float[] a = random(m * k, seed++);
                float[] w = random(1 + k * ldb, seed++);
                float[] c0 = accumulate ? random(m * n, seed++) : new float[m * n];
                float alpha = accumulate ? -1.5f : 1f;
                float beta = accumulate ? 0.75f : 0f;
                float[][] out = new float[2][];
                for (CpuPool pool : new CpuPool[] {POOL1, POOL2}) {
                    float[] c = c0.clone();
                    View av = View.contiguous(new HostBuffer(MemorySegment.ofArray(a)), DType.F32, 0, 1, m, k);
                    View bv = new View(new HostBuffer(MemorySegment.ofArray(w)), DType.F32, 1, new int[] {1, k, n},
                            new long[] {0, ldb, 1});
                    View cv = View.contiguous(new HostBuffer(MemorySegment.ofArray(c)), DType.F32, 0, 1, m, n);
                    new CpuGemm(pool).gemm(av, bv, cv, alpha, beta);
                    out[pool.threads() - 1] = c;
                }
                String what = m + "x" + k + "x" + n + (accumulate ? " alpha -1.5 beta 0.75" : "");
                double[] ref = new double[m * n];
                double[] scale = new double[m * n];
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double sum = 0;
                        double mag = 0;
                        for (int p = 0; p < k; p++) {
                            double x = a[i * k + p];
                            double y = w[1 + p * ldb + j];
                            sum += x * y;
                            mag += Math.abs(x * y);
                        }
                        ref[i * n + j] = alpha * sum + beta * c0[i * n + j];
                        scale[i * n + j] = Math.abs(alpha) * mag + Math.abs(beta * c0[i * n + j]);
                    }
                }
                Approx.assertCloseScaled(what, ref, Approx.toDouble(out[0]), scale, 1e-5, 0);
                assertArrayEquals(out[0], out[1], what + ": 1 and 2 threads");
            }
        }
    }

    @Test
    void transposedWeightsMatchTheReference() {
        long seed = 1;
        for (int[] s : SHAPES) {
            for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
                for (boolean nativeW : new boolean[] {false, true}) {
                    for (boolean accumulate : new boolean[] {false, true}) {
                        Case t = make(s, dtype, nativeW, accumulate, seed += 3);
                        MemorySegment wseg = weight(t.w(), dtype, nativeW);
                        String what = s[0] + "x" + s[1] + "x" + s[2] + " W " + dtype + (nativeW ? " native" : " heap")
                                + (accumulate ? " alpha -1.5 beta 0.75" : "");
                        check(what + ", 1 thread", t, run(t, POOL1, wseg));
                        check(what + ", 2 threads", t, run(t, POOL2, wseg));
                    }
                }
            }
        }
    }

    /**
     * Up to four row blocks by a weight wider than one NC block, A packed once: each task packs the panels of its own
     * narrow column block and multiplies every row block by them (CpuGemm.ownColumns). The same bits as packing each
     * NC block once for all tasks, on one and two threads, and within the reference's tolerance: one row block and
     * several (300 rows; four whole blocks, 528 rows with the 12-row tile, 520 with the 5-row one), depth in one and in several
     * KC blocks, column blocks of several panels with a partial last one (1100 columns of depth 1000 are blocks of 96
     * with 512-bit vectors), an F32 weight on the heap and in native memory and a BF16 one.
     */
    @Test
    void ownColumnBlocksGiveTheSharedPackingsBits() {
        long seed = 500;
        for (int[] s : new int[][] {{13, 1000, 1100}, {131, 270, 530}, {300, 1000, 531}, {4 * CpuGemm.MC, 129, 700}}) {
            for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
                for (boolean nativeW : new boolean[] {false, true}) {
                    boolean accumulate = nativeW;
                    Case t = make(s, dtype, nativeW, accumulate, seed += 3);
                    MemorySegment wseg = weight(t.w(), dtype, nativeW);
                    String what = s[0] + "x" + s[1] + "x" + s[2] + " W " + dtype + (nativeW ? " native" : " heap");
                    float[] shared = run(t, new CpuGemm(POOL1, 0, 0), wseg);
                    float[] own = run(t, new CpuGemm(POOL1, 0, 4), wseg);
                    check(what + ", own column blocks", t, own);
                    assertArrayEquals(shared, own, what + ": own column blocks against shared packing, 1 thread");
                    assertArrayEquals(shared, run(t, new CpuGemm(POOL2, 0, 4), wseg),
                            what + ": own column blocks on 2 threads against shared packing on 1");
                }
            }
        }
    }

    /**
     * An A of more than 16 MiB (1100 x 3900 floats) is packed once into a buffer of its own for the product, not kept
     * for the next: the same bits as the product computed one column block at a time (each block no wider than NC, so
     * A is packed per block there), on one and two threads, twice in a row on the same GEMM.
     */
    @Test
    void largeSharedAGivesTheBitsOfPerBlockPacking() {
        Case t = make(new int[] {1100, 3900, CpuGemm.NC + 40}, DType.F32, true, true, 600);
        MemorySegment wseg = weight(t.w(), DType.F32, true);
        float[] blocks = t.c0().clone();
        CpuGemm one = new CpuGemm(POOL1);
        View a = new View(new HostBuffer(MemorySegment.ofArray(t.a())), DType.F32, 2, new int[] {1, t.m(), t.k()},
                new long[] {0, t.lda(), 1});
        for (int j0 = 0; j0 < t.n(); j0 += CpuGemm.NC) {
            int nc = Math.min(CpuGemm.NC, t.n() - j0);
            View b = new View(new HostBuffer(wseg), DType.F32, 1 + (long) j0 * t.ldw(), new int[] {1, t.k(), nc},
                    new long[] {0, 1, t.ldw()});
            View c = new View(new HostBuffer(MemorySegment.ofArray(blocks)), DType.F32, j0, new int[] {1, t.m(), nc},
                    new long[] {0, t.n(), 1});
            one.gemm(a, b, c, t.alpha(), t.beta());
        }
        assertArrayEquals(blocks, run(t, one, wseg), "1 thread, A packed once");
        assertArrayEquals(blocks, run(t, one, wseg), "1 thread, A packed once, second product");
        assertArrayEquals(blocks, run(t, POOL2, wseg), "2 threads, A packed once");
    }

    @Test
    void sameBitsForOneAndTwoThreads() {
        Case t = make(new int[] {130, 300, 67}, DType.BF16, false, true, 77);
        MemorySegment wseg = weight(t.w(), DType.BF16, false);
        assertArrayEquals(run(t, POOL1, wseg), run(t, POOL2, wseg),
                "1 and 2 threads, W widened");
        Case f = make(new int[] {9, 1536, 130}, DType.F32, false, false, 78);
        MemorySegment fseg = weight(f.w(), DType.F32, false);
        assertArrayEquals(run(f, POOL1, fseg), run(f, POOL2, fseg),
                "1 and 2 threads, W in place");
        Case r = make(new int[] {601, 270, 530}, DType.F32, false, true, 79);
        MemorySegment rseg = weight(r.w(), DType.F32, false);
        assertArrayEquals(run(r, POOL1, rseg), run(r, POOL2, rseg),
                "1 thread with blocks of 130 rows and 2 threads with blocks of 105");
    }

    /**
     * One to four rows of x by a weight (F32 on the heap, read in place; F32 in native memory, BF16 and F16, widened 512
     * floats of LANES rows at a time, a depth of 1024 ending on a chunk) go to WeightRowsGemv (the weight transposed LANES x LANES in
     * registers, one multiply-add per weight float and row): the same bits as the packed path and within the
     * reference's tolerance, on one and two threads (531 weight rows are three tasks), with alpha and beta, for c seen
     * transposed on the heap and in native memory; depths below, at and past one transposed block, past one KC, and
     * weights of fewer rows than a vector (one row, three) and with a partial last group. Five rows go elsewhere.
     */
    @Test
    void fewRowsGiveThePackedPathsBitsThroughTheMatrixVectorProduct() {
        long seed = 900;
        for (int m = 1; m <= 5; m++) {
            for (int[] kn : new int[][] {{1, 3}, {15, 17}, {16, 16}, {37, 1}, {300, 531}, {1024, 40}, {1543, 67}}) {
                for (int storage = 0; storage < 4; storage++) {
                    DType dtype = storage == 2 ? DType.BF16 : storage == 3 ? DType.F16 : DType.F32;
                    checkFewRows(new int[] {m, kn[0], kn[1]}, dtype, storage > 0, (m + kn[0] + storage) % 2 == 0,
                            seed += 3);
                }
            }
        }
    }

    private static void checkFewRows(int[] s, DType dtype, boolean nativeW, boolean accumulate, long seed) {
        Case t = make(s, dtype, nativeW, accumulate, seed);
        MemorySegment wseg = weight(t.w(), dtype, nativeW);
        CpuGemm.Mat b = new CpuGemm.Mat(wseg, dtype, 1, 1, t.ldw());
        assertEquals(s[0] <= 4 && WeightRowsGemv.AVAILABLE, WeightRowsGemv.applies(b, s[0], 144),
                s[0] + " rows: the matrix-vector path applies");
        for (CpuPool pool : new CpuPool[] {POOL1, POOL2}) {
            String what = s[0] + "x" + s[1] + "x" + s[2] + " W " + dtype + (nativeW ? " native" : " heap")
                    + (accumulate ? " alpha -1.5 beta 0.75" : "") + ", " + pool.threads() + " thread(s)";
            float[] got = run(t, new CpuGemm(pool), wseg);
            check(what, t, got);
            assertArrayEquals(run(t, new CpuGemm(pool, 0), wseg), got, what);
            for (boolean nativeC : new boolean[] {false, true}) {
                assertArrayEquals(transposedC(t, new CpuGemm(pool, 0), wseg, nativeC),
                        transposedC(t, new CpuGemm(pool), wseg, nativeC),
                        what + ", c transposed" + (nativeC ? " in native memory" : "") + ", x native");
            }
        }
    }

    /** WeightRowsGemm up to 144 rows on every machine, WeightRowsGemv off. */
    private static CpuGemm inPlace(CpuPool pool) {
        return new CpuGemm(pool, 144, CpuGemm.OWN_B_ROW_BLOCKS, 0);
    }

    /**
     * A short x times an F32 weight on the heap is computed without packing the weight (WeightRowsGemm, here for one
     * to four rows too, with WeightRowsGemv turned off, as it is where no transpose fits the vector width); each element
     * is the same chain of multiply-adds as the packed path's, so both give the same bits, on one and two threads,
     * with alpha and beta, for a c seen transposed (written through its strides, on the heap and in native memory)
     * and an x in native memory.
     */
    @Test
    void weightReadInPlaceGivesThePackedPathsBits() {
        assertEquals(CpuGemm.WIDE ? 64 : 144, WeightRowsGemm.MAX_ROWS, "the most rows read in place by default");
        long seed = 500;
        for (int[] s : new int[][] {{1, 1536, 37}, {16, 257, 5}, {17, 300, 123}, {60, 1000, 64}, {144, 520, 61},
            {3, 7, 2}}) {
            for (boolean accumulate : new boolean[] {false, true}) {
                Case t = make(s, DType.F32, false, accumulate, seed += 3);
                MemorySegment wseg = weight(t.w(), DType.F32, false);
                CpuGemm.Mat b = new CpuGemm.Mat(wseg, DType.F32, 1, 1, t.ldw());
                assertTrue(WeightRowsGemm.applies(b, t.m(), 144), "the weight is read in place");
                for (CpuPool pool : new CpuPool[] {POOL1, POOL2}) {
                    String what = s[0] + "x" + s[1] + "x" + s[2] + (accumulate ? " alpha -1.5 beta 0.75" : "")
                            + ", " + pool.threads() + " thread(s)";
                    float[] inPlace = run(t, inPlace(pool), wseg);
                    check(what, t, inPlace);
                    assertArrayEquals(run(t, new CpuGemm(pool, 0), wseg), inPlace, what);
                    for (boolean nativeC : new boolean[] {false, true}) {
                        assertArrayEquals(transposedC(t, new CpuGemm(pool, 0), wseg, nativeC),
                                transposedC(t, inPlace(pool), wseg, nativeC),
                                what + ", c transposed" + (nativeC ? " in native memory" : "") + ", x native");
                    }
                }
            }
        }
    }

    /** The case with c stored [n, m] and seen as [m, n] through its strides, and x copied into native memory. */
    private static float[] transposedC(Case t, CpuGemm gemm, MemorySegment wseg, boolean nativeC) {
        float[] c = new float[t.m() * t.n()];
        for (int i = 0; i < t.m(); i++) {
            for (int j = 0; j < t.n(); j++) {
                c[j * t.m() + i] = t.c0()[i * t.n() + j];
            }
        }
        MemorySegment xa = ARENA.allocate((long) t.a().length * 4, 4);
        MemorySegment.copy(t.a(), 0, xa, CpuMem.F32, 0, t.a().length);
        View a = new View(new HostBuffer(xa), DType.F32, 2, new int[] {1, t.m(), t.k()}, new long[] {0, t.lda(), 1});
        View b = new View(new HostBuffer(wseg), t.dtype(), 1, new int[] {1, t.k(), t.n()},
                new long[] {0, 1, t.ldw()});
        MemorySegment cseg = MemorySegment.ofArray(c);
        if (nativeC) {
            cseg = ARENA.allocate((long) c.length * 4, 4);
            MemorySegment.copy(c, 0, cseg, CpuMem.F32, 0, c.length);
        }
        View cv = new View(new HostBuffer(cseg), DType.F32, 0, new int[] {1, t.m(), t.n()}, new long[] {0, 1, t.m()});
        gemm.gemm(a, b, cv, t.alpha(), t.beta());
        if (nativeC) {
            MemorySegment.copy(cseg, CpuMem.F32, 0, c, 0, c.length);
        }
        return c;
    }

    @Test
    void rowBlocksShareOutEvenlyOverTheThreads() {
        assertEquals(CpuGemm.WIDE ? 12 : 5, CpuGemm.MR, "tile height for " + CpuMem.LANES + "-float vectors");
        assertEquals(CpuGemm.roundUp(130, CpuGemm.MR), CpuGemm.MC);
        assertEquals(CpuGemm.rowBlock(632, 2, CpuGemm.MR, CpuGemm.MC), CpuGemm.rowBlock(632, 2));
        // the 5-row tile of 256-bit vectors, blocks of 130 rows
        assertEquals(130, CpuGemm.rowBlock(632, 1, 5, 130), "one thread: MC");
        assertEquals(130, CpuGemm.rowBlock(128, 2, 5, 130), "one block, split by columns");
        assertEquals(130, CpuGemm.rowBlock(298, 2, 5, 130), "three blocks, split by columns as well");
        assertEquals(130, CpuGemm.rowBlock(1024, 2, 5, 130), "eight blocks share out evenly");
        assertEquals(110, CpuGemm.rowBlock(632, 2, 5, 130), "five blocks become six: 5 x 110 + 82");
        assertEquals(105, CpuGemm.rowBlock(601, 2, 5, 130), "5 x 105 + 76");
        assertEquals(100, CpuGemm.rowBlock(781, 2, 5, 130), "seven blocks become eight");
        assertEquals(105, CpuGemm.rowBlock(910, 3, 5, 130), "seven blocks become nine on three threads");
        // the 12-row tile of 512-bit vectors, blocks of 132 rows
        assertEquals(132, CpuGemm.rowBlock(632, 1, 12, 132), "one thread: MC");
        assertEquals(132, CpuGemm.rowBlock(1056, 2, 12, 132), "eight blocks share out evenly");
        assertEquals(108, CpuGemm.rowBlock(632, 2, 12, 132), "five blocks become six: 5 x 108 + 92");
        assertEquals(120, CpuGemm.rowBlock(901, 2, 12, 132), "seven blocks become eight: 7 x 120 + 61");
        assertEquals(108, CpuGemm.rowBlock(910, 3, 12, 132), "seven blocks become nine on three threads");
        assertEquals(108, CpuGemm.rowBlock(2881, 4, 12, 132), "no multiple of four: 27 blocks, one thread idle last");
        for (int[] tile : new int[][] {{5, 130}, {12, 132}}) {
            int mr = tile[0];
            int mc = tile[1];
            for (int m = 1; m <= 3000; m++) {
                for (int threads = 1; threads <= 4; threads++) {
                    int rows = CpuGemm.rowBlock(m, threads, mr, mc);
                    int blocks = (m + rows - 1) / rows;
                    int before = (m + mc - 1) / mc;
                    String what = m + " rows on " + threads + " threads, tile " + mr + ": " + blocks + " blocks of "
                            + rows;
                    assertEquals(0, rows % mr, what);
                    assertTrue(rows <= mc, what);
                    assertTrue(rows == mc || blocks >= before && blocks <= 2 * before, what);
                    // the last round of blocks keeps at least all but one thread busy
                    int idle = blocks % threads == 0 ? 0 : threads - blocks % threads;
                    assertTrue(idle <= 1 || rows == mc && before < 2 * threads, what);
                    if (threads == 2 && rows != mc) {
                        assertEquals(0, blocks % 2, what);
                    }
                }
            }
        }
    }

    @Test
    void jitStable() {
        Case t = make(new int[] {7, 43, 5}, DType.F32, false, false, 91);
        MemorySegment wseg = weight(t.w(), DType.F32, false);
        JitStabilityTest.stable("transposed-weight gemm", () -> run(t, POOL1, wseg));
    }
}
