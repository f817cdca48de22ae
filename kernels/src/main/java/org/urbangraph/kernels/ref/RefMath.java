package org.urbangraph.kernels.ref;

import org.urbangraph.kernels.BinaryOp;
import org.urbangraph.kernels.UnaryOp;

/** Scalar definitions of the element-wise ops, in double; the fast backends are tested against these. */
public final class RefMath {
    private RefMath() {}

    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);

    public static double unary(UnaryOp op, double x, double alpha, double beta) {
        return switch (op) {
            case NEG -> -x;
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case LOG1P -> Math.log1p(x);
            case SQRT -> Math.sqrt(x);
            case RSQRT -> 1.0 / Math.sqrt(x);
            case ABS -> Math.abs(x);
            case SIN -> Math.sin(x);
            case COS -> Math.cos(x);
            case TANH -> Math.tanh(x);
            case SIGMOID -> sigmoid(x);
            case SIGN -> Math.signum(x);
            case RECIPROCAL -> 1.0 / x;
            case SQUARE -> x * x;
            case RELU -> x > 0 ? x : 0.0;
            case SILU -> x * sigmoid(x);
            case GELU_ERF -> 0.5 * x * (1 + erf(x / Math.sqrt(2)));
            case GELU_TANH -> 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
            case QUICK_GELU -> x * sigmoid(1.702 * x);
            case LEAKY_RELU -> x > 0 ? x : alpha * x;
            case POW_SCALAR -> Math.pow(x, alpha);
            case CLAMP -> Math.min(Math.max(x, alpha), beta);
            case AFFINE -> alpha * x + beta;
            case SILU_GRAD -> {
                double s = sigmoid(x);
                yield s * (1 + x * (1 - s));
            }
            case GELU_ERF_GRAD -> 0.5 * (1 + erf(x / Math.sqrt(2))) + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
            case GELU_TANH_GRAD -> {
                double u = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
                double t = Math.tanh(u);
                double du = SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
                yield 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du;
            }
            case QUICK_GELU_GRAD -> {
                double s = sigmoid(1.702 * x);
                yield s + 1.702 * x * s * (1 - s);
            }
            case SIGMOID_GRAD_FROM_INPUT -> {
                double s = sigmoid(x);
                yield s * (1 - s);
            }
        };
    }

    public static double binary(BinaryOp op, double a, double b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case MAX -> Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.max(a, b);
            case MIN -> Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.min(a, b);
            case POW -> Math.pow(a, b);
            case EQ -> a == b ? 1 : 0;
            case NE -> a != b ? 1 : 0;
            case LT -> a < b ? 1 : 0;
            case LE -> a <= b ? 1 : 0;
            case GT -> a > b ? 1 : 0;
            case GE -> a >= b ? 1 : 0;
            case MASK_POSITIVE -> b > 0 ? a : 0;
            case ATAN2 -> Math.atan2(a, b);
        };
    }

    public static long binaryLong(BinaryOp op, long a, long b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> {
                if (b == 0) {
                    throw new ArithmeticException("integer division by zero");
                }
                yield Math.floorDiv(a, b);
            }
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
            case POW -> (long) Math.pow(a, b);
            case EQ -> a == b ? 1 : 0;
            case NE -> a != b ? 1 : 0;
            case LT -> a < b ? 1 : 0;
            case LE -> a <= b ? 1 : 0;
            case GT -> a > b ? 1 : 0;
            case GE -> a >= b ? 1 : 0;
            case MASK_POSITIVE -> b > 0 ? a : 0;
            case ATAN2 -> (long) Math.atan2(a, b);
        };
    }

    public static double sigmoid(double x) {
        return 1.0 / (1.0 + Math.exp(-x));
    }

    /**
     * erf to about 1e-16 relative: a series near 0 and a continued fraction for the tail (no JDK method exists).
     */
    public static double erf(double x) {
        double ax = Math.abs(x);
        double r;
        if (ax < 2.5) {
            // Maclaurin series: 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1))
            double term = ax;
            double sum = ax;
            double x2 = ax * ax;
            for (int n = 1; n < 200; n++) {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
                    break;
                }
            }
            r = 2.0 / Math.sqrt(Math.PI) * sum;
        } else if (ax > 6) {
            r = 1.0;
        } else {
            // erfc by Lentz's continued fraction
            double x2 = ax * ax;
            double f = ax;
            double c = ax;
            double d = 0;
            for (int n = 1; n < 500; n++) {
                double an = n / 2.0;
                d = ax + an * d;
                d = 1 / d;
                c = ax + an / c;
                double delta = c * d;
                f *= delta;
                if (Math.abs(delta - 1) < 1e-16) {
                    break;
                }
            }
            r = 1.0 - Math.exp(-x2) / (f * Math.sqrt(Math.PI));
        }
        return x < 0 ? -r : r;
    }
}
