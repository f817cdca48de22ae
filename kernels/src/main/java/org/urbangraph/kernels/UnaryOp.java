package org.urbangraph.kernels;

/**
 * Element-wise maps computed in F32. {@code alpha} and {@code beta} are the op's scalar parameters where it has
 * any (named in each constant); other ops ignore them.
 */
public enum UnaryOp {
    NEG, EXP, LOG, LOG1P, SQRT, RSQRT, ABS, SIN, COS, TANH, SIGMOID, SIGN, RECIPROCAL, SQUARE,
    RELU,
    /** x * sigmoid(x). */
    SILU,
    /** Exact GELU, 0.5 x (1 + erf(x / sqrt 2)). */
    GELU_ERF,
    /** The tanh approximation of GELU. */
    GELU_TANH,
    /** x * sigmoid(1.702 x), as CLIP and Qwen2-VL's vision MLP use. */
    QUICK_GELU,
    /** max(x, 0) + alpha * min(x, 0). */
    LEAKY_RELU,
    /** x ^ alpha. */
    POW_SCALAR,
    /** min(max(x, alpha), beta); use ±infinity for a one-sided clamp. */
    CLAMP,
    /** alpha * x + beta. */
    AFFINE,
    /** Derivatives used by autograd: out = d op(x) / dx, evaluated at x. */
    SILU_GRAD, GELU_ERF_GRAD, GELU_TANH_GRAD, QUICK_GELU_GRAD, SIGMOID_GRAD_FROM_INPUT
}
