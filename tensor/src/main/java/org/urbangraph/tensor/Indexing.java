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

    /** Refuses an index that is not 1-D. */
    private static void check1d(Tensor index, String op) {
        if (index.rank() != 1) {
            throw new IllegalArgumentException(op + " needs a 1-D index, got " + Arrays.toString(index.shape()));
        }
    }

    /** Refuses a segment count below zero and segment ids that are not one per row of x [E, ...]. */
    private static void checkSegments(Tensor x, Tensor segment, int segments, String op) {
        checkIndex(segment, op);
        if (x.rank() == 0 || segment.rank() != 1 || segment.size(0) != x.size(0)) {
            throw new IllegalArgumentException(op + " needs one segment id per row of x, got ids "
                    + Arrays.toString(segment.shape()) + " for x " + Arrays.toString(x.shape()));
        }
        if (segments < 0) {
            throw new IllegalArgumentException(op + ": negative segment count " + segments);
        }
    }

    /** x.index_select(dim, index) for a 1-D index. */
    public static Tensor indexSelect(Tensor x, int dim, Tensor index) {
        checkIndex(index, "index_select");
        check1d(index, "index_select");
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
        }, x, index).saving(index);
    }

    /** Rows of an embedding table for ids of any shape: out has shape ids.shape + [dim]. */
    public static Tensor embedding(Tensor weight, Tensor ids) {
        if (weight.rank() != 2) {
            throw new IllegalArgumentException("embedding needs a 2-D table [rows, dim], got "
                    + (weight.name() != null ? weight.name() + " " : "") + Arrays.toString(weight.shape()));
        }
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
        check1d(index, "index_add");
        int d = Shapes.dim(dim, dst.rank());
        boolean fits = src.rank() == dst.rank() && src.size(d) == index.size(0);
        for (int i = 0; fits && i < dst.rank(); i++) {
            fits = i == d || src.size(i) == dst.size(i);
        }
        if (!fits) {
            throw new IllegalArgumentException("index_add along dimension " + d + " of dst "
                    + Arrays.toString(dst.shape()) + " needs src with one slice per index entry and dst's other"
                    + " sizes, got index " + Arrays.toString(index.shape()) + " and src "
                    + Arrays.toString(src.shape()));
        }
        Tensor out = dst.copy().detach();
        Backend be = out.backend();
        be.indexAdd(out.view(), d, index.view(), src.view());
        return Autograd.record(out, "index_add", g -> new Tensor[] {g, null, indexSelect(g, d, index)}, dst, index, src)
                .saving(index);
    }

    /**
     * Checks torch's shape rule of gather and scatter_add: x (the tensor read from or written to) and index have one
     * rank, and index is no larger than x outside the indexed dimension.
     */
    private static void checkAlongIndex(String op, String what, Tensor x, int d, Tensor index) {
        boolean fits = index.rank() == x.rank();
        for (int i = 0; fits && i < x.rank(); i++) {
            fits = i == d || index.size(i) <= x.size(i);
        }
        if (!fits) {
            throw new IllegalArgumentException(op + " along dimension " + d + " needs an index of " + what
                    + "'s rank, no larger than " + what + " outside that dimension, got index "
                    + Arrays.toString(index.shape()) + " for " + what + " " + Arrays.toString(x.shape()));
        }
    }

    /** t narrowed to the first {@code shape[i]} positions of every dimension i except {@code skip} (-1: none). */
    private static Tensor corner(Tensor t, int[] shape, int skip) {
        Tensor c = t;
        for (int i = 0; i < shape.length; i++) {
            if (i != skip && shape[i] != c.size(i)) {
                c = c.narrow(i, 0, shape[i]);
            }
        }
        return c;
    }

    /**
     * torch.gather(x, dim, index): index has x's rank and is no larger than x outside dim, whose leading part it
     * reads.
     */
    public static Tensor gather(Tensor x, int dim, Tensor index) {
        checkIndex(index, "gather");
        int d = Shapes.dim(dim, x.rank());
        checkAlongIndex("gather", "x", x, d, index);
        int[] shape = index.shape();
        Tensor xs = corner(x.detach(), shape, d);
        Backend be = x.backend();
        Tensor out = Tensor.empty(be, x.dtype().isFloat() ? Pointwise.floatType(x) : x.dtype(), shape);
        be.gather(xs.view(), d, index.contiguous().view(), out.view());
        return Autograd.record(out, "gather", g -> {
            Tensor z = Creation.full(g.backend(), Pointwise.floatType(g), 0, x.shape());
            g.backend().scatterAdd(corner(z, shape, d).view(), d, index.contiguous().view(), g.contiguous().view());
            return new Tensor[] {z, null};
        }, x, index).saving(index);
    }

    /**
     * dst.scatter_add(dim, index, src) as a new tensor. As in torch, index has the rank of dst and src, is no larger
     * than src anywhere and no larger than dst outside dim; only src's part that index covers is added, and the
     * rest of src gets a zero gradient.
     */
    public static Tensor scatterAdd(Tensor dst, int dim, Tensor index, Tensor src) {
        checkIndex(index, "scatter_add");
        int d = Shapes.dim(dim, dst.rank());
        checkAlongIndex("scatter_add", "dst", dst, d, index);
        checkAlongIndex("scatter_add", "src", src, -1, index);
        int[] shape = index.shape();
        Tensor out = dst.copy().detach();
        Tensor part = corner(src.detach(), shape, -1);
        out.backend().scatterAdd(corner(out, shape, d).view(), d, index.contiguous().view(),
                part.contiguous().view());
        return Autograd.record(out, "scatter_add", g -> {
            Tensor gs = gather(g, d, index);
            if (Arrays.equals(shape, src.shape())) {
                return new Tensor[] {g, null, gs};
            }
            Tensor z = Creation.full(gs.backend(), Pointwise.floatType(gs), 0, src.shape());
            Layout.assign(corner(z, shape, -1), gs);
            return new Tensor[] {g, null, z};
        }, dst, index, src).saving(index);
    }

    /** Sums rows of x [E, ...] into {@code segments} rows by segment id [E] (scatter-sum over edges). */
    public static Tensor segmentSum(Tensor x, Tensor segment, int segments) {
        checkSegments(x, segment, segments, "segment_sum");
        int[] shape = x.shape();
        shape[0] = segments;
        Tensor zeros = Creation.full(x.backend(), Pointwise.floatType(x), 0, shape);
        return indexAdd(zeros, 0, segment, x);
    }

    /**
     * Softmax of x [E] or [E, ...] over rows sharing a segment id (separately for every other position), with
     * {@code eps} added to each denominator: the edge-attention normalisation of GATv2.
     */
    public static Tensor segmentSoftmax(Tensor x, Tensor segment, int segments, double eps) {
        checkSegments(x, segment, segments, "segment_softmax");
        if (x.rank() > 2) {
            int[] shape = x.shape();
            int cols = Math.toIntExact(Shapes.numel(Arrays.copyOfRange(shape, 1, shape.length)));
            return segmentSoftmax(x.reshape(shape[0], cols), segment, segments, eps).reshape(shape);
        }
        Tensor xc = x.contiguous();
        Backend be = xc.backend();
        Tensor out = Tensor.empty(be, Pointwise.floatType(x), x.shape());
        be.segmentSoftmax(xc.view(), segment.view(), segments, (float) eps, out.view());
        return Autograd.record(out, "segment_softmax", g -> {
            Tensor dx = Tensor.empty(g.backend(), Pointwise.floatType(g), x.shape());
            g.backend().segmentSoftmaxBackward(out.view(), g.contiguous().view(), segment.view(), segments, dx.view());
            return new Tensor[] {dx, null};
        }, x, segment).saving(out, segment);
    }
}
