package org.urbangraph.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.HostAccess;

/** Forward semantics of the tensor API on hand-checked values: views, broadcasting, reductions, dtypes, autograd rules. */
class TensorTest {

    private static Tensor t(float[] v, int... shape) {
        return Tensor.of(v, shape);
    }

    @Test
    void viewsShareStorageAndCopiesDoNot() {
        Tensor a = Tensor.arange(0, 12).to(DType.F32).reshape(3, 4);
        Tensor tr = a.transpose(0, 1);
        assertSame(a.buffer(), tr.buffer());
        assertFalse(tr.isContiguous());
        assertArrayEquals(new float[] {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}, tr.toFloatArray());
        assertArrayEquals(new float[] {5, 6}, a.narrow(0, 1, 1).narrow(1, 1, 2).toFloatArray());
        assertArrayEquals(new float[] {1, 3, 9, 11}, a.slice(0, 0, 3, 2).slice(1, 1, 4, 2).toFloatArray());
        Tensor c = tr.contiguous();
        assertTrue(c.isContiguous());
        assertFalse(c.buffer() == a.buffer());
        assertSame(a.buffer(), a.reshape(2, 6).buffer(), "a contiguous reshape is a view");
        assertFalse(tr.reshape(12).buffer() == a.buffer(), "reshape of a transposed tensor copies");
        assertThrows(IllegalStateException.class, () -> tr.view(12));
        assertArrayEquals(new int[] {4, 3}, tr.shape());
        assertEquals(7.0, a.get(1, 3));
        assertEquals(7.0, tr.get(3, 1));
    }

