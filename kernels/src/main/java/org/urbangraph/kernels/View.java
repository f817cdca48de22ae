package org.urbangraph.kernels;

import java.util.Arrays;

/**
 * What a kernel sees of a tensor: a buffer, an element type, an element offset, a shape and element strides.
 * Broadcasting is a stride of 0; a transposed matrix is a view with swapped strides. No autograd here.
 */
public record View(Buffer buffer, DType dtype, long offset, int[] shape, long[] strides) {

    public View {
        if (shape.length != strides.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " and strides "
                    + Arrays.toString(strides) + " differ in rank");
        }
    }

    /** A contiguous row-major view of the whole buffer region starting at {@code offset}. */
    public static View contiguous(Buffer buffer, DType dtype, long offset, int... shape) {
        return new View(buffer, dtype, offset, shape.clone(), rowMajorStrides(shape));
    }

    public static long[] rowMajorStrides(int[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    public int rank() {
        return shape.length;
    }

    public int size(int dim) {
        return shape[dim < 0 ? dim + shape.length : dim];
    }

    public long stride(int dim) {
        return strides[dim < 0 ? dim + strides.length : dim];
    }

    public long numel() {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** Row-major contiguous (size-1 dimensions may have any stride). */
    public boolean isContiguous() {
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    /** The same memory seen with another shape; only valid for contiguous views. */
    public View reshaped(int... newShape) {
        if (!isContiguous()) {
            throw new IllegalStateException("reshape of a non-contiguous view " + this);
        }
        return contiguous(buffer, dtype, offset, newShape);
    }

    @Override
    public String toString() {
        return dtype + Arrays.toString(shape) + " strides " + Arrays.toString(strides) + " +" + offset + " on "
                + buffer.deviceName();
    }
}
