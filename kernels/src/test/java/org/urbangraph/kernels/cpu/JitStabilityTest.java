package org.urbangraph.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.urbangraph.kernels.AttentionMask;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.HostBuffer;
import org.urbangraph.kernels.UnaryOp;
import org.urbangraph.kernels.View;

/**
 * The same inputs give the same bits on the first call (interpreted) and after thousands of calls (compiled): no
 * kernel may depend on whether the JIT has compiled it. The Vector API's own transcendentals and reduceLanes did.
 */
class JitStabilityTest {

    static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 8 - 4);
        }
        return v;
    }

    static View view(float[] a, int... shape) {
        return View.contiguous(new HostBuffer(MemorySegment.ofArray(a)), DType.F32, 0, shape);
    }

    interface Kernel {
        float[] run();
    }

    static void stable(String what, Kernel k) {
        float[] first = k.run();
        for (int i = 0; i < 3000; i++) {
            k.run();
        }
        assertArrayEquals(first, k.run(), what + ": the compiled kernel gives other bits than the first call");
    }

    @Test
    void elementwiseSoftmaxNormsAndAttentionAreJitStable() {
        CpuBackend be = CpuBackend.defaultInstance();
        float[] x = random(67, 1);
        for (UnaryOp op : new UnaryOp[] {UnaryOp.EXP, UnaryOp.SILU, UnaryOp.GELU_ERF, UnaryOp.GELU_TANH, UnaryOp.TANH,
                UnaryOp.QUICK_GELU, UnaryOp.LOG}) {
            stable(op.name(), () -> {
                float[] in = op == UnaryOp.LOG ? abs(x) : x;
                float[] y = new float[67];
                be.unary(op, view(in, 67), view(y, 67), 0, 0);
                return y;
            });
        }
        float[] rows = random(5 * 37, 2);
        stable("softmax", () -> {
            float[] y = new float[rows.length];
            be.softmax(view(rows, 5, 37), view(y, 5, 37), false);
            return y;
        });
        float[] w = random(37, 3);
        stable("layer norm", () -> {
            float[] y = new float[rows.length];
            be.layerNorm(view(rows, 5, 37), view(w, 37), null, 1e-5f, view(y, 5, 37), null, null);
            return y;
        });
        float[] q = random(2 * 9 * 16, 4);
        float[] k = random(2 * 9 * 16, 5);
        float[] v = random(2 * 9 * 16, 6);
        stable("attention", () -> {
            float[] o = new float[q.length];
            be.attention(view(q, 1, 2, 9, 16), view(k, 1, 2, 9, 16), view(v, 1, 2, 9, 16), AttentionMask.CAUSAL,
                    0.25f, view(o, 1, 2, 9, 16), null);
            return o;
        });
    }

    static View ids(int n, int bound, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextInt(bound);
        }
        return View.contiguous(new HostBuffer(MemorySegment.ofArray(v)), DType.I32, 0, n);
    }

    @Test
    void graphAttentionKernelsAreJitStable() {
        CpuBackend be = CpuBackend.defaultInstance();
        int n = 9;
        int e = 31;
        int h = 3;
        int c = 37;
        float[] xl = random(n * h * c, 8);
        float[] xr = random(n * h * c, 9);
        float[] p = random(e * h * c, 10);
        float[] att = random(h * c, 11);
        float[] dl = random(e * h, 12);
        View src = ids(e, n, 13);
        View dst = ids(e, n, 14);
        stable("gatv2 logits", () -> {
            float[] out = new float[e * h];
            be.gatv2Logits(view(xl, n, h, c), view(xr, n, h, c), view(p, e, h, c), src, dst, view(att, h, c), 0.2f,
                    view(out, e, h));
            return out;
        });
        stable("gatv2 logits backward", () -> {
            float[] dxl = new float[n * h * c];
            float[] dxr = new float[n * h * c];
            float[] dp = new float[e * h * c];
            float[] dAtt = new float[h * c];
            be.gatv2LogitsBackward(view(xl, n, h, c), view(xr, n, h, c), view(p, e, h, c), src, dst, view(att, h, c),
                    0.2f, view(dl, e, h), view(dxl, n, h, c), view(dxr, n, h, c), view(dp, e, h, c), view(dAtt, h, c));
            return concat(dxl, dxr, dp, dAtt);
        });
        stable("edge aggregate and backward", () -> {
            float[] out = new float[n * c];
            float[] dx = new float[n * h * c];
            float[] dw = new float[e * h];
            be.edgeAggregate(view(xl, n, h, c), view(dl, e, h), src, dst, true, view(out, n, c));
            be.edgeAggregateBackward(view(xl, n, h, c), view(dl, e, h), src, dst, true, view(xr, n, c), view(dx, n, h, c),
                    view(dw, e, h));
            return concat(out, dx, dw);
        });
    }

    static float[] concat(float[]... parts) {
        int n = 0;
        for (float[] a : parts) {
            n += a.length;
        }
        float[] out = new float[n];
        int at = 0;
        for (float[] a : parts) {
            System.arraycopy(a, 0, out, at, a.length);
            at += a.length;
        }
        return out;
    }

    @Test
    void expMatchesTheExactValueWithinOneUlpAndItsScalarTwin() {
        for (float x = -90f; x < 90f; x += 0.0137f) {
            float v = VecMath.exp(x);
            double exact = Math.exp(x);
            if (x > -87 && x < 88.7) {
                assertEquals(exact, v, 2 * Math.ulp((float) exact), "exp(" + x + ")");
            }
        }
        assertEquals(0f, VecMath.exp(Float.NEGATIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, VecMath.exp(100f));
        float[] xs = random(CpuMem.LANES, 7);
        float[] vec = VecMath.exp(jdk.incubator.vector.FloatVector.fromArray(CpuMem.F, xs, 0)).toArray();
        for (int i = 0; i < xs.length; i++) {
            assertEquals(Float.floatToIntBits(VecMath.exp(xs[i])), Float.floatToIntBits(vec[i]), "lane " + i);
        }
    }

    static float[] abs(float[] a) {
        float[] b = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Math.abs(a[i]) + 0.1f;
        }
        return b;
    }
}
