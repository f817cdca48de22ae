package org.urbangraph.kernels.cpu;

import static org.urbangraph.kernels.cpu.CpuMem.F;
import static org.urbangraph.kernels.cpu.CpuMem.LANES;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.urbangraph.kernels.BinaryOp;
import org.urbangraph.kernels.UnaryOp;

/**
 * Loops of their own for the element-wise functions the models run on every activation (the MLPs' SiLU and GELUs,
 * their gradients, exponentials), for the cheap unary ones and for the arithmetic binary ones; only the strict
 * (fdlibm) functions, which go lane by lane anyway, the sign and the comparisons are left to the switches of
 * {@link CpuMath}. Each loop calls one small vector function, which C2 inlines, so the vectors stay in registers. One loop per function is deliberate: a shared loop taking the function as an argument
 * was not inlined into its callers ("prohibited by policy", then "already compiled" as the first function's
 * specialisation) and boxed every vector of every other function, and a loop around the whole switch of
 * {@link CpuMath#unary(UnaryOp, FloatVector, float, float)} is too large to inline at all.
 */
final class ElementLoops {
    private ElementLoops() {}

    /** y[0..bound) = op(x[0..bound)) for the ops with a loop here; returns how far it got (0 for the others). */
    static int run(UnaryOp op, float[] x, float[] y, int bound, float alpha, float beta) {
        return switch (op) {
            case SILU -> silu(x, y, bound);
            case SILU_GRAD -> siluGrad(x, y, bound);
            case QUICK_GELU -> quickGelu(x, y, bound);
            case QUICK_GELU_GRAD -> quickGeluGrad(x, y, bound);
            case GELU_ERF -> geluErf(x, y, bound);
            case GELU_ERF_GRAD -> geluErfGrad(x, y, bound);
            case GELU_TANH -> geluTanh(x, y, bound);
            case GELU_TANH_GRAD -> geluTanhGrad(x, y, bound);
            case SIGMOID -> sigmoid(x, y, bound);
            case EXP -> exp(x, y, bound);
            case TANH -> tanh(x, y, bound);
            case AFFINE -> affine(x, y, bound, alpha, beta);
            case CLAMP -> clamp(x, y, bound, alpha, beta);
            case NEG -> neg(x, y, bound);
            case SQUARE -> square(x, y, bound);
            case SQRT -> sqrt(x, y, bound);
            case RSQRT -> rsqrt(x, y, bound);
            case RECIPROCAL -> reciprocal(x, y, bound);
            case ABS -> abs(x, y, bound);
            case RELU -> relu(x, y, bound);
            case SIGMOID_GRAD_FROM_INPUT -> sigmoidGrad(x, y, bound);
            default -> 0;
        };
    }

    private static int silu(float[] x, float[] y, int bound) {
        for (int i = 0; i < bound; i += LANES) {
            CpuMath.silu(FloatVector.fromArray(F, x, i)).intoArray(y, i);
        }
        return bound;
    }

    private static int siluGrad(float[] x, float[] y, int bound) {
        for (int i = 0; i < bound; i += LANES) {
            CpuMath.siluGrad(FloatVector.fromArray(F, x, i)).intoArray(y, i);
        }
        return bound;
    }

    private static int quickGelu(float[] x, float[] y, int bound) {
        for (int i = 0; i < bound; i += LANES) {
            CpuMath.quickGelu(FloatVector.fromArray(F, x, i)).intoArray(y, i);
        }
        return bound;
    }

    private static int quickGeluGrad(float[] x, float[] y, int bound) {
        for (int i = 0; i < bound; i += LANES) {
            CpuMath.quickGeluGrad(FloatVector.fromArray(F, x, i)).intoArray(y, i);
        }
        return bound;
    }

    private static int geluErf(float[] x, float[] y, int bound) {
        for (int i = 0; i < bound; i += LANES) {
            CpuMath.geluErf(FloatVector.fromArray(F, x, i)).intoArray(y, i);
        }
        return bound;
    }

    private static int geluErfGrad(float[] x, float[] y, int bound) {
        for (int i = 0; i < bound; i += LANES) {
            CpuMath.geluErfGrad(FloatVector.fromArray(F, x, i)).intoArray(y, i);
        }
        return bound;
    }

    private static int geluTanh(float[] x, float[] y, int bound) {
        for (int i = 0; i < bound; i += LANES) {
            CpuMath.geluTanh(FloatVector.fromArray(F, x, i)).intoArray(y, i);
        }
        return bound;
    }

    private static int geluTanhGrad(float[] x, float[] y, int bound) {
        for (int i = 0; i < bound; i += LANES) {
            CpuMath.geluTanhGrad(FloatVector.fromArray(F, x, i)).intoArray(y, i);
        }
        return bound;
    }

    private static int sigmoid(float[] x, float[] y, int bound) {
        for (int i = 0; i < bound; i += LANES) {
            CpuMath.sigmoid(FloatVector.fromArray(F, x, i)).intoArray(y, i);
        }
        return bound;
    }

    private static int exp(float[] x, float[] y, int bound) {
        for (int i = 0; i < bound; i += LANES) {
            VecMath.exp(FloatVector.fromArray(F, x, i)).intoArray(y, i);
        }
        return bound;
    }

