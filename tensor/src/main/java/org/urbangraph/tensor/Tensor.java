package org.urbangraph.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.urbangraph.kernels.Backend;
import org.urbangraph.kernels.Backends;
import org.urbangraph.kernels.Buffer;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.HostAccess;
import org.urbangraph.kernels.HostBuffer;
import org.urbangraph.kernels.View;

/**
 * An n-dimensional array on one device: a buffer, a dtype, a shape, element strides and an element offset.
 * Views (reshape, permute, narrow, expand, ...) share the buffer; operations allocate new tensors on the same
 * device. When a float tensor requires gradients, operations on it are recorded on a define-by-run tape and
 * {@link #backward()} fills {@link #grad()} of the leaves.
 *
 * <p>This class holds the state and the view operations; the math lives in {@link Pointwise}, {@link Reductions},
 * {@link LinAlg}, {@link Functional}, {@link Indexing} and {@link Layout}, with thin instance methods here for
 * readability at call sites.
 *
 * <p>In-place writes ({@link #fill}, {@link #copyFrom}, optimizer updates) bump a version counter that a tensor
 * shares with every view of its storage, as PyTorch's {@code _version}. An operation that keeps a tensor for its
 * backward records that tensor's version, and {@link #backward()} fails if the tensor was written in place since:
 * the gradient would silently use the new values. In-place writes to a tensor that requires gradients, or to a view
 * of one, are refused while gradients are recorded; optimizers write under {@link NoGrad}.
 */
public final class Tensor {

    /** The in-place write count of one storage buffer, shared by every tensor that views it. */
    private static final class Version {
        private static final AtomicLong SERIALS = new AtomicLong();

        /** Numbers storages in the order they were made, so a backward pass can tell its own buffers. */
        final long serial = SERIALS.incrementAndGet();
        int value;
    }

    private final Buffer buffer;
    private final DType dtype;
    private final int[] shape;
    private final long[] strides;
    private final long offset;

    private boolean requiresGrad;
    private boolean retainGrad;
    private Tensor grad;
    GradNode node;
    private String name;
    /** Shared with every view of the same storage (and with {@link #detach()}ed copies of them). */
    private final Version version;
    /** The tensor this one is a view of (the root of a chain of views), or null. */
    private final Tensor base;

    Tensor(Buffer buffer, DType dtype, int[] shape, long[] strides, long offset) {
        this(buffer, dtype, shape, strides, offset, new Version(), null);
    }

    private Tensor(Buffer buffer, DType dtype, int[] shape, long[] strides, long offset, Version version, Tensor base) {
        this.buffer = buffer;
        this.dtype = dtype;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        this.version = version;
        this.base = base;
    }

    /**
     * A tensor over an existing buffer region (row-major), for loaders that map weights. It counts in-place writes
     * on its own: wrapping one buffer twice gives two tensors that do not see each other's writes.
     */
    public static Tensor wrap(Buffer buffer, DType dtype, long offset, int... shape) {
        Shapes.checkSizes(shape);
        return new Tensor(buffer, dtype, shape.clone(), View.rowMajorStrides(shape), offset);
    }

    /** An uninitialised-looking (in fact zeroed) tensor on the current backend. */
    public static Tensor empty(DType dtype, int... shape) {
        return empty(Backends.current(), dtype, shape);
    }

    public static Tensor empty(Backend backend, DType dtype, int... shape) {
        Shapes.checkSizes(shape);
        Buffer buf = Meta.active() ? Meta.BUFFER : backend.allocate(dtype, Shapes.numel(shape));
        return new Tensor(buf, dtype, shape.clone(), View.rowMajorStrides(shape), 0);
    }

    // ---- metadata -------------------------------------------------------------------------------------------

