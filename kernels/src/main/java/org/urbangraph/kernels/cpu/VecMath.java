package org.urbangraph.kernels.cpu;

import static org.urbangraph.kernels.cpu.CpuMem.F;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Transcendentals and reductions built only from IEEE-exact lane operations (add, mul, fma, compare, bit moves), so
 * a kernel gives the same bits whether the JIT has compiled it yet or not. The Vector API's own EXP, LOG, TANH ...
 * (SVML stubs once compiled, {@code Math} calls before) and {@code reduceLanes(ADD)} (unspecified order) do not, and
 * that broke the same-inputs-same-bits rule between runs. Each vector function has a scalar twin that performs the
 * same operations, so an element gives the same value in a loop's vector body and in its tail.
 */
final class VecMath {
    private VecMath() {}

    // Cephes expf: exp(x) = 2^n exp(r), r = x - n ln 2 in two parts, exp(r) by a degree-5 minimax polynomial
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float P0 = 1.9875691500e-4f;
    private static final float P1 = 1.3981999507e-3f;
    private static final float P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f;
    private static final float P4 = 1.6666665459e-1f;
    private static final float P5 = 5.0000001201e-1f;
    /** 1.5 * 2^23: adding it rounds to the nearest integer in the low mantissa bits. */
    private static final float ROUNDER = 12582912f;
    private static final float MAX_X = 88.72283f;
    private static final float MIN_X = -87.33654f;

    /**
     * e^x to about 1 ulp; 0 below -87.3 (so e^-inf = 0), +inf above 88.7, NaN stays NaN.
     *
     * <p>Split in two so that each part stays under C2's inlining limit for hot methods (325 bytes of bytecode): in
     * one piece it was 333 bytes, was never inlined into its callers, and every call then boxed its vectors on the
     * heap (about 3 ns per element instead of 1 in the softmax, SiLU and GELU kernels).
     */
    static FloatVector exp(FloatVector x) {
        FloatVector out = expClamped(x.max(MIN_X).min(MAX_X));
        out = out.blend(0f, x.compare(VectorOperators.LT, MIN_X)).blend(Float.POSITIVE_INFINITY,
                x.compare(VectorOperators.GT, MAX_X));
        return out.blend(x, x.test(VectorOperators.IS_NAN));
    }

    /** e^x for x already clamped to [MIN_X, MAX_X]. */
    private static FloatVector expClamped(FloatVector xc) {
        FloatVector t = xc.fma(FloatVector.broadcast(F, LOG2E), FloatVector.broadcast(F, ROUNDER));
        FloatVector n = t.sub(ROUNDER);
        FloatVector r = n.fma(FloatVector.broadcast(F, -LN2_HI), xc);
        r = n.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector p = FloatVector.broadcast(F, P0);
        p = p.fma(r, FloatVector.broadcast(F, P1));
        p = p.fma(r, FloatVector.broadcast(F, P2));
        p = p.fma(r, FloatVector.broadcast(F, P3));
        p = p.fma(r, FloatVector.broadcast(F, P4));
        p = p.fma(r, FloatVector.broadcast(F, P5));
        FloatVector e = p.fma(r.mul(r), r).add(1f);
        // 2^n in two exact halves: n reaches 128 just below the overflow threshold, where 2^n alone would not fit
        IntVector ni = (IntVector) t.reinterpretAsInts().sub(Float.floatToRawIntBits(ROUNDER));
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
        FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = ni.sub(n1).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return e.mul(s1).mul(s2);
    }

    /** The scalar twin of {@link #exp(FloatVector)}: the same operations, so the same bits. */
    static float exp(float x) {
        if (Float.isNaN(x)) {
            return x;
        }
        if (x < MIN_X) {
            return 0f;
        }
        if (x > MAX_X) {
            return Float.POSITIVE_INFINITY;
        }
        float t = Math.fma(x, LOG2E, ROUNDER);
        float n = t - ROUNDER;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float p = P0;
        p = Math.fma(p, r, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        float r2 = r * r;
        float e = Math.fma(p, r2, r) + 1f;
        int ni = Float.floatToRawIntBits(t) - Float.floatToRawIntBits(ROUNDER);
        int n1 = ni >> 1;
        int n2 = ni - n1;
        return e * Float.intBitsToFloat((n1 + 127) << 23) * Float.intBitsToFloat((n2 + 127) << 23);
    }

    /** tanh from exp: sign(x) (1 - 2 / (e^{2|x|} + 1)), exactly reproducible. */
    static FloatVector tanh(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector e = exp(ax.mul(2f));
        FloatVector t = FloatVector.broadcast(F, 1f).sub(FloatVector.broadcast(F, 2f).div(e.add(1f)));
        t = t.lanewise(VectorOperators.NEG, x.compare(VectorOperators.LT, 0f));
        return t.blend(x, x.test(VectorOperators.IS_NAN));
    }

    /** The lanes' sum in lane order (reduceLanes(ADD) leaves its order unspecified). */
    static float sumLanes(FloatVector v) {
        float s = 0f;
        for (int i = 0; i < v.length(); i++) {
            s += v.lane(i);
        }
        return s;
    }

    /** A lane-wise function of the JDK's fdlibm port, lane by lane: exact and the same everywhere; for rare ops. */
    static FloatVector strict(FloatVector x, java.util.function.DoubleUnaryOperator f) {
        float[] a = x.toArray();
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) f.applyAsDouble(a[i]);
        }
        return FloatVector.fromArray(F, a, 0);
    }
}