    private static int tanh(float[] x, float[] y, int bound) {
        for (int i = 0; i < bound; i += LANES) {
            VecMath.tanh(FloatVector.fromArray(F, x, i)).intoArray(y, i);
        }
        return bound;
    }

    private static int affine(float[] x, float[] y, int bound, float alpha, float beta) {
        for (int i = 0; i < bound; i += LANES) {
            FloatVector.fromArray(F, x, i).fma(alpha, beta).intoArray(y, i);
        }
        return bound;
    }

    private static int clamp(float[] x, float[] y, int bound, float lo, float hi) {
        for (int i = 0; i < bound; i += LANES) {
            FloatVector.fromArray(F, x, i).max(lo).min(hi).intoArray(y, i);
        }
        return bound;
    }

    private static int neg(float[] x, float[] y, int bound) {
        for (int i = 0; i < bound; i += LANES) {
            FloatVector.fromArray(F, x, i).neg().intoArray(y, i);
        }
        return bound;
    }

    private static int square(float[] x, float[] y, int bound) {
        for (int i = 0; i < bound; i += LANES) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            v.mul(v).intoArray(y, i);
        }
        return bound;
    }

    private static int sqrt(float[] x, float[] y, int bound) {
        for (int i = 0; i < bound; i += LANES) {
            FloatVector.fromArray(F, x, i).sqrt().intoArray(y, i);
        }
        return bound;
    }

    private static int rsqrt(float[] x, float[] y, int bound) {
        for (int i = 0; i < bound; i += LANES) {
            CpuMath.one().div(FloatVector.fromArray(F, x, i).sqrt()).intoArray(y, i);
        }
        return bound;
    }

    private static int reciprocal(float[] x, float[] y, int bound) {
        for (int i = 0; i < bound; i += LANES) {
            CpuMath.one().div(FloatVector.fromArray(F, x, i)).intoArray(y, i);
        }
        return bound;
    }

    private static int abs(float[] x, float[] y, int bound) {
        for (int i = 0; i < bound; i += LANES) {
            FloatVector.fromArray(F, x, i).abs().intoArray(y, i);
        }
        return bound;
    }

    private static int relu(float[] x, float[] y, int bound) {
        for (int i = 0; i < bound; i += LANES) {
            CpuMath.relu(FloatVector.fromArray(F, x, i)).intoArray(y, i);
        }
        return bound;
    }

    private static int sigmoidGrad(float[] x, float[] y, int bound) {
        for (int i = 0; i < bound; i += LANES) {
            CpuMath.sigmoidGradFromInput(FloatVector.fromArray(F, x, i)).intoArray(y, i);
        }
        return bound;
    }

    /** y[0..bound) = op(a, b) for the ops with a loop here; returns how far it got (0 for the others). */
    static int run(BinaryOp op, float[] a, float[] b, float[] y, int bound) {
        return switch (op) {
            case ADD -> add(a, b, y, bound);
            case SUB -> sub(a, b, y, bound);
            case MUL -> mul(a, b, y, bound);
            case DIV -> div(a, b, y, bound);
            case MAX -> max(a, b, y, bound);
            case MIN -> min(a, b, y, bound);
            case MASK_POSITIVE -> maskPositive(a, b, y, bound);
            default -> 0;
        };
    }

    private static int add(float[] a, float[] b, float[] y, int bound) {
        for (int i = 0; i < bound; i += LANES) {
            FloatVector.fromArray(F, a, i).add(FloatVector.fromArray(F, b, i)).intoArray(y, i);
        }
        return bound;
    }

    private static int sub(float[] a, float[] b, float[] y, int bound) {
        for (int i = 0; i < bound; i += LANES) {
            FloatVector.fromArray(F, a, i).sub(FloatVector.fromArray(F, b, i)).intoArray(y, i);
        }
        return bound;
    }

    private static int mul(float[] a, float[] b, float[] y, int bound) {
        for (int i = 0; i < bound; i += LANES) {
            FloatVector.fromArray(F, a, i).mul(FloatVector.fromArray(F, b, i)).intoArray(y, i);
        }
        return bound;
    }

    private static int div(float[] a, float[] b, float[] y, int bound) {
        for (int i = 0; i < bound; i += LANES) {
            FloatVector.fromArray(F, a, i).div(FloatVector.fromArray(F, b, i)).intoArray(y, i);
        }
        return bound;
    }

    private static int max(float[] a, float[] b, float[] y, int bound) {
        for (int i = 0; i < bound; i += LANES) {
            FloatVector.fromArray(F, a, i).max(FloatVector.fromArray(F, b, i)).intoArray(y, i);
        }
        return bound;
    }

    private static int min(float[] a, float[] b, float[] y, int bound) {
        for (int i = 0; i < bound; i += LANES) {
            FloatVector.fromArray(F, a, i).min(FloatVector.fromArray(F, b, i)).intoArray(y, i);
        }
        return bound;
    }

    private static int maskPositive(float[] a, float[] b, float[] y, int bound) {
        for (int i = 0; i < bound; i += LANES) {
            FloatVector m = FloatVector.fromArray(F, b, i);
            FloatVector.zero(F).blend(FloatVector.fromArray(F, a, i), m.compare(VectorOperators.GT, 0f))
                    .intoArray(y, i);
        }
        return bound;
    }
}
