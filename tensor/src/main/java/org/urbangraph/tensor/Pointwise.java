package org.urbangraph.tensor;

import java.util.Arrays;
import org.urbangraph.kernels.Backend;
import org.urbangraph.kernels.BinaryOp;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.ReduceOp;
import org.urbangraph.kernels.UnaryOp;
import org.urbangraph.kernels.View;

/**
 * Element-wise math with NumPy broadcasting, and the backward of each op. Float results are F32; integer-only
 * arithmetic gives I64; comparisons give BOOL.
 *
 * <p>Integer-only {@link #div} is floor division, Python's {@code //}: {@code [7, -7] / 2} gives {@code [3, -4]}
 * (a zero divisor is an error). This differs from {@code torch.div}, which returns floats ({@code [3.5, -3.5]})
 * for integer inputs: convert an operand to a float type first for true division. {@link Tensor#div(double)}
 * always gives floats.
 */
public final class Pointwise {
    private Pointwise() {}

    // ---- plumbing -------------------------------------------------------------------------------------------

    /** The backend both tensors live on, or an error naming both devices. */
    static Backend sameBackend(Tensor a, Tensor b) {
        if (a.buffer().isHost() != b.buffer().isHost()
                || (!a.buffer().isHost() && !a.buffer().deviceName().equals(b.buffer().deviceName()))) {
            throw new IllegalArgumentException("tensors on different devices: " + a.buffer().deviceName() + " and "
                    + b.buffer().deviceName() + "; move one with toBackend()");
        }
        return a.backend();
    }

    /** A view of t broadcast to {@code shape} (stride 0 on broadcast dimensions). */
    static View broadcastView(Tensor t, int[] shape) {
        int r = shape.length;
        int[] ts = t.shape();
        long[] tst = t.strides();
        int lead = r - ts.length;
        long[] st = new long[r];
        for (int i = 0; i < r; i++) {
            if (i < lead) {
                st[i] = 0;
            } else {
                int d = ts[i - lead];
                if (d == shape[i]) {
                    st[i] = tst[i - lead];
                } else if (d == 1) {
                    st[i] = 0;
                } else {
                    throw new IllegalArgumentException("cannot broadcast " + Arrays.toString(ts) + " to "
                            + Arrays.toString(shape));
                }
            }
        }
        return new View(t.buffer(), t.dtype(), t.offset(), shape.clone(), st);
    }

