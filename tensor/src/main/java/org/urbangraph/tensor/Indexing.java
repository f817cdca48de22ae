package org.urbangraph.tensor;

import java.util.Arrays;
import org.urbangraph.kernels.Backend;
import org.urbangraph.kernels.DType;

/** Index-based ops (embedding lookup, index_select, gather, scatter-add, segment sum and softmax) and their gradients. */
public final class Indexing {
    private Indexing() {}

    private static Tensor checkIndex(Tensor index, String op) {
        if (!index.dtype().isIntegral()) {
            throw new IllegalArgumentException(op + " needs an integer index tensor, got " + index.dtype());
        }
        return index;
    }

    /** x.index_select(dim, index) for a 1-D index. */
    public static Tensor indexSelect(Tensor x, int dim, Tensor index) {
        checkIndex(index, "index_select");
        if (index.rank() != 1) {
            throw new IllegalArgumentException("index_select needs a 1-D index, got " + Arrays.toString(index.shape()));
        }
        int d = Shapes.dim(dim, x.rank());
        int[] shape = x.shape();
        shape[d] = index.size(0);
        Backend be = x.backend();
        Tensor out = Tensor.empty(be, x.dtype().isFloat() ? Pointwise.floatType(x) : x.dtype(), shape);
        be.indexSelect(x.view(), d, index.view(), out.view());
        return Autograd.record(out, "index_select", g -> {
            Tensor z = Creation.full(g.backend(), Pointwise.floatType(g), 0, x.shape());
            g.backend().indexAdd(z.view(), d, index.view(), g.view());
            return new Tensor[] {z, null};
        }, x, index);
    }

    /** Rows of an embedding table for ids of any shape: out has shape ids.shape + [dim]. */
    public static Tensor embedding(Tensor weight, Tensor ids) {
        int[] shape = Arrays.copyOf(ids.shape(), ids.rank() + 1);
        shape[ids.rank()] = weight.size(1);
        Tensor flat = ids.rank() == 1 ? ids : ids.contiguous().reshape(-1);
        try {
            return indexSelect(weight, 0, flat).reshape(shape);
        } catch (IndexOutOfBoundsException e) {
            throw new IndexOutOfBoundsException("token id out of range for embedding table "
                    + (weight.name() != null ? weight.name() + " " : "") + Arrays.toString(weight.shape()) + ": "
                    + e.getMessage());
        }
    }

    /** out = dst with src added at index along dim (index_add), as a new tensor. */
    public static Tensor indexAdd(Tensor dst, int dim, Tensor index, Tensor src) {
        checkIndex(index, "index_add");
        int d = Shapes.dim(dim, dst.rank());
        Tensor out = dst.copy().detach();
        Backend be = out.backend();
        be.indexAdd(out.view(), d, index.view(), src.view());
        return Autograd.record(out, "index_add", g -> new Tensor[] {g, null, indexSelect(g, d, index)}, dst, index, src);
    }

    /** torch.gather(x, dim, index). */
    public static Tensor gather(Tensor x, int dim, Tensor index) {
        checkIndex(index, "gather");
        int d = Shapes.dim(dim, x.rank());
        Backend be = x.backend();
        Tensor out = Tensor.empty(be, x.dtype().isFloat() ? Pointwise.floatType(x) : x.dtype(), index.shape());
        be.gather(x.view(), d, index.contiguous().view(), out.view());
        return Autograd.record(out, "gather", g -> {
            Tensor z = Creation.full(g.backend(), Pointwise.floatType(g), 0, x.shape());
            g.backend().scatterAdd(z.view(), d, index.contiguous().view(), g.contiguous().view());
            return new Tensor[] {z, null};
        }, x, index);
    }

    /** dst.scatter_add(dim, index, src) as a new tensor. */
    public static Tensor scatterAdd(Tensor dst, int dim, Tensor index, Tensor src) {
        checkIndex(index, "scatter_add");
        int d = Shapes.dim(dim, dst.rank());
        Tensor out = dst.copy().detach();
        out.backend().scatterAdd(out.view(), d, index.contiguous().view(), src.contiguous().view());
        return Autograd.record(out, "scatter_add", g -> new Tensor[] {g, null, gather(g, d, index)}, dst, index, src);
    }

    /** Sums rows of x [E, ...] into {@code segments} rows by segment id [E] (scatter-sum over edges). */
    public static Tensor segmentSum(Tensor x, Tensor segment, int segments) {
        int[] shape = x.shape();
        shape[0] = segments;
        Tensor zeros = Creation.full(x.backend(), Pointwise.floatType(x), 0, shape);
        return indexAdd(zeros, 0, segment, x);
    }

    /**
     * Softmax of x [E, H] over rows sharing a segment id (per column), with {@code eps} added to each denominator:
     * the edge-attention normalisation of GATv2.
     */
    public static Tensor segmentSoftmax(Tensor x, Tensor segment, int segments, double eps) {
        checkIndex(segment, "segment_softmax");
        Tensor xc = x.contiguous();
        Backend be = xc.backend();
        Tensor out = Tensor.empty(be, Pointwise.floatType(x), x.shape());
        be.segmentSoftmax(xc.view(), segment.view(), segments, (float) eps, out.view());
        return Autograd.record(out, "segment_softmax", g -> {
            Tensor dx = Tensor.empty(g.backend(), Pointwise.floatType(g), x.shape());
            g.backend().segmentSoftmaxBackward(out.view(), g.contiguous().view(), segment.view(), segments, dx.view());
            return new Tensor[] {dx, null};
        }, x, segment);
    }
}
