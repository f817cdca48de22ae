package org.urbangraph.kernels;

/**
 * Element-wise maps of two operands of equal (already broadcast) shape. Arithmetic ops compute in F32 when either
 * operand is a float type and in 64-bit integers otherwise; comparisons write BOOL (1 or 0) or any numeric type.
 */
public enum BinaryOp {
    ADD, SUB, MUL, DIV, MAX, MIN, POW,
    /** a * (a > 0 ? 1 : 0) style masks are built from these: out = (a op b) ? 1 : 0. */
    EQ, NE, LT, LE, GT, GE,
    /** Gradient of ReLU-like masks: out = b > 0 ? a : 0. */
    MASK_POSITIVE,
    /** atan2(a, b). */
    ATAN2;

    public boolean isComparison() {
        return switch (this) {
            case EQ, NE, LT, LE, GT, GE -> true;
            default -> false;
        };
    }
}