    /** Sums a gradient down to the shape of the input it belongs to (undoing broadcasting). */
    public static Tensor sumTo(Tensor g, int[] shape) {
        if (Arrays.equals(g.shape(), shape)) {
            return g;
        }
        Tensor t = g;
        int lead = g.rank() - shape.length;
        for (int i = 0; i < lead; i++) {
            t = Reductions.sum(t, 0, false);
        }
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 1 && t.size(i) != 1) {
                t = Reductions.sum(t, i, true);
            }
        }
        return t;
    }

    static DType arithmeticType(Tensor a, Tensor b) {
        return a.dtype().isFloat() || b.dtype().isFloat() ? floatType(a, b) : DType.I64;
    }

    /**
     * The dtype of a float result: F32, or F64 when an input is F64 (F64 tensors exist so that gradient checks
     * can run the reference backend entirely in double; the fast backends compute F32).
     */
    public static DType floatType(Tensor... inputs) {
        for (Tensor t : inputs) {
            if (t != null && t.dtype() == DType.F64) {
                return DType.F64;
            }
        }
        return DType.F32;
    }

    static Tensor binaryRaw(BinaryOp op, Tensor a, Tensor b) {
        Backend be = sameBackend(a, b);
        int[] shape = Shapes.broadcast(a.shape(), b.shape());
        DType dt = op.isComparison() ? DType.BOOL : arithmeticType(a, b);
        Tensor out = Tensor.empty(be, dt, shape);
        be.binary(op, broadcastView(a, shape), broadcastView(b, shape), out.view());
        return out;
    }

    static Tensor unaryRaw(UnaryOp op, Tensor x, double alpha, double beta) {
        Backend be = x.backend();
        Tensor out = Tensor.empty(be, floatType(x), x.shape());
        be.unary(op, x.view(), out.view(), (float) alpha, (float) beta);
        return out;
    }

    // ---- binary ---------------------------------------------------------------------------------------------

    public static Tensor add(Tensor a, Tensor b) {
        Tensor out = binaryRaw(BinaryOp.ADD, a, b);
        return Autograd.record(out, "add", g -> new Tensor[] {sumTo(g, a.shape()), sumTo(g, b.shape())}, a, b);
    }

    public static Tensor sub(Tensor a, Tensor b) {
        Tensor out = binaryRaw(BinaryOp.SUB, a, b);
        return Autograd.record(out, "sub", g -> new Tensor[] {sumTo(g, a.shape()), sumTo(neg(g), b.shape())}, a, b);
    }

    public static Tensor mul(Tensor a, Tensor b) {
        Tensor out = binaryRaw(BinaryOp.MUL, a, b);
        return Autograd.record(out, "mul", g -> new Tensor[] {
            a.requiresGrad() ? sumTo(mul(g, b), a.shape()) : null,
            b.requiresGrad() ? sumTo(mul(g, a), b.shape()) : null}, a, b).saving(a.requiresGrad() ? b : null,
                b.requiresGrad() ? a : null);
    }

    public static Tensor div(Tensor a, Tensor b) {
        Tensor out = binaryRaw(BinaryOp.DIV, a, b);
        return Autograd.record(out, "div", g -> new Tensor[] {
            a.requiresGrad() ? sumTo(div(g, b), a.shape()) : null,
            b.requiresGrad() ? sumTo(neg(div(mul(g, out), b)), b.shape()) : null}, a, b).saving(b,
                b.requiresGrad() ? out : null);
    }

    /** Element-wise maximum; where a == b the gradient is split evenly, as PyTorch does. */
    public static Tensor maximum(Tensor a, Tensor b) {
        Tensor out = binaryRaw(BinaryOp.MAX, a, b);
        return Autograd.record(out, "maximum", g -> minMaxGrad(g, a, b, BinaryOp.GT), a, b).saving(a, b);
    }

    public static Tensor minimum(Tensor a, Tensor b) {
        Tensor out = binaryRaw(BinaryOp.MIN, a, b);
        return Autograd.record(out, "minimum", g -> minMaxGrad(g, a, b, BinaryOp.LT), a, b).saving(a, b);
    }

    private static Tensor[] minMaxGrad(Tensor g, Tensor a, Tensor b, BinaryOp wins) {
        Tensor aw = binaryRaw(wins, a, b);
        Tensor tie = binaryRaw(BinaryOp.EQ, a, b);
        DType ft = floatType(g);
        Tensor wa = add(aw.to(ft), affine(tie.to(ft), 0.5, 0));
        Tensor wb = affine(wa, -1, 1);
        return new Tensor[] {sumTo(mul(g, wa), a.shape()), sumTo(mul(g, wb), b.shape())};
    }

    /** a ^ b element-wise. */
    public static Tensor pow(Tensor a, Tensor b) {
        Tensor out = binaryRaw(BinaryOp.POW, a, b);
        return Autograd.record(out, "pow", g -> new Tensor[] {
            a.requiresGrad() ? sumTo(mul(g, mul(b, binaryRaw(BinaryOp.POW, a, sub(b, Tensor.scalar(1))))), a.shape())
                    : null,
            b.requiresGrad() ? sumTo(mul(g, mul(out, log(a))), b.shape()) : null}, a, b).saving(a,
                a.requiresGrad() ? b : null, b.requiresGrad() ? out : null);
    }

    public static Tensor atan2(Tensor y, Tensor x) {
        Tensor out = binaryRaw(BinaryOp.ATAN2, y, x);
        return Autograd.record(out, "atan2", g -> {
            Tensor den = add(mul(x, x), mul(y, y));
            return new Tensor[] {sumTo(div(mul(g, x), den), y.shape()), sumTo(neg(div(mul(g, y), den)), x.shape())};
        }, y, x).saving(y, x);
    }

    public static Tensor compare(BinaryOp op, Tensor a, Tensor b) {
        if (!op.isComparison()) {
            throw new IllegalArgumentException(op + " is not a comparison");
        }
        return binaryRaw(op, a, b);
    }

    /** cond ? a : b, broadcasting all three. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        Backend be = sameBackend(a, b);
        int[] shape = Shapes.broadcast(Shapes.broadcast(cond.shape(), a.shape()), b.shape());
        Tensor out = Tensor.empty(be, arithmeticType(a, b), shape);
        be.where(broadcastView(cond, shape), broadcastView(a, shape), broadcastView(b, shape), out.view());
        return Autograd.record(out, "where", g -> {
            Tensor zero = Creation.full(g.backend(), floatType(g), 0, 1);
            return new Tensor[] {null, sumTo(where(cond, g, zero), a.shape()), sumTo(where(cond, zero, g), b.shape())};
        }, cond, a, b).saving(cond);
    }

    /** x with {@code value} where mask is true. */
    public static Tensor maskedFill(Tensor x, Tensor mask, double value) {
        return where(mask, Creation.full(x.backend(), floatType(x), value, 1), x);
    }

    // ---- unary ----------------------------------------------------------------------------------------------

    /** alpha * x + beta (scalar add, scale). */
    public static Tensor affine(Tensor x, double alpha, double beta) {
        Tensor out = unaryRaw(UnaryOp.AFFINE, x, alpha, beta);
        return Autograd.record(out, "affine", g -> new Tensor[] {affine(g, alpha, 0)}, x);
    }

    public static Tensor neg(Tensor x) {
        Tensor out = unaryRaw(UnaryOp.NEG, x, 0, 0);
        return Autograd.record(out, "neg", g -> new Tensor[] {neg(g)}, x);
    }

    public static Tensor exp(Tensor x) {
        Tensor out = unaryRaw(UnaryOp.EXP, x, 0, 0);
        return Autograd.record(out, "exp", g -> new Tensor[] {mul(g, out)}, x).saving(out);
    }

    public static Tensor log(Tensor x) {
        Tensor out = unaryRaw(UnaryOp.LOG, x, 0, 0);
        return Autograd.record(out, "log", g -> new Tensor[] {div(g, x)}, x).saving(x);
    }

    public static Tensor log1p(Tensor x) {
        Tensor out = unaryRaw(UnaryOp.LOG1P, x, 0, 0);
        return Autograd.record(out, "log1p", g -> new Tensor[] {div(g, affine(x, 1, 1))}, x).saving(x);
    }

    public static Tensor sqrt(Tensor x) {
        Tensor out = unaryRaw(UnaryOp.SQRT, x, 0, 0);
        return Autograd.record(out, "sqrt", g -> new Tensor[] {div(affine(g, 0.5, 0), out)}, x).saving(out);
    }

    public static Tensor rsqrt(Tensor x) {
        Tensor out = unaryRaw(UnaryOp.RSQRT, x, 0, 0);
        return Autograd.record(out, "rsqrt",
                g -> new Tensor[] {mul(affine(g, -0.5, 0), unaryRaw(UnaryOp.POW_SCALAR, out, 3, 0))}, x).saving(out);
    }

    public static Tensor pow(Tensor x, double p) {
        Tensor out = unaryRaw(UnaryOp.POW_SCALAR, x, p, 0);
        return Autograd.record(out, "pow",
                g -> new Tensor[] {mul(g, affine(unaryRaw(UnaryOp.POW_SCALAR, x, p - 1, 0), p, 0))}, x).saving(x);
    }

    public static Tensor abs(Tensor x) {
        Tensor out = unaryRaw(UnaryOp.ABS, x, 0, 0);
        return Autograd.record(out, "abs", g -> new Tensor[] {mul(g, unaryRaw(UnaryOp.SIGN, x, 0, 0))}, x).saving(x);
    }

    public static Tensor sin(Tensor x) {
        Tensor out = unaryRaw(UnaryOp.SIN, x, 0, 0);
        return Autograd.record(out, "sin", g -> new Tensor[] {mul(g, unaryRaw(UnaryOp.COS, x, 0, 0))}, x).saving(x);
    }

    public static Tensor cos(Tensor x) {
        Tensor out = unaryRaw(UnaryOp.COS, x, 0, 0);
        return Autograd.record(out, "cos", g -> new Tensor[] {neg(mul(g, unaryRaw(UnaryOp.SIN, x, 0, 0)))}, x)
                .saving(x);
    }

    public static Tensor tanh(Tensor x) {
        Tensor out = unaryRaw(UnaryOp.TANH, x, 0, 0);
        return Autograd.record(out, "tanh",
                g -> new Tensor[] {mul(g, affine(unaryRaw(UnaryOp.SQUARE, out, 0, 0), -1, 1))}, x).saving(out);
    }

    public static Tensor sigmoid(Tensor x) {
        Tensor out = unaryRaw(UnaryOp.SIGMOID, x, 0, 0);
        return Autograd.record(out, "sigmoid",
                g -> new Tensor[] {mul(g, unaryRaw(UnaryOp.SIGMOID_GRAD_FROM_INPUT, x, 0, 0))}, x).saving(x);
    }

    /** min(max(x, min), max); the gradient passes where min <= x <= max. */
    public static Tensor clamp(Tensor x, double min, double max) {
        Tensor out = unaryRaw(UnaryOp.CLAMP, x, min, max);
        return Autograd.record(out, "clamp", g -> {
            Tensor inside = binaryRaw(BinaryOp.EQ, out, x).to(floatType(g));
            return new Tensor[] {mul(g, inside)};
        }, x).saving(out, x);
    }

    /** Activations whose derivative is a kernel of its own (SILU_GRAD, ...). */
    static Tensor activation(Tensor x, UnaryOp op, UnaryOp derivative, String name, double alpha) {
        Tensor out = unaryRaw(op, x, alpha, 0);
        return Autograd.record(out, name, g -> new Tensor[] {mul(g, unaryRaw(derivative, x, alpha, 0))}, x).saving(x);
    }

    public static Tensor relu(Tensor x) {
        Tensor out = unaryRaw(UnaryOp.RELU, x, 0, 0);
        return Autograd.record(out, "relu", g -> new Tensor[] {binaryRaw(BinaryOp.MASK_POSITIVE, g, x)}, x).saving(x);
    }

    public static Tensor leakyRelu(Tensor x, double slope) {
        Tensor out = unaryRaw(UnaryOp.LEAKY_RELU, x, slope, 0);
        return Autograd.record(out, "leaky_relu", g -> {
            Tensor pos = binaryRaw(BinaryOp.GT, x, Creation.full(x.backend(), floatType(x), 0, 1)).to(floatType(g));
            Tensor factor = affine(pos, 1 - slope, slope);
            return new Tensor[] {mul(g, factor)};
        }, x).saving(x);
    }

    /** Sum of squares of all elements (no autograd): gradient norms for clipping and logging. */
    public static double sumSquaresOf(Tensor x) {
        Tensor flat = x.contiguous().reshape(-1);
        Backend be = flat.backend();
        Tensor out = Tensor.empty(be, DType.F32, 1);
        be.reduce(ReduceOp.SUM_SQUARES, flat.view(), 0, out.view());
        return out.toDoubleArray()[0];
    }
}