    @Test
    void broadcastingFollowsNumpy() {
        Tensor a = t(new float[] {1, 2, 3}, 3, 1);
        Tensor b = t(new float[] {10, 20}, 2);
        Tensor s = a.add(b);
        assertArrayEquals(new int[] {3, 2}, s.shape());
        assertArrayEquals(new float[] {11, 21, 12, 22, 13, 23}, s.toFloatArray());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> t(new float[] {1, 2, 3}, 3).add(b));
        assertTrue(e.getMessage().contains("[3]") && e.getMessage().contains("[2]"), e.getMessage());
        Tensor ex = t(new float[] {1, 2}, 2, 1).expand(2, 3);
        assertArrayEquals(new float[] {1, 1, 1, 2, 2, 2}, ex.toFloatArray());
    }

    @Test
    void reductionsOnKnownValues() {
        Tensor x = t(new float[] {1, -2, 3, 4, 0.5f, -6}, 2, 3);
        assertArrayEquals(new float[] {2, -1.5f}, x.sum(1, false).toFloatArray());
        assertArrayEquals(new float[] {5, -1.5f, -3}, x.sum(0, false).toFloatArray());
        assertEquals(0.5 / 6, x.mean().item(), 1e-6);
        assertArrayEquals(new float[] {3, 4}, x.max(1, false).toFloatArray());
        assertArrayEquals(new long[] {2, 0}, x.argmax(1, false).toLongArray());
        float lse = (float) Math.log(Math.exp(1) + Math.exp(-2) + Math.exp(3));
        assertEquals(lse, x.logsumexp(1, false).toFloatArray()[0], 1e-6);
        assertArrayEquals(new int[] {2, 1}, x.sum(1, true).shape());
        assertEquals(0.5, x.sum().item(), 1e-6);
    }

    @Test
    void catStackSplitChunk() {
        Tensor a = t(new float[] {1, 2, 3, 4}, 2, 2);
        Tensor b = t(new float[] {5, 6}, 1, 2);
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, Layout.cat(List.of(a, b), 0).toFloatArray());
        Tensor s = Layout.stack(List.of(a, a.mul(10)), 0);
        assertArrayEquals(new int[] {2, 2, 2}, s.shape());
        assertArrayEquals(new float[] {1, 2, 3, 4, 10, 20, 30, 40}, s.toFloatArray());
        Tensor[] parts = Tensor.arange(0, 7).split(3, 0);
        assertEquals(3, parts.length);
        assertArrayEquals(new long[] {6}, parts[2].toLongArray());
        assertEquals(3, Tensor.arange(0, 7).chunk(3, 0).length);
        assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5}, Layout.cat(List.of(Tensor.arange(0, 3), Tensor.arange(3, 6)), 0)
                .toLongArray());
    }

    @Test
    void matmulValues() {
        Tensor a = t(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor b = t(new float[] {7, 8, 9, 10, 11, 12}, 3, 2);
        assertArrayEquals(new float[] {58, 64, 139, 154}, a.matmul(b).toFloatArray());
        Tensor w = b.mT().to(DType.BF16); // a BF16 weight [2, 3] used transposed, as a Linear does
        assertArrayEquals(new float[] {58, 64, 139, 154}, Functional.linear(a, w, null).toFloatArray());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.matmul(a));
        assertTrue(e.getMessage().contains("inner dimensions 3 and 2"), e.getMessage());
    }

    @Test
    void dtypeConversionsRoundToNearestEven() {
        // 1 + 2^-8 lies halfway between two BF16 values: ties to even gives 1.0; 1 + 3*2^-8 rounds up
        Tensor x = t(new float[] {1f + 0x1p-8f, 1f + 3 * 0x1p-8f, -2.5f, 65504f, 1e-8f}, 5);
        float[] bf = x.to(DType.BF16).toFloatArray();
        assertEquals(1.0f, bf[0]);
        assertEquals(1f + 4 * 0x1p-8f, bf[1]);
        assertEquals(-2.5f, bf[2]);
        float[] h = x.to(DType.F16).toFloatArray();
        assertEquals(65504f, h[3]);
        assertEquals(Float.float16ToFloat(Float.floatToFloat16(1e-8f)), h[4]);
        assertEquals((short) 0x3F80, HostAccess.floatToBf16(1.0f));
        assertArrayEquals(new long[] {1, -2, 3}, t(new float[] {1.7f, -2.9f, 3.2f}, 3).to(DType.I64).toLongArray());
        assertArrayEquals(new float[] {1, 0, 1}, Pointwise.compare(org.urbangraph.kernels.BinaryOp.GT,
                t(new float[] {2, -1, 5}, 3), Tensor.scalar(0)).to(DType.F32).toFloatArray());
    }

    @Test
    void randomTensorsAreSeededAndPlausible() {
        float[] a = Tensor.randn(7, 10_000).toFloatArray();
        float[] b = Tensor.randn(7, 10_000).toFloatArray();
        assertArrayEquals(a, b);
        assertFalse(java.util.Arrays.equals(a, Tensor.randn(8, 10_000).toFloatArray()));
        double mean = 0;
        double var = 0;
        for (float v : a) {
            mean += v;
        }
        mean /= a.length;
        for (float v : a) {
            var += (v - mean) * (v - mean);
        }
        var /= a.length;
        assertEquals(0, mean, 0.04);
        assertEquals(1, var, 0.05);
        float[] u = Tensor.rand(3, 1000).toFloatArray();
        for (float v : u) {
            assertTrue(v >= 0 && v < 1);
        }
    }

    @Test
    void gradientsAccumulateAndGraphsAreFreed() {
        Tensor w = t(new float[] {1, 2, 3}, 3).requiresGrad(true);
        Tensor y = w.mul(w).sum();
        y.backward();
        assertArrayEquals(new float[] {2, 4, 6}, w.grad().toFloatArray());
        w.mul(3).sum().backward();
        assertArrayEquals(new float[] {5, 7, 9}, w.grad().toFloatArray(), "gradients accumulate");
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("freed"), e.getMessage());
        w.zeroGrad();
        assertNull(w.grad());
    }

    @Test
    void retainGradKeepsIntermediateGradients() {
        Tensor x = t(new float[] {1, 2}, 2).requiresGrad(true);
        Tensor h = x.mul(3).retainGrad();
        h.mul(h).sum().backward();
        assertArrayEquals(new float[] {6, 12}, h.grad().toFloatArray());
        assertArrayEquals(new float[] {18, 36}, x.grad().toFloatArray());
    }

    @Test
    void noGradScopeRecordsNothing() {
        Tensor x = t(new float[] {1, 2}, 2).requiresGrad(true);
        Tensor y;
        try (NoGrad g = NoGrad.enter()) {
            y = x.mul(2);
        }
        assertFalse(y.requiresGrad());
        assertNull(y.gradFn());
        assertTrue(x.mul(2).requiresGrad());
        assertEquals("affine", x.mul(2).gradFn());
        Tensor d = x.mul(2).detach();
        assertFalse(d.requiresGrad());
        assertThrows(IllegalArgumentException.class, () -> Tensor.arange(0, 3).requiresGrad(true));
    }

    @Test
    void inPlaceWritesAreRefusedInsideAGraph() {
        Tensor x = t(new float[] {1, 2}, 2).requiresGrad(true);
        Tensor y = x.mul(2);
        assertThrows(IllegalStateException.class, () -> y.fill(0));
        Tensor buf = Tensor.zeros(2, 2);
        buf.narrow(0, 1, 1).copyFrom(t(new float[] {5, 6}, 2));
        assertArrayEquals(new float[] {0, 0, 5, 6}, buf.toFloatArray());
    }

    @Test
    void embeddingReportsBadIds() {
        Tensor table = Tensor.randn(1, 5, 3).named("model.embed_tokens.weight");
        Tensor ids = Tensor.of(new long[] {1, 7}, 2);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> Indexing.embedding(table, ids));
        assertTrue(e.getMessage().contains("model.embed_tokens.weight") && e.getMessage().contains("7"), e.getMessage());
    }

    @Test
    void softmaxAndCrossEntropyValues() {
        Tensor logits = t(new float[] {1, 2, 3, 0, 0, 0}, 2, 3);
        float[] p = logits.softmax(-1).toFloatArray();
        double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
        assertEquals(Math.exp(3) / z, p[2], 1e-6);
        assertEquals(1.0 / 3, p[4], 1e-6);
        Tensor target = Tensor.of(new long[] {2, 1}, 2);
        double expected = (-(3 - Math.log(z)) + Math.log(3)) / 2;
        assertEquals(expected, Functional.crossEntropy(logits, target, 0).item(), 1e-6);
    }

    @Test
    void l2NormalizeOfAZeroRowIsZeroWithAFiniteGradient() {
        Tensor x = t(new float[] {3, 4, 0, 0}, 2, 2).requiresGrad(true);
        Tensor y = Functional.l2Normalize(x, -1, 1e-12);
        assertArrayEquals(new float[] {0.6f, 0.8f, 0, 0}, y.toFloatArray(), 1e-7f);
        y.mul(t(new float[] {1, 2, 3, 4}, 2, 2)).sum().backward();
        float[] g = x.grad().toFloatArray();
        // row 0: (w - y (w . y)) / ||x||; row 1 as torch: w / eps
        assertArrayEquals(new float[] {(1 - 0.6f * 2.2f) / 5, (2 - 0.8f * 2.2f) / 5}, new float[] {g[0], g[1]}, 1e-6f);
        assertEquals(3e12, g[2], 3e12 * 1e-6);
        assertEquals(4e12, g[3], 4e12 * 1e-6);
    }

    @Test
    void layerNormMatchesHandComputation() {
        Tensor x = t(new float[] {1, 2, 3, 4}, 1, 4);
        float[] y = Functional.layerNorm(x, null, null, 0).toFloatArray();
        double sd = Math.sqrt(1.25);
        assertEquals(-1.5 / sd, y[0], 1e-6);
        assertEquals(1.5 / sd, y[3], 1e-6);
        float[] r = Functional.rmsNorm(x, t(new float[] {1, 1, 1, 2}, 4), 0).toFloatArray();
        double rms = Math.sqrt((1 + 4 + 9 + 16) / 4.0);
        assertEquals(4 / rms * 2, r[3], 1e-5);
    }
}
