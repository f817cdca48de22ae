package org.urbangraph.tensor;

import java.lang.foreign.MemorySegment;
import org.urbangraph.kernels.Backend;
import org.urbangraph.kernels.Backends;
import org.urbangraph.kernels.Buffer;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.HostBuffer;
import org.urbangraph.kernels.View;

/**
 * Factories: constants, ranges, seeded random tensors and tensors from Java arrays, on the current backend.
 * Random tensors use the kernels' counter-based stream, so the same seed gives the same numbers on every backend
 * and thread count.
 */
public final class Creation {
    private Creation() {}

    public static Tensor zeros(DType dtype, int... shape) {
        return Tensor.empty(dtype, shape);
    }

    public static Tensor zerosLike(Tensor t) {
        return Tensor.empty(t.backend(), t.dtype(), t.shape());
    }

    /** Float zeros (F32, or F64 for an F64 tensor) with t's shape on t's backend: gradient buffers. */
    public static Tensor zerosLike32(Tensor t) {
        return Tensor.empty(t.backend(), Pointwise.floatType(t), t.shape());
    }

    public static Tensor full(DType dtype, double value, int... shape) {
        return full(Backends.current(), dtype, value, shape);
    }

    public static Tensor full(Backend backend, DType dtype, double value, int... shape) {
        Tensor t = Tensor.empty(backend, dtype, shape);
        if (value != 0 && !Meta.isMeta(t)) {
            backend.fill(t.view(), value);
        }
        return t;
    }

    /** [start, end) as I64. */
    public static Tensor arange(long start, long end) {
        int n = Math.toIntExact(Math.max(0, end - start));
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = start + i;
        }
        return fromArray(v, n);
    }

    /** start, start + step, ... below end, as F32 (computed in double, then rounded). */
    public static Tensor arange(double start, double end, double step) {
        if (step == 0 || !Double.isFinite(start) || !Double.isFinite(end) || !Double.isFinite(step)) {
            throw new IllegalArgumentException("arange(" + start + ", " + end + ", " + step
                    + ") needs finite bounds and a non-zero finite step");
        }
        int n = (int) Math.max(0, Math.ceil((end - start) / step));
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (start + i * step);
        }
        return fromArray(v, n);
    }

    public static Tensor randn(long seed, int... shape) {
        Tensor t = Tensor.empty(DType.F32, shape);
        if (Meta.isMeta(t)) {
            return t;
        }
        t.backend().randomNormal(t.view(), seed);
        return t;
    }

    public static Tensor rand(long seed, int... shape) {
        Tensor t = Tensor.empty(DType.F32, shape);
        if (Meta.isMeta(t)) {
            return t;
        }
        t.backend().randomUniform(t.view(), seed);
        return t;
    }

    /** Uniform on [low, high). */
    public static Tensor uniform(long seed, double low, double high, int... shape) {
        if (Meta.active()) {
            return Tensor.empty(DType.F32, shape);
        }
        try (NoGrad g = NoGrad.enter()) {
            return Pointwise.affine(rand(seed, shape), high - low, low);
        }
    }

    public static Tensor fromArray(float[] data, int... shape) {
        int[] s = shape.length == 0 && data.length != 1 ? new int[] {data.length} : shape;
        checkCount(data.length, s);
        return upload(MemorySegment.ofArray(data.clone()), DType.F32, s);
    }

    public static Tensor fromArray(long[] data, int... shape) {
        int[] s = shape.length == 0 && data.length != 1 ? new int[] {data.length} : shape;
        checkCount(data.length, s);
        return upload(MemorySegment.ofArray(data.clone()), DType.I64, s);
    }

    public static Tensor fromArray(int[] data, int... shape) {
        long[] l = new long[data.length];
        for (int i = 0; i < data.length; i++) {
            l[i] = data[i];
        }
        return fromArray(l, shape);
    }

    /** F32 values rounded from doubles. */
    public static Tensor fromArray(double[] data, int... shape) {
        float[] f = new float[data.length];
        for (int i = 0; i < data.length; i++) {
            f[i] = (float) data[i];
        }
        return fromArray(f, shape);
    }

    /** An F64 tensor (double-precision checks on the reference backend). */
    public static Tensor fromArrayF64(double[] data, int... shape) {
        int[] s = shape.length == 0 && data.length != 1 ? new int[] {data.length} : shape;
        checkCount(data.length, s);
        return upload(MemorySegment.ofArray(data.clone()), DType.F64, s);
    }

    /** A BOOL tensor. */
    public static Tensor fromArray(boolean[] data, int... shape) {
        int[] s = shape.length == 0 && data.length != 1 ? new int[] {data.length} : shape;
        checkCount(data.length, s);
        byte[] b = new byte[data.length];
        for (int i = 0; i < data.length; i++) {
            b[i] = (byte) (data[i] ? 1 : 0);
        }
        return upload(MemorySegment.ofArray(b), DType.BOOL, s);
    }

    /** Raw little-endian bytes of a given dtype (copied to the current backend). */
    public static Tensor fromBytes(MemorySegment bytes, DType dtype, int... shape) {
        checkCount(bytes.byteSize() / dtype.size(), shape);
        Backend b = Backends.current();
        Buffer buf = b.upload(bytes, false);
        return new Tensor(buf, dtype, shape.clone(), View.rowMajorStrides(shape), 0);
    }

    private static Tensor upload(MemorySegment seg, DType dtype, int[] shape) {
        Backend b = Backends.current();
        Buffer buf = b.owns(new HostBuffer(seg)) ? new HostBuffer(seg) : b.upload(seg, false);
        return new Tensor(buf, dtype, shape.clone(), View.rowMajorStrides(shape), 0);
    }

    private static void checkCount(long n, int[] shape) {
        Shapes.checkSizes(shape);
        if (Shapes.numel(shape) != n) {
            throw new IllegalArgumentException(n + " values do not fill shape " + Shapes.str(shape));
        }
    }
}
