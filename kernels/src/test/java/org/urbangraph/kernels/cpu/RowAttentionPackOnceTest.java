package org.urbangraph.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.urbangraph.kernels.AttentionMask;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.HostBuffer;
import org.urbangraph.kernels.View;

/**
 * The row-block attention forward packs a key range's keys and values once for a run of query blocks: the same bits
 * as packing them again inside each block's products, whatever the mask (images as segments, causal, windows,
 * padding), the head sizes (80-wide heads end on a partial panel) and the thread count. Also the packed product
 * itself against {@link CpuGemm#serial}; and the row-block backward against the tiled one.
 */
class RowAttentionPackOnceTest {

    private static final String PROPERTY = "ug.attention.packOnce";
    private static final String ROW_BACKWARD = "ug.attention.rowBackward";

    @AfterEach
    void clearProperty() {
        System.clearProperty(PROPERTY);
        System.clearProperty(ROW_BACKWARD);
    }

    private static float[] randomArray(long seed, int n) {
        float[] v = new float[n];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 4 - 2);
        }
        return v;
    }

    private static View random(long seed, int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        return View.contiguous(new HostBuffer(MemorySegment.ofArray(randomArray(seed, n))), DType.F32, 0, shape);
    }

    private static View zeros(int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        return View.contiguous(HostBuffer.allocate(DType.F32, n), DType.F32, 0, shape);
    }

    private static View longs(long[] values, int... shape) {
        return View.contiguous(new HostBuffer(MemorySegment.ofArray(values)), DType.I64, 0, shape);
    }

    private static float[] read(View v) {
        return ((HostBuffer) v.buffer()).segment().toArray(ValueLayout.JAVA_FLOAT);
    }

    private record Case(String name, int batch, int hq, int hk, int len, int d, int dv, AttentionMask mask) {}

    private static Case[] cases() {
        // two images of 320 patches in one sequence (sorted segment ids: each block sees only its image's keys), the
        // vision tower's shape scaled down
        long[] images = new long[640];
        for (int i = 0; i < images.length; i++) {
            images[i] = i / 320;
        }
        View seg = longs(images, 1, 640);
        // a second sequence padded at its start and at random places
        long[] pad = new long[2 * 300];
        SplittableRandom r = new SplittableRandom(9);
        for (int i = 0; i < pad.length; i++) {
            pad[i] = i >= 300 && i < 310 || r.nextInt(7) == 0 ? 0 : 1;
        }
        return new Case[] {
            new Case("two images", 1, 4, 4, 640, 80, 80, AttentionMask.NONE.withSegments(seg, seg)),
            new Case("causal, grouped heads", 1, 4, 2, 300, 64, 48, AttentionMask.CAUSAL),
            new Case("window", 1, 2, 1, 290, 33, 37, AttentionMask.CAUSAL.withWindow(100)),
            new Case("padding", 2, 3, 3, 300, 80, 40, AttentionMask.NONE.withKeyPadding(longs(pad, 2, 300)))};
    }

    @Test
    void packingTheKeysOncePerRunGivesTheBitsOfPackingThemPerBlock() {
        for (Case c : cases()) {
            assertTrue(RowAttention.suits(c.len(), c.len()), c.name() + " takes the row-block forward");
            View q = random(1, c.batch(), c.hq(), c.len(), c.d());
            View k = random(2, c.batch(), c.hk(), c.len(), c.d());
            View v = random(3, c.batch(), c.hk(), c.len(), c.dv());
            float[][] outs = new float[4][];
            float[][] lses = new float[4][];
            int i = 0;
            for (String packOnce : new String[] {"false", "true"}) {
                System.setProperty(PROPERTY, packOnce);
                for (int threads : new int[] {1, 3}) {
                    CpuBackend backend = CpuBackend.withThreads(threads);
                    View out = zeros(c.batch(), c.hq(), c.len(), c.dv());
                    View lse = zeros(c.batch(), c.hq(), c.len());
                    backend.attention(q, k, v, c.mask(), 0.125f, out, lse);
                    outs[i] = read(out);
                    lses[i] = read(lse);
                    i++;
                }
            }
            boolean nonZero = false;
            for (float x : outs[0]) {
                nonZero |= x != 0f;
            }
            assertTrue(nonZero, c.name() + ": the output is not all zeros");
            for (int j = 1; j < 4; j++) {
                assertArrayEquals(outs[0], outs[j], c.name() + ", run " + j + " (pack once: " + (j >= 2) + ")");
                assertArrayEquals(lses[0], lses[j], c.name() + " log-sum-exp, run " + j);
            }
        }
    }

    /** dq, dk, dv of one backward, flattened in that order. */
    private static float[][] backward(Case c, CpuBackend backend, View q, View k, View v, View dOut) {
        View out = zeros(c.batch(), c.hq(), c.len(), c.dv());
        View lse = zeros(c.batch(), c.hq(), c.len());
        backend.attention(q, k, v, c.mask(), 0.125f, out, lse);
        View dq = zeros(c.batch(), c.hq(), c.len(), c.d());
        View dk = zeros(c.batch(), c.hk(), c.len(), c.d());
        View dv = zeros(c.batch(), c.hk(), c.len(), c.dv());
        backend.attentionBackward(q, k, v, c.mask(), 0.125f, out, lse, dOut, dq, dk, dv);
        return new float[][] {read(dq), read(dk), read(dv)};
    }

    @Test
    void theRowBackwardAgreesWithTheTiledOneAndDoesNotDependOnThreads() {
        for (Case c : cases()) {
            View q = random(4, c.batch(), c.hq(), c.len(), c.d());
            View k = random(5, c.batch(), c.hk(), c.len(), c.d());
            View v = random(6, c.batch(), c.hk(), c.len(), c.dv());
            View dOut = random(7, c.batch(), c.hq(), c.len(), c.dv());
            System.setProperty(ROW_BACKWARD, "false");
            float[][] tiled = backward(c, CpuBackend.withThreads(1), q, k, v, dOut);
            System.clearProperty(ROW_BACKWARD);
            CpuBackend one = CpuBackend.withThreads(1);
            assertTrue(new RowAttention(new CpuPool(1), new CpuGemm(new CpuPool(1)))
                    .suitsBackward(c.batch(), c.hq(), c.len(), c.len(), c.d(), c.dv()), c.name() + " takes the rows");
            float[][] rows = backward(c, one, q, k, v, dOut);
            float[][] rowsThree = backward(c, CpuBackend.withThreads(3), q, k, v, dOut);
            String[] names = {"dq", "dk", "dv"};
            for (int g = 0; g < 3; g++) {
                assertArrayEquals(rows[g], rowsThree[g], c.name() + " " + names[g] + ": one thread against three");
                double scale = 0;
                for (float x : tiled[g]) {
                    scale = Math.max(scale, Math.abs(x));
                }
                assertTrue(scale > 0, c.name() + " " + names[g] + " is not all zeros");
                for (int i = 0; i < tiled[g].length; i++) {
                    double diff = Math.abs(rows[g][i] - tiled[g][i]);
                    if (diff > 2e-5 * scale) {
                        throw new AssertionError(c.name() + " " + names[g] + "[" + i + "]: rows " + rows[g][i]
                                + ", tiles " + tiled[g][i] + " (largest magnitude " + scale + ")");
                    }
                }
            }
        }
    }

    @Test
    void thePackedProductGivesTheBitsOfTheSerialOne() {
        CpuGemm gemm = new CpuGemm(new CpuPool(1));
        // depths over one and several depth blocks, widths ending on partial panels, rows over one row block
        int[][] shapes = {{64, 80, 1024}, {37, 1024, 80}, {200, 300, 45}, {5, 129, 33}, {150, 7, 530}};
        for (int[] s : shapes) {
            int m = s[0];
            int k = s[1];
            int n = s[2];
            float[] a = randomArray(11, m * k);
            float[] b = randomArray(12, k * n + 3);
            float[] want = new float[m * n];
            float[] got = new float[m * n];
            // b starts 3 floats into its array, as a key range that does not start at the first key
            gemm.serial(CpuGemm.rows(a, 0, k), CpuGemm.rows(b, 3, n), CpuGemm.rows(want, 0, n), m, n, k, 0.5f);
            float[] bp = new float[CpuGemm.packedSize(k, n)];
            gemm.packWhole(CpuGemm.rows(b, 3, n), k, n, bp);
            gemm.serialPacked(CpuGemm.rows(a, 0, k), bp, CpuGemm.rows(got, 0, n), m, n, k, 0.5f);
            assertArrayEquals(want, got, m + " x " + k + " x " + n);
            // and b seen transposed (not contiguous in n): the general packing
            CpuGemm.Mat bt = new CpuGemm.Mat(MemorySegment.ofArray(b), DType.F32, 3, 1, k);
            gemm.serial(CpuGemm.rows(a, 0, k), bt, CpuGemm.rows(want, 0, n), m, n, k, 0.5f);
            gemm.packWhole(bt, k, n, bp);
            gemm.serialPacked(CpuGemm.rows(a, 0, k), bp, CpuGemm.rows(got, 0, n), m, n, k, 0.5f);
            assertArrayEquals(want, got, m + " x " + k + " x " + n + ", b transposed");
        }
    }
}
