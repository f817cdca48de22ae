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
 * {@link CpuMath}. Each loop calls one small vector function, which C2 inlines, so the vectors stay in registers.
 *
 * <p>Two JIT traps shape this class. One loop per function: a shared loop taking the function as an argument was not
 * inlined into its callers ("prohibited by policy", then "already compiled" as the first function's specialisation)
 * and boxed every vector of every other function, and a loop around the whole switch of
 * {@link CpuMath#unary(UnaryOp, FloatVector, float, float)} is too large to inline at all. And each loop is the body
 * of an enum constant, reached by a virtual call that C1 cannot inline: as private static methods of 34 bytes behind
 * a switch, C1 inlined them into its profiling compilation of the dispatcher, where the Vector API is not compiled to
 * vector instructions. After the dispatcher was deoptimised once (the first SiLU after the weight initialisation's
 * affine maps), it went back to that C1 code and stayed there until its own call count reached C2's threshold,
 * which at a few hundred calls per forward took dozens of forwards: the 2B text forward spent 14 to 22 % of its time
 * in SiLU at 30 to 40 ns per element (JFR), and its time varied by up to 1.7x between iterations, depending on when
 * the JIT got there. Behind a virtual call, each loop counts its own iterations and C2 compiles it within its first
 * call.
 */
final class ElementLoops {
    private ElementLoops() {}

    private static final Unary[] UNARY = new Unary[UnaryOp.values().length];
    private static final Binary[] BINARY = new Binary[BinaryOp.values().length];

    static {
        for (Unary u : Unary.values()) {
            UNARY[UnaryOp.valueOf(u.name()).ordinal()] = u;
        }
        for (Binary u : Binary.values()) {
            BINARY[BinaryOp.valueOf(u.name()).ordinal()] = u;
        }
    }

    /** y[0..bound) = op(x[0..bound)) for the ops with a loop here; returns how far it got (0 for the others). */
    static int run(UnaryOp op, float[] x, float[] y, int bound, float alpha, float beta) {
        Unary loop = UNARY[op.ordinal()];
        return loop == null ? 0 : loop.run(x, y, bound, alpha, beta);
    }

    /** y[0..bound) = op(a, b) for the ops with a loop here; returns how far it got (0 for the others). */
    static int run(BinaryOp op, float[] a, float[] b, float[] y, int bound) {
        Binary loop = BINARY[op.ordinal()];
        return loop == null ? 0 : loop.run(a, b, y, bound);
    }

    /** The unary loops, named as their {@link UnaryOp}; alpha and beta are AFFINE's scale and shift, CLAMP's bounds. */
    private enum Unary {
        SILU {
            @Override
            int run(float[] x, float[] y, int bound, float alpha, float beta) {
                for (int i = 0; i < bound; i += LANES) {
                    CpuMath.silu(FloatVector.fromArray(F, x, i)).intoArray(y, i);
                }
                return bound;
            }
        },
        SILU_GRAD {
            @Override
            int run(float[] x, float[] y, int bound, float alpha, float beta) {
                for (int i = 0; i < bound; i += LANES) {
                    CpuMath.siluGrad(FloatVector.fromArray(F, x, i)).intoArray(y, i);
                }
                return bound;
            }
        },
        QUICK_GELU {
            @Override
            int run(float[] x, float[] y, int bound, float alpha, float beta) {
                for (int i = 0; i < bound; i += LANES) {
                    CpuMath.quickGelu(FloatVector.fromArray(F, x, i)).intoArray(y, i);
                }
                return bound;
            }
        },
        QUICK_GELU_GRAD {
            @Override
            int run(float[] x, float[] y, int bound, float alpha, float beta) {
                for (int i = 0; i < bound; i += LANES) {
                    CpuMath.quickGeluGrad(FloatVector.fromArray(F, x, i)).intoArray(y, i);
                }
                return bound;
            }
        },
        GELU_ERF {
            @Override
            int run(float[] x, float[] y, int bound, float alpha, float beta) {
                for (int i = 0; i < bound; i += LANES) {
                    CpuMath.geluErf(FloatVector.fromArray(F, x, i)).intoArray(y, i);
                }
                return bound;
            }
        },
        GELU_ERF_GRAD {
            @Override
            int run(float[] x, float[] y, int bound, float alpha, float beta) {
                for (int i = 0; i < bound; i += LANES) {
                    CpuMath.geluErfGrad(FloatVector.fromArray(F, x, i)).intoArray(y, i);
                }
                return bound;
            }
        },
        GELU_TANH {
            @Override
            int run(float[] x, float[] y, int bound, float alpha, float beta) {
                for (int i = 0; i < bound; i += LANES) {
                    CpuMath.geluTanh(FloatVector.fromArray(F, x, i)).intoArray(y, i);
                }
                return bound;
            }
        },
        GELU_TANH_GRAD {
            @Override
            int run(float[] x, float[] y, int bound, float alpha, float beta) {
                for (int i = 0; i < bound; i += LANES) {
                    CpuMath.geluTanhGrad(FloatVector.fromArray(F, x, i)).intoArray(y, i);
                }
                return bound;
            }
        },
        SIGMOID {
            @Override
            int run(float[] x, float[] y, int bound, float alpha, float beta) {
                for (int i = 0; i < bound; i += LANES) {
                    CpuMath.sigmoid(FloatVector.fromArray(F, x, i)).intoArray(y, i);
                }
                return bound;
            }
        },
        EXP {
            @Override
            int run(float[] x, float[] y, int bound, float alpha, float beta) {
                for (int i = 0; i < bound; i += LANES) {
                    VecMath.exp(FloatVector.fromArray(F, x, i)).intoArray(y, i);
                }
                return bound;
            }
        },
        TANH {
            @Override
            int run(float[] x, float[] y, int bound, float alpha, float beta) {
                for (int i = 0; i < bound; i += LANES) {
                    VecMath.tanh(FloatVector.fromArray(F, x, i)).intoArray(y, i);
                }
                return bound;
            }
        },
        AFFINE {
            @Override
            int run(float[] x, float[] y, int bound, float alpha, float beta) {
                for (int i = 0; i < bound; i += LANES) {
                    FloatVector.fromArray(F, x, i).fma(alpha, beta).intoArray(y, i);
                }
                return bound;
            }
        },
        CLAMP {
            @Override
            int run(float[] x, float[] y, int bound, float alpha, float beta) {
                for (int i = 0; i < bound; i += LANES) {
                    FloatVector.fromArray(F, x, i).max(alpha).min(beta).intoArray(y, i);
                }
                return bound;
            }
        },
        NEG {
            @Override
            int run(float[] x, float[] y, int bound, float alpha, float beta) {
                for (int i = 0; i < bound; i += LANES) {
                    FloatVector.fromArray(F, x, i).neg().intoArray(y, i);
                }
                return bound;
            }
        },
        SQUARE {
            @Override
            int run(float[] x, float[] y, int bound, float alpha, float beta) {
                for (int i = 0; i < bound; i += LANES) {
                    FloatVector v = FloatVector.fromArray(F, x, i);
                    v.mul(v).intoArray(y, i);
                }
                return bound;
            }
        },
        SQRT {
            @Override
            int run(float[] x, float[] y, int bound, float alpha, float beta) {
                for (int i = 0; i < bound; i += LANES) {
                    FloatVector.fromArray(F, x, i).sqrt().intoArray(y, i);
                }
                return bound;
            }
        },
        RSQRT {
            @Override
            int run(float[] x, float[] y, int bound, float alpha, float beta) {
                for (int i = 0; i < bound; i += LANES) {
                    CpuMath.one().div(FloatVector.fromArray(F, x, i).sqrt()).intoArray(y, i);
                }
                return bound;
            }
        },
        RECIPROCAL {
            @Override
            int run(float[] x, float[] y, int bound, float alpha, float beta) {
                for (int i = 0; i < bound; i += LANES) {
                    CpuMath.one().div(FloatVector.fromArray(F, x, i)).intoArray(y, i);
                }
                return bound;
            }
        },
        ABS {
            @Override
            int run(float[] x, float[] y, int bound, float alpha, float beta) {
                for (int i = 0; i < bound; i += LANES) {
                    FloatVector.fromArray(F, x, i).abs().intoArray(y, i);
                }
                return bound;
            }
        },
        RELU {
            @Override
            int run(float[] x, float[] y, int bound, float alpha, float beta) {
                for (int i = 0; i < bound; i += LANES) {
                    CpuMath.relu(FloatVector.fromArray(F, x, i)).intoArray(y, i);
                }
                return bound;
            }
        },
        SIGMOID_GRAD_FROM_INPUT {
            @Override
            int run(float[] x, float[] y, int bound, float alpha, float beta) {
                for (int i = 0; i < bound; i += LANES) {
                    CpuMath.sigmoidGradFromInput(FloatVector.fromArray(F, x, i)).intoArray(y, i);
                }
                return bound;
            }
        };

        abstract int run(float[] x, float[] y, int bound, float alpha, float beta);
    }

    /** The binary loops, named as their {@link BinaryOp}. */
    private enum Binary {
        ADD {
            @Override
            int run(float[] a, float[] b, float[] y, int bound) {
                for (int i = 0; i < bound; i += LANES) {
                    FloatVector.fromArray(F, a, i).add(FloatVector.fromArray(F, b, i)).intoArray(y, i);
                }
                return bound;
            }
        },
        SUB {
            @Override
            int run(float[] a, float[] b, float[] y, int bound) {
                for (int i = 0; i < bound; i += LANES) {
                    FloatVector.fromArray(F, a, i).sub(FloatVector.fromArray(F, b, i)).intoArray(y, i);
                }
                return bound;
            }
        },
        MUL {
            @Override
            int run(float[] a, float[] b, float[] y, int bound) {
                for (int i = 0; i < bound; i += LANES) {
                    FloatVector.fromArray(F, a, i).mul(FloatVector.fromArray(F, b, i)).intoArray(y, i);
                }
                return bound;
            }
        },
        DIV {
            @Override
            int run(float[] a, float[] b, float[] y, int bound) {
                for (int i = 0; i < bound; i += LANES) {
                    FloatVector.fromArray(F, a, i).div(FloatVector.fromArray(F, b, i)).intoArray(y, i);
                }
                return bound;
            }
        },
        MAX {
            @Override
            int run(float[] a, float[] b, float[] y, int bound) {
                for (int i = 0; i < bound; i += LANES) {
                    FloatVector.fromArray(F, a, i).max(FloatVector.fromArray(F, b, i)).intoArray(y, i);
                }
                return bound;
            }
        },
        MIN {
            @Override
            int run(float[] a, float[] b, float[] y, int bound) {
                for (int i = 0; i < bound; i += LANES) {
                    FloatVector.fromArray(F, a, i).min(FloatVector.fromArray(F, b, i)).intoArray(y, i);
                }
                return bound;
            }
        },
        MASK_POSITIVE {
            @Override
            int run(float[] a, float[] b, float[] y, int bound) {
                for (int i = 0; i < bound; i += LANES) {
                    FloatVector m = FloatVector.fromArray(F, b, i);
                    FloatVector.zero(F).blend(FloatVector.fromArray(F, a, i), m.compare(VectorOperators.GT, 0f))
                            .intoArray(y, i);
                }
                return bound;
            }
        };

        abstract int run(float[] a, float[] b, float[] y, int bound);
    }
}
