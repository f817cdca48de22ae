package org.urbangraph.tensor;

import org.urbangraph.kernels.Backend;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.ReduceOp;

/** Reductions along a dimension or over all elements, with their gradients. */
public final class Reductions {
    private Reductions() {}

    static int[] keptShape(int[] shape, int d) {
        int[] s = shape.clone();
        s[d] = 1;
        return s;
    }

    static int[] droppedShape(int[] shape, int d) {
        int[] s = new int[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i != d) {
                s[j++] = shape[i];
            }
        }
        return s;
    }

    private static Tensor raw(ReduceOp op, Tensor x, int d, DType outType) {
        Backend be = x.backend();
        Tensor out = Tensor.empty(be, outType, keptShape(x.shape(), d));
        be.reduce(op, x.view(), d, out.view());
        return out;
    }

    private static Tensor finish(Tensor kept, int d, boolean keepDim) {
        return keepDim ? kept : kept.squeeze(d);
    }

    /** Broadcasts a reduced gradient back over the reduced dimension. */
    static Tensor expandBack(Tensor g, int[] inputShape, int d, boolean keepDim) {
        Tensor gk = keepDim ? g : g.unsqueeze(d);
        return gk.expand(inputShape);
    }

    public static Tensor sum(Tensor x, int dim, boolean keepDim) {
        int d = Shapes.dim(dim, x.rank());
        DType t = x.dtype().isFloat() ? Pointwise.floatType(x) : DType.I64;
        Tensor out = finish(raw(ReduceOp.SUM, x, d, t), d, keepDim);
        return Autograd.record(out, "sum", g -> new Tensor[] {expandBack(g, x.shape(), d, keepDim)}, x);
    }

    public static Tensor mean(Tensor x, int dim, boolean keepDim) {
        int d = Shapes.dim(dim, x.rank());
        Tensor out = finish(raw(ReduceOp.MEAN, x, d, Pointwise.floatType(x)), d, keepDim);
        int n = x.shape()[d];
        return Autograd.record(out, "mean",
                g -> new Tensor[] {expandBack(Pointwise.affine(g, 1.0 / n, 0), x.shape(), d, keepDim)}, x);
    }

    /** Sum of every element, as a 0-d tensor. */
    public static Tensor sumAll(Tensor x) {
        Tensor flat = x.rank() == 1 ? x : x.reshape(-1);
        if (x.rank() == 0) {
            flat = x.reshape(1);
        }
        return sum(flat, 0, false);
    }

    public static Tensor meanAll(Tensor x) {
        return Pointwise.affine(sumAll(x), 1.0 / Math.max(1, x.numel()), 0);
    }

    /** Maximum values along dim; the gradient goes to the first maximum (the argmax), as PyTorch's max(dim). */
    public static Tensor max(Tensor x, int dim, boolean keepDim) {
        return extremum(x, dim, keepDim, ReduceOp.MAX, ReduceOp.ARGMAX, "max");
    }

    public static Tensor min(Tensor x, int dim, boolean keepDim) {
        return extremum(x, dim, keepDim, ReduceOp.MIN, ReduceOp.ARGMIN, "min");
    }

    private static Tensor extremum(Tensor x, int dim, boolean keepDim, ReduceOp op, ReduceOp argOp, String name) {
        int d = Shapes.dim(dim, x.rank());
        Tensor out = finish(raw(op, x, d, x.dtype().isFloat() ? Pointwise.floatType(x) : DType.I64), d, keepDim);
        return Autograd.record(out, name, g -> {
            Tensor idx = raw(argOp, x, d, DType.I64);
            Tensor gk = keepDim ? g : g.unsqueeze(d);
            Tensor zeros = Creation.full(g.backend(), Pointwise.floatType(g), 0, x.shape());
            return new Tensor[] {Indexing.scatterAdd(zeros, d, idx, gk)};
        }, x).saving(x);
    }

    public static Tensor argmax(Tensor x, int dim, boolean keepDim) {
        int d = Shapes.dim(dim, x.rank());
        return finish(raw(ReduceOp.ARGMAX, x, d, DType.I64), d, keepDim);
    }

    public static Tensor argmin(Tensor x, int dim, boolean keepDim) {
        int d = Shapes.dim(dim, x.rank());
        return finish(raw(ReduceOp.ARGMIN, x, d, DType.I64), d, keepDim);
    }

    public static Tensor logsumexp(Tensor x, int dim, boolean keepDim) {
        int d = Shapes.dim(dim, x.rank());
        Tensor kept = raw(ReduceOp.LOGSUMEXP, x, d, Pointwise.floatType(x));
        Tensor out = finish(kept, d, keepDim);
        return Autograd.record(out, "logsumexp", g -> {
            Tensor p = Pointwise.exp(Pointwise.sub(x, kept));
            return new Tensor[] {Pointwise.mul(expandBack(g, x.shape(), d, keepDim), p)};
        }, x).saving(x, kept);
    }
}
