package org.urbangraph.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import org.urbangraph.kernels.Backend;
import org.urbangraph.kernels.Buffer;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.HostBuffer;
import org.urbangraph.kernels.View;

/**
 * Shape and memory-layout operations: views that share storage (reshape, permute, narrow, expand, squeeze), and
 * the copies (contiguous, dtype conversion, cat, stack, transfers). Each records its backward.
 */
public final class Layout {
    private Layout() {}

    // ---- views ----------------------------------------------------------------------------------------------

    /** Strides for viewing t with newShape without a copy, or null if the layout does not allow it. */
    static long[] viewStrides(Tensor t, int[] newShape) {
        int[] old = t.shape();
        long[] ost = t.strides();
        // Merge old dims into contiguous chunks, then split each chunk over new dims (PyTorch's computeStride).
        long[] ns = new long[newShape.length];
        int viewD = newShape.length - 1;
        long chunkBase = ost.length == 0 ? 1 : ost[ost.length - 1];
        long tensorNumel = 1;
        long viewNumel = 1;
        for (int td = old.length - 1; td >= 0; td--) {
            tensorNumel *= old[td];
            if (td == 0 || (old[td - 1] != 1 && ost[td - 1] != tensorNumel * chunkBase)) {
                while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1)) {
                    ns[viewD] = viewNumel * chunkBase;
                    viewNumel *= newShape[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) {
                    return null;
                }
                if (td > 0) {
                    chunkBase = ost[td - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        while (viewD >= 0) {
            ns[viewD] = 1;
            viewD--;
        }
        return ns;
    }

    public static Tensor view(Tensor t, int[] shape) {
        int[] s = Shapes.infer(shape, t.numel());
        long[] st = t.numel() == 0 ? View.rowMajorStrides(s) : viewStrides(t, s);
        if (st == null) {
            throw new IllegalStateException("view " + Arrays.toString(s) + " of a tensor with shape "
                    + Arrays.toString(t.shape()) + " and strides " + Arrays.toString(t.strides())
                    + " needs a copy; use reshape()");
        }
        Tensor out = t.viewAs(s, st, t.offset());
        int[] in = t.shape();
        return Autograd.record(out, "view", g -> new Tensor[] {g.reshape(in)}, t);
    }

    public static Tensor reshape(Tensor t, int[] shape) {
        int[] s = Shapes.infer(shape, t.numel());
        long[] st = t.numel() == 0 ? View.rowMajorStrides(s) : viewStrides(t, s);
        if (st != null) {
            return view(t, s);
        }
        return view(copy(t, t.dtype()), s);
    }

    public static Tensor permute(Tensor t, int[] dims) {
        int r = t.rank();
        if (dims.length != r) {
            throw new IllegalArgumentException("permute of rank " + r + " with " + Arrays.toString(dims));
        }
        int[] shape = t.shape();
        long[] st = t.strides();
        int[] ns = new int[r];
        long[] nst = new long[r];
        int[] inverse = new int[r];
        boolean[] seen = new boolean[r];
        for (int i = 0; i < r; i++) {
            int d = Shapes.dim(dims[i], r);
            if (seen[d]) {
                throw new IllegalArgumentException("repeated dimension in permute " + Arrays.toString(dims));
            }
            seen[d] = true;
            ns[i] = shape[d];
            nst[i] = st[d];
            inverse[d] = i;
        }
        Tensor out = t.viewAs(ns, nst, t.offset());
        return Autograd.record(out, "permute", g -> new Tensor[] {permute(g, inverse)}, t);
    }

    public static Tensor transpose(Tensor t, int d0, int d1) {
        int r = t.rank();
        int a = Shapes.dim(d0, r);
        int b = Shapes.dim(d1, r);
        int[] dims = new int[r];
        for (int i = 0; i < r; i++) {
            dims[i] = i;
        }
        dims[a] = b;
        dims[b] = a;
        return permute(t, dims);
    }

    public static Tensor narrow(Tensor t, int dim, int start, int length) {
        return slice(t, dim, start, start + length, 1);
    }

    public static Tensor slice(Tensor t, int dim, int start, int end, int step) {
        int d = Shapes.dim(dim, t.rank());
        int n = t.shape()[d];
        if (start < 0 || end > n || start > end || step < 1) {
            throw new IndexOutOfBoundsException("slice [" + start + ":" + end + ":" + step + "] of dimension " + dim
                    + " with size " + n);
        }
        int[] shape = t.shape();
        long[] st = t.strides();
        int len = (end - start + step - 1) / step;
        shape[d] = len;
        long off = t.offset() + start * st[d];
        st[d] *= step;
        Tensor out = t.viewAs(shape, st, off);
        int[] in = t.shape();
        return Autograd.record(out, "slice", g -> {
            Tensor z = Creation.full(g.backend(), Pointwise.floatType(g), 0, in);
            assign(slice(z, d, start, end, step), g);
            return new Tensor[] {z};
        }, t);
    }

    public static Tensor expand(Tensor t, int[] shape) {
        int r = shape.length;
        if (r < t.rank()) {
            throw new IllegalArgumentException("expand " + Arrays.toString(t.shape()) + " to fewer dimensions "
                    + Arrays.toString(shape));
        }
        int[] target = shape.clone();
        int lead = r - t.rank();
        for (int i = 0; i < r; i++) {
            if (target[i] == -1 && i >= lead) {
                target[i] = t.shape()[i - lead];
            } else if (target[i] < 0) {
                throw new IllegalArgumentException("expand " + Arrays.toString(t.shape()) + " to "
                        + Arrays.toString(shape) + ": size " + target[i] + " at dimension " + i + " is negative"
                        + (target[i] == -1 ? " (-1 keeps a size only for an existing dimension)" : ""));
            }
        }
        View v = Pointwise.broadcastView(t, target);
        if (Arrays.equals(target, t.shape())) {
            return t;
        }
        Tensor out = t.viewAs(target, v.strides(), t.offset());
        int[] in = t.shape();
        return Autograd.record(out, "expand", g -> new Tensor[] {Pointwise.sumTo(g, in)}, t);
    }

    public static Tensor squeeze(Tensor t, int dim) {
        int d = Shapes.dim(dim, t.rank());
        if (t.shape()[d] != 1) {
            return t;
        }
        int[] shape = Reductions.droppedShape(t.shape(), d);
        long[] st = new long[shape.length];
        long[] ost = t.strides();
        for (int i = 0, j = 0; i < ost.length; i++) {
            if (i != d) {
                st[j++] = ost[i];
            }
        }
        Tensor out = t.viewAs(shape, st, t.offset());
        int[] in = t.shape();
        return Autograd.record(out, "squeeze", g -> new Tensor[] {g.reshape(in)}, t);
    }

    public static Tensor unsqueeze(Tensor t, int dim) {
        int r = t.rank() + 1;
        int d = Shapes.dim(dim, r);
        int[] shape = new int[r];
        long[] st = new long[r];
        int[] os = t.shape();
        long[] ost = t.strides();
        for (int i = 0, j = 0; i < r; i++) {
            if (i == d) {
                shape[i] = 1;
                st[i] = j < os.length ? ost[j] * os[j] : 1;
            } else {
                shape[i] = os[j];
                st[i] = ost[j];
                j++;
            }
        }
        Tensor out = t.viewAs(shape, st, t.offset());
        int[] in = t.shape();
        return Autograd.record(out, "unsqueeze", g -> new Tensor[] {g.reshape(in)}, t);
    }

    // ---- copies ---------------------------------------------------------------------------------------------

    /** A contiguous copy in {@code dtype}; gradients flow through float-to-float copies. */
    public static Tensor copy(Tensor t, DType dtype) {
        Backend be = t.backend();
        Tensor out = Tensor.empty(be, dtype, t.shape());
        be.copy(t.view(), out.view());
        if (!dtype.isFloat()) {
            return out;
        }
        return Autograd.record(out, "copy", g -> new Tensor[] {g}, t);
    }

    /** Moves a tensor to another backend through host memory (an explicit transfer). */
    public static Tensor transfer(Tensor t, Backend target) {
        Backend src = t.backend();
        if (src == target || target.owns(t.buffer())) {
            return t;
        }
        Tensor c = t.contiguous();
        // a host array of the element type, so host kernels can read it with aligned accesses (a byte[] cannot)
        MemorySegment host = HostBuffer.allocate(c.dtype(), c.numel()).segment();
        src.toHost(c.buffer(), c.offset() * c.dtype().size(), host);
        Buffer buf = target.upload(host, true);
        Tensor out = Tensor.wrap(buf, c.dtype(), 0, c.shape());
        return Autograd.record(out, "to_backend", g -> new Tensor[] {transfer(g, src)}, t);
    }

    /**
     * Writes src (broadcast) into dst's memory and bumps dst's version. Not recorded: dst must not be part of a
     * graph, and must not require gradients unless gradients are off ({@link #checkInPlace}).
     */
    public static void assign(Tensor dst, Tensor src) {
        checkInPlace(dst, "copyFrom");
        Backend be = Pointwise.sameBackend(dst, src);
        be.copy(Pointwise.broadcastView(src, dst.shape()), dst.view());
        dst.bumpVersion();
    }

    /**
     * Refuses an in-place write while gradients are recorded to a tensor that requires them (a leaf variable or a
     * result in the graph) or to a view of one, as PyTorch does. Under {@link NoGrad} (optimizer steps, loading)
     * or on a {@link Tensor#detach()}ed tensor the write is allowed; the version counter still catches a write to
     * a tensor that a backward pass needs.
     */
    static void checkInPlace(Tensor t, String op) {
        if (!NoGrad.enabled()) {
            return;
        }
        if (t.requiresGrad()) {
            throw new IllegalStateException(op + " on " + (t.isLeaf()
                    ? "a leaf tensor that requires grad (" + t + "): a leaf variable that requires grad cannot be used"
                            + " in an in-place operation"
                    : "a tensor that is part of the autograd graph (" + t + ")")
                    + "; do it under NoGrad or on a detached tensor");
        }
        Tensor base = t.viewBase();
        if (base != null && base.requiresGrad()) {
            throw new IllegalStateException(op + " on a view of a tensor that requires grad (" + base
                    + "), made while gradients were off; do it under NoGrad or on a detached tensor");
        }
    }

    public static Tensor cat(List<Tensor> parts, int dim) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("cat of no tensors");
        }
        Tensor first = parts.get(0);
        int d = Shapes.dim(dim, first.rank());
        int[] shape = first.shape();
        int total = 0;
        boolean anyFloat = false;
        DType floatOut = Pointwise.floatType(parts.toArray(new Tensor[0]));
        for (Tensor p : parts) {
            int[] s = p.shape();
            if (s.length != shape.length) {
                throw new IllegalArgumentException("cat of tensors with ranks " + shape.length + " and " + s.length);
            }
            for (int i = 0; i < s.length; i++) {
                if (i != d && s[i] != shape[i]) {
                    throw new IllegalArgumentException("cat along " + dim + " of shapes " + Arrays.toString(shape)
                            + " and " + Arrays.toString(s));
                }
            }
            total += s[d];
            anyFloat |= p.dtype().isFloat();
        }
        shape[d] = total;
        DType dt = anyFloat ? floatOut : first.dtype();
        if (!anyFloat) {
            for (Tensor p : parts) {
                if (p.dtype() != dt) {
                    dt = DType.I64;
                }
            }
        }
        Backend be = first.backend();
        Tensor out = Tensor.empty(be, dt, shape);
        int at = 0;
        int[] starts = new int[parts.size()];
        for (int i = 0; i < parts.size(); i++) {
            Tensor p = parts.get(i);
            starts[i] = at;
            try (NoGrad g = NoGrad.enter()) {
                be.copy(p.view(), out.narrow(d, at, p.shape()[d]).view());
            }
            at += p.shape()[d];
        }
        Tensor[] inputs = parts.toArray(new Tensor[0]);
        return Autograd.record(out, "cat", g -> {
            Tensor[] gs = new Tensor[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                gs[i] = inputs[i].requiresGrad() ? narrow(g, d, starts[i], inputs[i].shape()[d]) : null;
            }
            return gs;
        }, inputs);
    }

    public static Tensor stack(List<Tensor> parts, int dim) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("stack of no tensors");
        }
        int d = Shapes.dim(dim, parts.get(0).rank() + 1);
        return cat(parts.stream().map(p -> unsqueeze(p, d)).toList(), d);
    }

    /**
     * Views of {@code t} along {@code dim} of {@code size} each (the last one shorter), as {@code torch.split}. An
     * empty dimension gives one empty part, as in torch (ATen's {@code max(..., 1)} splits), whatever the size.
     */
    public static Tensor[] split(Tensor t, int size, int dim) {
        int d = Shapes.dim(dim, t.rank());
        int n = t.shape()[d];
        if (size < 1 && !(size == 0 && n == 0)) {
            throw new IllegalArgumentException("split of " + Arrays.toString(t.shape()) + " along dimension " + dim
                    + " into parts of size " + size + ": the size must be positive");
        }
        if (n == 0) {
            return new Tensor[] {t};
        }
        int count = (n + size - 1) / size;
        Tensor[] out = new Tensor[count];
        for (int i = 0; i < count; i++) {
            out[i] = narrow(t, d, i * size, Math.min(size, n - i * size));
        }
        return out;
    }

    /** {@code chunks} parts as {@code torch.chunk}: {@link #split} by {@code ceil(n / chunks)}; one when n is 0. */
    public static Tensor[] chunk(Tensor t, int chunks, int dim) {
        if (chunks < 1) {
            throw new IllegalArgumentException("chunk of " + Arrays.toString(t.shape()) + " into " + chunks
                    + " chunks: the count must be positive");
        }
        int n = t.shape()[Shapes.dim(dim, t.rank())];
        return split(t, (n + chunks - 1) / chunks, dim);
    }
}
