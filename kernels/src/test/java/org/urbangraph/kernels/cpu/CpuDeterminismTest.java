package org.urbangraph.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.urbangraph.kernels.AttentionMask;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.HostBuffer;
import org.urbangraph.kernels.ReduceOp;
import org.urbangraph.kernels.View;

/**
 * Same inputs, different thread counts, same bits: the backend splits work at boundaries fixed by the shapes and sums
 * every output in one order. Also the {@code ug.threads} setting.
 */
class CpuDeterminismTest {

    private static final CpuBackend ONE = CpuBackend.withThreads(1);
    private static final CpuBackend THREE = CpuBackend.withThreads(3);

    @AfterEach
    void clearProperty() {
        System.clearProperty(CpuBackend.THREADS_PROPERTY);
    }

    private static View random(long seed, int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        float[] v = new float[n];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return View.contiguous(new HostBuffer(MemorySegment.ofArray(v)), DType.F32, 0, shape);
    }

    private static View zeros(int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        return View.contiguous(HostBuffer.allocate(DType.F32, n), DType.F32, 0, shape);
    }

    private static float[] read(View v) {
        return ((HostBuffer) v.buffer()).segment().toArray(ValueLayout.JAVA_FLOAT);
    }

    @Test
    void gemmBitsDoNotDependOnThreads() {
        View a = random(1, 1, 300, 700);
        View b = random(2, 1, 700, 530);
        View c1 = zeros(1, 300, 530);
        View c3 = zeros(1, 300, 530);
        ONE.gemm(a, b, c1, 1f, 0f);
        THREE.gemm(a, b, c3, 1f, 0f);
        assertArrayEquals(read(c1), read(c3));
    }

    @Test
    void attentionBitsDoNotDependOnThreads() {
        // 150 positions take the tiled forward, 300 the row-block forward through the packed GEMM
        for (int len : new int[] {150, 300}) {
            View q = random(3, 1, 4, len, 64);
            View k = random(4, 1, 2, len, 64);
            View v = random(5, 1, 2, len, 64);
            View dOut = random(6, 1, 4, len, 64);
            View[] outs = new View[2];
            View[] grads = new View[6];
            CpuBackend[] backends = {ONE, THREE};
            for (int i = 0; i < 2; i++) {
                View out = zeros(1, 4, len, 64);
                View lse = zeros(1, 4, len);
                backends[i].attention(q, k, v, AttentionMask.CAUSAL, 0.125f, out, lse);
                View dq = zeros(1, 4, len, 64);
                View dk = zeros(1, 2, len, 64);
                View dv = zeros(1, 2, len, 64);
                backends[i].attentionBackward(q, k, v, AttentionMask.CAUSAL, 0.125f, out, lse, dOut, dq, dk, dv);
                outs[i] = out;
                grads[3 * i] = dq;
                grads[3 * i + 1] = dk;
                grads[3 * i + 2] = dv;
            }
            assertArrayEquals(read(outs[0]), read(outs[1]), "attention output, length " + len);
            for (int g = 0; g < 3; g++) {
                assertArrayEquals(read(grads[g]), read(grads[3 + g]), "attention gradient " + g + ", length " + len);
            }
        }
    }

    @Test
    void normGradientsAndSumsDoNotDependOnThreads() {
        View x = random(7, 999, 129);
        View w = random(8, 129);
        View dy = random(9, 999, 129);
        float[][] dws = new float[2][];
        float[][] sums = new float[2][];
        CpuBackend[] backends = {ONE, THREE};
        for (int i = 0; i < 2; i++) {
            View out = zeros(999, 129);
            View mean = zeros(999);
            View rstd = zeros(999);
            backends[i].layerNorm(x, w, null, 1e-5f, out, mean, rstd);
            View dw = zeros(129);
            backends[i].layerNormBackward(x, w, mean, rstd, dy, zeros(999, 129), dw, zeros(129));
            dws[i] = read(dw);
            View s = zeros(1, 129);
            backends[i].reduce(ReduceOp.SUM, x, 0, s);
            sums[i] = read(s);
        }
        assertArrayEquals(dws[0], dws[1], "LayerNorm weight gradient");
        assertArrayEquals(sums[0], sums[1], "column sums");
    }

    @Test
    void graphAttentionBitsDoNotDependOnThreads() {
        int n = 700;
        int e = 5000;
        int h = 4;
        int c = 45;
        View xl = random(10, n, h, c);
        View xr = random(11, n, h, c);
        View p = random(12, e, h, c);
        View att = random(13, h, c);
        View dl = random(14, e, h);
        View src = JitStabilityTest.ids(e, n, 15);
        View dst = JitStabilityTest.ids(e, n, 16);
        float[][] results = new float[2][];
        CpuBackend[] backends = {ONE, THREE};
        for (int i = 0; i < 2; i++) {
            View logits = zeros(e, h);
            backends[i].gatv2Logits(xl, xr, p, src, dst, att, 0.2f, logits);
            View dxl = zeros(n, h, c);
            View dxr = zeros(n, h, c);
            View dp = zeros(e, h, c);
            View dAtt = zeros(h, c);
            backends[i].gatv2LogitsBackward(xl, xr, p, src, dst, att, 0.2f, dl, dxl, dxr, dp, dAtt);
            View out = zeros(n, c);
            backends[i].edgeAggregate(xl, dl, src, dst, true, out);
            View dx = zeros(n, h, c);
            View dw = zeros(e, h);
            backends[i].edgeAggregateBackward(xl, dl, src, dst, true, random(17, n, c), dx, dw);
            results[i] = JitStabilityTest.concat(read(logits), read(dxl), read(dxr), read(dp), read(dAtt), read(out),
                    read(dx), read(dw));
        }
        assertArrayEquals(results[0], results[1], "graph attention kernels with 1 and 3 threads");
    }

    @Test
    void threadSettingIsReadAndChecked() {
        System.setProperty(CpuBackend.THREADS_PROPERTY, "3");
        assertEquals(3, CpuBackend.threadsSetting());
        System.clearProperty(CpuBackend.THREADS_PROPERTY);
        assertEquals(Runtime.getRuntime().availableProcessors(), CpuBackend.threadsSetting());
        System.setProperty(CpuBackend.THREADS_PROPERTY, "zero");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, CpuBackend::threadsSetting);
        assertTrue(e.getMessage().contains("ug.threads=zero"), e.getMessage());
        assertEquals(3, THREE.threads());
    }
}
