package org.urbangraph.kernels.cpu;

import static org.urbangraph.kernels.cpu.CpuMem.F;
import static org.urbangraph.kernels.cpu.CpuMem.LANES;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import org.urbangraph.kernels.BinaryOp;
import org.urbangraph.kernels.UnaryOp;

/**
 * Element-wise maps over F32 scratch arrays, vectorised with the preferred species. Transcendentals come from
 * {@link VecMath} (reproducible bit for bit, within about 1 ulp); erf, which the API lacks, is Abramowitz and Stegun
 * 7.1.26 (absolute error below 1.5e-7, the accuracy PyTorch's vectorised CPU erf also has).
 */
final class CpuMath {
    private CpuMath() {}

    private static final float INV_SQRT2 = (float) (1 / Math.sqrt(2));
    private static final float INV_SQRT_2PI = (float) (1 / Math.sqrt(2 * Math.PI));
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);

    /**
     * y[0..n) = op(x[0..n)); x and y may be the same array.
     *
     * <p>The per-vector {@link #unary(UnaryOp, FloatVector, float, float)} is a switch of over 600 bytes of bytecode,
     * too large for C2 to inline into a loop, and a vector that crosses a call C2 does not inline is boxed on the heap:
     * that made SiLU and the GELUs about five times slower than their arithmetic. The activations the models run, and
     * their gradients, therefore have loops of their own ({@link ElementLoops}), each small enough for its
     * function to be inlined; the other ops and the masked tail go through the switch.
     */
    static void unary(UnaryOp op, float[] x, float[] y, int n, float alpha, float beta) {
        int bound = F.loopBound(n);
        int i = ElementLoops.run(op, x, y, bound, alpha, beta);
        for (; i < bound; i += LANES) {
            unary(op, FloatVector.fromArray(F, x, i), alpha, beta).intoArray(y, i);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            unary(op, FloatVector.fromArray(F, x, i, m), alpha, beta).intoArray(y, i, m);
        }
    }

    static FloatVector unary(UnaryOp op, FloatVector x, float alpha, float beta) {
        return switch (op) {
            case NEG -> x.neg();
            case EXP -> VecMath.exp(x);
            case LOG -> VecMath.strict(x, StrictMath::log);
            case LOG1P -> VecMath.strict(x, StrictMath::log1p);
            case SQRT -> x.sqrt();
            case RSQRT -> one().div(x.sqrt());
            case ABS -> x.abs();
            case SIN -> VecMath.strict(x, StrictMath::sin);
            case COS -> VecMath.strict(x, StrictMath::cos);
            case TANH -> VecMath.tanh(x);
            case SIGMOID -> sigmoid(x);
            case SIGN -> sign(x);
            case RECIPROCAL -> one().div(x);
            case SQUARE -> x.mul(x);
            case RELU -> relu(x);
            case SILU -> silu(x);
            case GELU_ERF -> geluErf(x);
            case GELU_TANH -> geluTanh(x);
            case QUICK_GELU -> quickGelu(x);
            case LEAKY_RELU -> x.mul(alpha).blend(x, x.compare(VectorOperators.GT, 0f));
            case POW_SCALAR -> VecMath.strict(x, v -> StrictMath.pow(v, alpha));
            case CLAMP -> x.max(alpha).min(beta);
            case AFFINE -> x.fma(alpha, beta);
            case SILU_GRAD -> siluGrad(x);
            case GELU_ERF_GRAD -> geluErfGrad(x);
            case GELU_TANH_GRAD -> geluTanhGrad(x);
            case QUICK_GELU_GRAD -> quickGeluGrad(x);
            case SIGMOID_GRAD_FROM_INPUT -> sigmoidGradFromInput(x);
        };
    }

    static FloatVector relu(FloatVector x) {
        return zero().blend(x, x.compare(VectorOperators.GT, 0f));
    }

    static FloatVector sigmoidGradFromInput(FloatVector x) {
        FloatVector s = sigmoid(x);
        return s.mul(one().sub(s));
    }

    static FloatVector silu(FloatVector x) {
        return x.mul(sigmoid(x));
    }

    static FloatVector quickGelu(FloatVector x) {
        return x.mul(sigmoid(x.mul(1.702f)));
    }

    static FloatVector geluErf(FloatVector x) {
        return x.mul(0.5f).mul(erf(x.mul(INV_SQRT2)).add(1f));
    }

    static FloatVector geluTanh(FloatVector x) {
        return x.mul(0.5f).mul(tanhInner(x).add(1f));
    }

    static FloatVector geluErfGrad(FloatVector x) {
        return erf(x.mul(INV_SQRT2)).add(1f).mul(0.5f).add(x.mul(VecMath.exp(x.mul(x).mul(-0.5f))).mul(INV_SQRT_2PI));
    }

    static FloatVector geluTanhGrad(FloatVector x) {
        FloatVector t = tanhInner(x);
        FloatVector du = x.mul(x).mul(3 * 0.044715f).add(1f).mul(SQRT_2_OVER_PI);
        return t.add(1f).mul(0.5f).add(x.mul(0.5f).mul(one().sub(t.mul(t))).mul(du));
    }

    static FloatVector siluGrad(FloatVector x) {
        FloatVector s = sigmoid(x);
        return s.mul(x.mul(one().sub(s)).add(1f));
    }

    static FloatVector quickGeluGrad(FloatVector x) {
        FloatVector s = sigmoid(x.mul(1.702f));
        return s.add(x.mul(1.702f).mul(s).mul(one().sub(s)));
    }

    static FloatVector one() {
        return FloatVector.broadcast(F, 1f);
    }

    private static FloatVector zero() {
        return FloatVector.zero(F);
    }

    static FloatVector sigmoid(FloatVector x) {
        return one().div(VecMath.exp(x.neg()).add(1f));
    }

    private static FloatVector sign(FloatVector x) {
        FloatVector s = zero().blend(1f, x.compare(VectorOperators.GT, 0f)).blend(-1f, x.compare(VectorOperators.LT, 0f));
        return s.blend(x, x.test(VectorOperators.IS_NAN));
    }

    static FloatVector tanhInner(FloatVector x) {
        return VecMath.tanh(x.mul(x).mul(x).mul(0.044715f).add(x).mul(SQRT_2_OVER_PI));
    }

    /** Abramowitz and Stegun 7.1.26, sign restored. */
    static FloatVector erf(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector t = one().div(ax.mul(0.3275911f).add(1f));
        FloatVector poly = t.mul(1.061405429f).add(-1.453152027f);
        poly = poly.mul(t).add(1.421413741f);
        poly = poly.mul(t).add(-0.284496736f);
        poly = poly.mul(t).add(0.254829592f);
        poly = poly.mul(t);
        FloatVector r = one().sub(poly.mul(VecMath.exp(ax.mul(ax).neg())));
        return r.lanewise(VectorOperators.NEG, x.compare(VectorOperators.LT, 0f));
    }

    /** y[0..n) = op(a, b) for float ops; comparisons give 1 or 0. */
    static void binary(BinaryOp op, float[] a, float[] b, float[] y, int n) {
        int bound = F.loopBound(n);
        // as for unary: the switch below is not inlined into a loop once several ops have run through it
        int i = ElementLoops.run(op, a, b, y, bound);
        for (; i < bound; i += LANES) {
            binary(op, FloatVector.fromArray(F, a, i), FloatVector.fromArray(F, b, i)).intoArray(y, i);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            binary(op, FloatVector.fromArray(F, a, i, m), FloatVector.fromArray(F, b, i, m)).intoArray(y, i, m);
        }
    }

    static FloatVector binary(BinaryOp op, FloatVector a, FloatVector b) {
        return switch (op) {
            case ADD -> a.add(b);
            case SUB -> a.sub(b);
            case MUL -> a.mul(b);
            case DIV -> a.div(b);
            case MAX -> a.max(b);
            case MIN -> a.min(b);
            case POW -> a.lanewise(VectorOperators.POW, b);
            case EQ -> flag(a.compare(VectorOperators.EQ, b));
            case NE -> flag(a.compare(VectorOperators.NE, b));
            case LT -> flag(a.compare(VectorOperators.LT, b));
            case LE -> flag(a.compare(VectorOperators.LE, b));
            case GT -> flag(a.compare(VectorOperators.GT, b));
            case GE -> flag(a.compare(VectorOperators.GE, b));
            case MASK_POSITIVE -> zero().blend(a, b.compare(VectorOperators.GT, 0f));
            case ATAN2 -> a.lanewise(VectorOperators.ATAN2, b);
        };
    }

    private static FloatVector flag(VectorMask<Float> m) {
        return zero().blend(1f, m);
    }

    /** Sum of x[0..n) with LANES partial sums in a fixed order (deterministic for a given species). */
    static float sum(float[] x, int off, int n) {
        FloatVector acc = zero();
        int i = 0;
        for (; i + LANES <= n; i += LANES) {
            acc = acc.add(FloatVector.fromArray(F, x, off + i));
        }
        float s = VecMath.sumLanes(acc);
        for (; i < n; i++) {
            s += x[off + i];
        }
        return s;
    }

    /** Dot product of a[ao..ao+n) and b[bo..bo+n), fixed order. */
    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc0 = zero();
        FloatVector acc1 = zero();
        int i = 0;
        for (; i + 2 * LANES <= n; i += 2 * LANES) {
            acc0 = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc0);
            acc1 = FloatVector.fromArray(F, a, ao + i + LANES).fma(FloatVector.fromArray(F, b, bo + i + LANES), acc1);
        }
        for (; i + LANES <= n; i += LANES) {
            acc0 = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc0);
        }
        float s = VecMath.sumLanes(acc0.add(acc1));
        for (; i < n; i++) {
            s += a[ao + i] * b[bo + i];
        }
        return s;
    }

    /** y[yo..yo+n) += alpha * x[xo..xo+n). */
    static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (; i + LANES <= n; i += LANES) {
            FloatVector.fromArray(F, x, xo + i).fma(FloatVector.broadcast(F, alpha), FloatVector.fromArray(F, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] += alpha * x[xo + i];
        }
    }

    /** x[off..off+n) *= s. */
    static void scale(float[] x, int off, int n, float s) {
        int i = 0;
        for (; i + LANES <= n; i += LANES) {
            FloatVector.fromArray(F, x, off + i).mul(s).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] *= s;
        }
    }

    /** Attention's score gradient over one row: g[off..off+n) = p * (g - delta) * scale. */
    static void scoreGradient(float[] p, float[] g, int off, int n, float delta, float scale) {
        int i = 0;
        for (; i + LANES <= n; i += LANES) {
            FloatVector.fromArray(F, p, off + i).mul(FloatVector.fromArray(F, g, off + i).sub(delta)).mul(scale)
                    .intoArray(g, off + i);
        }
        for (; i < n; i++) {
            g[off + i] = p[off + i] * (g[off + i] - delta) * scale;
        }
    }

    /** Maximum of x[off..off+n) (NaN-propagating like Math.max). */
    static float max(float[] x, int off, int n) {
        FloatVector acc = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i + LANES <= n; i += LANES) {
            acc = acc.max(FloatVector.fromArray(F, x, off + i));
        }
        float m = acc.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            m = Math.max(m, x[off + i]);
        }
        return m;
    }
}
