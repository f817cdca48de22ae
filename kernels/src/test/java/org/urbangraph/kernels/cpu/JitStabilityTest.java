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