    public DType dtype() {
        return dtype;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int size(int dim) {
        return shape[Shapes.dim(dim, shape.length)];
    }

    public int rank() {
        return shape.length;
    }

    public long numel() {
        return Shapes.numel(shape);
    }

    public long[] strides() {
        return strides.clone();
    }

    public long offset() {
        return offset;
    }

    public Buffer buffer() {
        return buffer;
    }

    /** The kernels' view of this tensor. */
    public View view() {
        return new View(buffer, dtype, offset, shape, strides);
    }

    public Backend backend() {
        if (buffer == Meta.BUFFER) {
            throw new IllegalStateException("tensor " + (name != null ? "'" + name + "' " : "")
                    + Arrays.toString(shape) + " has no data: it is a placeholder for a weight that was never loaded");
        }
        return Backends.forBuffer(buffer);
    }

    public boolean isContiguous() {
        return view().isContiguous();
    }

    public String name() {
        return name;
    }

    /** Attaches a name used in error messages (parameters carry their checkpoint names). */
    public Tensor named(String n) {
        this.name = n;
        return this;
    }

    @Override
    public String toString() {
        return "Tensor" + (name != null ? "(" + name + ")" : "") + dtype + Arrays.toString(shape)
                + (requiresGrad ? " requires_grad" : "") + (node != null ? " grad_fn=" + node.op() : "");
    }

    // ---- autograd -------------------------------------------------------------------------------------------

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Marks a leaf tensor as a variable whose gradient {@link #backward()} computes. Float tensors only. */
    public Tensor requiresGrad(boolean on) {
        if (on && !dtype.isFloat()) {
            throw new IllegalArgumentException("only float tensors can require gradients, not " + dtype);
        }
        if (!on && node != null) {
            throw new IllegalStateException("cannot stop a non-leaf tensor from requiring grad; use detach()");
        }
        this.requiresGrad = on;
        return this;
    }

    /** Keeps the gradient of this non-leaf tensor in {@link #grad()} after backward. */
    public Tensor retainGrad() {
        this.retainGrad = true;
        return this;
    }

    void requiresGradInternal() {
        this.requiresGrad = true;
    }

    boolean retainsGrad() {
        return retainGrad;
    }

    public Tensor grad() {
        return grad;
    }

    public void setGrad(Tensor g) {
        if (g != null && !Arrays.equals(g.shape, shape)) {
            throw new IllegalArgumentException("gradient of shape " + Arrays.toString(g.shape) + " for a tensor of shape "
                    + Arrays.toString(shape));
        }
        this.grad = g;
    }

    public void zeroGrad() {
        this.grad = null;
    }

    /** The operation that produced this tensor, or null for a leaf. */
    public String gradFn() {
        return node == null ? null : node.op();
    }

    public boolean isLeaf() {
        return node == null;
    }

    /** Backward from a scalar: fills {@code grad} of every leaf that requires it (accumulating). Frees the graph. */
    public void backward() {
        Autograd.backward(this, null, false);
    }

    /** Backward with an explicit output gradient (same shape as this tensor). */
    public void backward(Tensor gradOutput, boolean retainGraph) {
        Autograd.backward(this, gradOutput, retainGraph);
    }

    /**
     * The same data, cut off from the tape. It shares the version counter, so writing to it is still seen by a
     * backward pass that needs the old values; unlike a view it may be written while gradients are recorded.
     */
    public Tensor detach() {
        return new Tensor(buffer, dtype, shape, strides, offset, version, null);
    }

    /**
     * How many in-place writes this tensor's storage has had (PyTorch's {@code _version}); every view of the
     * storage sees the same count.
     */
    public int version() {
        return version.value;
    }

    /**
     * Counts an in-place write to this tensor's storage. {@link #fill}, {@link #copyFrom} and the optimizers call
     * it; code that writes into a tensor's buffer through a {@link Backend} directly must call it too.
     */
    public void bumpVersion() {
        version.value++;
    }

    /** The tensor this one is a view of, or null when it is not a view. */
    Tensor viewBase() {
        return base;
    }

    /** A number that every storage made from now on will have reached or passed (see {@link #madeSince}). */
    static long storageSerial() {
        return Version.SERIALS.get() + 1;
    }

    /** Whether this tensor's storage was made after {@code serial} was taken from {@link #storageSerial()}. */
    boolean madeSince(long serial) {
        return version.serial >= serial;
    }

    /** The identity of this tensor's storage: the same object for all its views. */
    Object storage() {
        return version;
    }

    /**
     * Records the versions of tensors that the backward of the operation which just produced this tensor reads
     * (nulls are skipped), so that backward can detect that one was written in place in between. No-op when the
     * operation was not recorded. Call it on the result of {@link Autograd#record}.
     */
    Tensor saving(Tensor... saved) {
        if (node != null) {
            node.save(saved);
        }
        return this;
    }

    // ---- views (no copy) ------------------------------------------------------------------------------------

    Tensor viewAs(int[] newShape, long[] newStrides, long newOffset) {
        return new Tensor(buffer, dtype, newShape, newStrides, newOffset, version, base != null ? base : this);
    }

    /** Reshape: a view when the layout allows, a copy otherwise. One dimension may be -1. */
    public Tensor reshape(int... newShape) {
        return Layout.reshape(this, newShape);
    }

    /** Like {@link #reshape} but never copies; fails on a layout that needs a copy. */
    public Tensor view(int... newShape) {
        return Layout.view(this, newShape);
    }

    public Tensor flatten() {
        return reshape(-1);
    }

    public Tensor permute(int... dims) {
        return Layout.permute(this, dims);
    }

    public Tensor transpose(int d0, int d1) {
        return Layout.transpose(this, d0, d1);
    }

    /** The last two dimensions swapped. */
    public Tensor mT() {
        return transpose(-2, -1);
    }

    /** Elements [start, start + length) along {@code dim}. */
    public Tensor narrow(int dim, int start, int length) {
        return Layout.narrow(this, dim, start, length);
    }

    /** Python-style slice along one dimension with a step: {@code x[start:end:step]}. */
    public Tensor slice(int dim, int start, int end, int step) {
        return Layout.slice(this, dim, start, end, step);
    }

    /** Index one position along {@code dim}, removing that dimension. Like narrow, it takes no negative index. */
    public Tensor select(int dim, int index) {
        int n = size(dim);
        if (index < 0 || index >= n) {
            throw new IndexOutOfBoundsException("select index " + index + " out of range for dimension " + dim
                    + " of size " + n);
        }
        return narrow(dim, index, 1).squeeze(dim);
    }

    public Tensor expand(int... newShape) {
        return Layout.expand(this, newShape);
    }

    public Tensor squeeze(int dim) {
        return Layout.squeeze(this, dim);
    }

    public Tensor unsqueeze(int dim) {
        return Layout.unsqueeze(this, dim);
    }

    public Tensor contiguous() {
        return isContiguous() ? this : Layout.copy(this, dtype);
    }

    /** A copy in another dtype (gradients flow back through float conversions). */
    public Tensor to(DType target) {
        return target == dtype ? this : Layout.copy(this, target);
    }

    /** A contiguous copy in the same dtype. */
    public Tensor copy() {
        return Layout.copy(this, dtype);
    }

    /** This tensor on another backend (an explicit transfer; on the same backend it is returned as is). */
    public Tensor toBackend(Backend target) {
        return Layout.transfer(this, target);
    }

    public Tensor[] split(int size, int dim) {
        return Layout.split(this, size, dim);
    }

    public Tensor[] chunk(int chunks, int dim) {
        return Layout.chunk(this, chunks, dim);
    }

    // ---- in-place (no autograd) -----------------------------------------------------------------------------

    /**
     * Copies {@code src} (broadcast to this shape, any dtype) into this tensor's memory. Refused while gradients are
     * recorded if this tensor requires them or is a view of one that does (see the class comment).
     */
    public Tensor copyFrom(Tensor src) {
        Layout.assign(this, src);
        return this;
    }

    /** Sets every element to {@code value}; refused like {@link #copyFrom} on tensors that require gradients. */
    public Tensor fill(double value) {
        Layout.checkInPlace(this, "fill");
        backend().fill(view(), value);
        bumpVersion();
        return this;
    }

    // ---- element access -------------------------------------------------------------------------------------

    /** The elements in row-major order as floats (a copy). */
    public float[] toFloatArray() {
        Tensor c = hostContiguous(DType.F32);
        float[] out = new float[Math.toIntExact(c.numel())];
        MemorySegment.copy(((HostBuffer) c.buffer).segment(), java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, c.offset * 4,
                out, 0, out.length);
        return out;
    }

    /** The elements in row-major order as doubles (exact for F64 and every narrower float type). */
    public double[] toDoubleArray() {
        Tensor c = hostContiguous(DType.F64);
        double[] out = new double[Math.toIntExact(c.numel())];
        MemorySegment.copy(((HostBuffer) c.buffer).segment(), java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED, c.offset * 8,
                out, 0, out.length);
        return out;
    }

    /** The elements in row-major order as longs (a copy; floats are truncated). */
    public long[] toLongArray() {
        Tensor c = hostContiguous(DType.I64);
        long[] out = new long[Math.toIntExact(c.numel())];
        MemorySegment.copy(((HostBuffer) c.buffer).segment(), java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, c.offset * 8,
                out, 0, out.length);
        return out;
    }

    public int[] toIntArray() {
        long[] l = toLongArray();
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            out[i] = Math.toIntExact(l[i]);
        }
        return out;
    }

    /** The value of a one-element tensor. */
    public float item() {
        if (numel() != 1) {
            throw new IllegalStateException("item() of a tensor with " + numel() + " elements " + Arrays.toString(shape));
        }
        return toFloatArray()[0];
    }

    /** One element by its indices, as a double. */
    public double get(int... idx) {
        if (idx.length != shape.length) {
            throw new IllegalArgumentException(idx.length + " indices for a tensor of rank " + shape.length);
        }
        long off = offset;
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("index " + idx[i] + " out of range for dimension " + i
                        + " of size " + shape[i]);
            }
            off += idx[i] * strides[i];
        }
        if (buffer instanceof HostBuffer hb) {
            return HostAccess.get(hb.segment(), dtype, off);
        }
        return narrowTo(idx).toDoubleArray()[0];
    }

    private Tensor narrowTo(int[] idx) {
        Tensor t = this;
        for (int i = 0; i < idx.length; i++) {
            t = t.narrow(i, idx[i], 1);
        }
        return t;
    }

    /** A contiguous host copy in {@code target} dtype (this tensor itself when it already is one). */
    private Tensor hostContiguous(DType target) {
        try (NoGrad g = NoGrad.enter()) {
            Tensor t = this;
            if (!(t.buffer instanceof HostBuffer)) {
                t = t.toBackend(Backends.byName("cpu"));
            }
            if (t.dtype != target || !t.isContiguous() || !(t.buffer instanceof HostBuffer)) {
                Tensor out = empty(Backends.forBuffer(t.buffer), target, shape);
                Backends.forBuffer(t.buffer).copy(t.view(), out.view());
                t = out;
            }
            return t;
        }
    }

    // ---- creation (see Creation for the full set) -----------------------------------------------------------

    public static Tensor of(float[] data, int... shape) {
        return Creation.fromArray(data, shape);
    }

    public static Tensor of(long[] data, int... shape) {
        return Creation.fromArray(data, shape);
    }

    public static Tensor scalar(float v) {
        return Creation.fromArray(new float[] {v});
    }

    public static Tensor zeros(int... shape) {
        return Creation.zeros(DType.F32, shape);
    }

    public static Tensor ones(int... shape) {
        return Creation.full(DType.F32, 1, shape);
    }

    public static Tensor full(double value, int... shape) {
        return Creation.full(DType.F32, value, shape);
    }

    public static Tensor randn(long seed, int... shape) {
        return Creation.randn(seed, shape);
    }

    public static Tensor rand(long seed, int... shape) {
        return Creation.rand(seed, shape);
    }

    public static Tensor arange(long start, long end) {
        return Creation.arange(start, end);
    }

    // ---- math (see the op classes) --------------------------------------------------------------------------

    public Tensor add(Tensor o) {
        return Pointwise.add(this, o);
    }

    public Tensor add(double c) {
        return Pointwise.affine(this, 1, c);
    }

    public Tensor sub(Tensor o) {
        return Pointwise.sub(this, o);
    }

    public Tensor sub(double c) {
        return Pointwise.affine(this, 1, -c);
    }

    public Tensor mul(Tensor o) {
        return Pointwise.mul(this, o);
    }

    public Tensor mul(double c) {
        return Pointwise.affine(this, c, 0);
    }

    /** Element-wise division; of two integer tensors it is floor division, unlike torch (see {@link Pointwise}). */
    public Tensor div(Tensor o) {
        return Pointwise.div(this, o);
    }

    public Tensor div(double c) {
        return Pointwise.affine(this, 1.0 / c, 0);
    }

    public Tensor neg() {
        return Pointwise.neg(this);
    }

    public Tensor exp() {
        return Pointwise.exp(this);
    }

    public Tensor log() {
        return Pointwise.log(this);
    }

    public Tensor sqrt() {
        return Pointwise.sqrt(this);
    }

    public Tensor rsqrt() {
        return Pointwise.rsqrt(this);
    }

    public Tensor pow(double p) {
        return Pointwise.pow(this, p);
    }

    public Tensor abs() {
        return Pointwise.abs(this);
    }

    public Tensor clamp(double min, double max) {
        return Pointwise.clamp(this, min, max);
    }

    public Tensor maximum(Tensor o) {
        return Pointwise.maximum(this, o);
    }

    public Tensor sum() {
        return Reductions.sumAll(this);
    }

    public Tensor sum(int dim, boolean keepDim) {
        return Reductions.sum(this, dim, keepDim);
    }

    public Tensor mean() {
        return Reductions.meanAll(this);
    }

    public Tensor mean(int dim, boolean keepDim) {
        return Reductions.mean(this, dim, keepDim);
    }

    public Tensor max(int dim, boolean keepDim) {
        return Reductions.max(this, dim, keepDim);
    }

    public Tensor argmax(int dim, boolean keepDim) {
        return Reductions.argmax(this, dim, keepDim);
    }

    public Tensor logsumexp(int dim, boolean keepDim) {
        return Reductions.logsumexp(this, dim, keepDim);
    }

    public Tensor matmul(Tensor o) {
        return LinAlg.matmul(this, o);
    }

    public Tensor softmax(int dim) {
        return Functional.softmax(this, dim);
    }

    public Tensor logSoftmax(int dim) {
        return Functional.logSoftmax(this, dim);
    }
}
