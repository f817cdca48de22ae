package org.urbangraph.kernels.opencl;

import org.urbangraph.kernels.BinaryOp;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.ReduceOp;
import org.urbangraph.kernels.UnaryOp;

/**
 * Numeric codes that kernels receive for element types and ops, and the {@code #define}s that give the same codes
 * to the OpenCL C side. Both come from the Java enums, so adding a constant cannot put the two sides out of step.
 */
final class ClTypes {
    private ClTypes() {}

    static int code(DType t) {
        return t.ordinal() + 1;
    }

    static int code(UnaryOp op) {
        return op.ordinal();
    }

    static int code(BinaryOp op) {
        return op.ordinal();
    }

    static int code(ReduceOp op) {
        return op.ordinal();
    }

    /** The preamble of every program: DT_*, U_*, B_* and R_* constants. */
    static String defines() {
        StringBuilder sb = new StringBuilder("// generated from the Java enums by ClTypes\n");
        for (DType t : DType.values()) {
            sb.append("#define DT_").append(t.name()).append(' ').append(code(t)).append('\n');
        }
        for (UnaryOp op : UnaryOp.values()) {
            sb.append("#define U_").append(op.name()).append(' ').append(code(op)).append('\n');
        }
        for (BinaryOp op : BinaryOp.values()) {
            sb.append("#define B_").append(op.name()).append(' ').append(code(op)).append('\n');
        }
        for (ReduceOp op : ReduceOp.values()) {
            sb.append("#define R_").append(op.name()).append(' ').append(code(op)).append('\n');
        }
        return sb.toString();
    }
}
