package org.urbangraph.kernels;

/** Index arithmetic over strided views, shared by the plain kernels. */
public final class Strides {
    private Strides() {}

    /** Element offset (view offset included) of the {@code linear}-th element in row-major order of the view. */
    public static long offsetOf(View v, long linear) {
        long off = v.offset();
        int[] shape = v.shape();
        long[] strides = v.strides();
        for (int d = shape.length - 1; d >= 0; d--) {
            int n = shape[d];
            if (n == 0) {
                return off;
            }
            long idx = linear % n;
            linear /= n;
            off += idx * strides[d];
        }
        return off;
    }

    /** The view with one dimension removed (its index fixed at 0): used to walk "all but one dim". */
    public static View dropDim(View v, int dim) {
        int r = v.rank();
        int[] shape = new int[r - 1];
        long[] strides = new long[r - 1];
        for (int i = 0, j = 0; i < r; i++) {
            if (i != dim) {
                shape[j] = v.shape()[i];
                strides[j] = v.strides()[i];
                j++;
            }
        }
        return new View(v.buffer(), v.dtype(), v.offset(), shape, strides);
    }

    public static int normDim(int dim, int rank) {
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= rank) {
            throw new IllegalArgumentException("dimension " + dim + " out of range for rank " + rank);
        }
        return d;
    }
}
