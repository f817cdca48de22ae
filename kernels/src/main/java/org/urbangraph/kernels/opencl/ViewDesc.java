package org.urbangraph.kernels.opencl;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.urbangraph.kernels.View;

/**
 * The host side of the {@code VDesc} struct of {@code common.cl}: a view's element offset, strides, shape, rank and
 * element type, passed by value as a kernel argument so that no per-op transfer describes a tensor.
 *
 * <p>Layout (C rules, 8-byte aligned, 112 bytes): {@code long off; long st[8]; int n[8]; int rank; int dtype;}.
 * Views that share one shape are first {@link #coalesce coalesced}: adjacent dimensions that are contiguous in every
 * view merge, so element-wise kernels mostly index rank-1 views.
 */
final class ViewDesc {
    private ViewDesc() {}

    static final int MAX_RANK = 8;
    static final int BYTES = 8 + 8 * MAX_RANK + 4 * MAX_RANK + 4 + 4;

    /** The struct bytes for a view with the given shape and strides (already coalesced or not). */
    static ByteBuffer encode(long offset, int[] shape, long[] strides, int dtypeCode, String what) {
        if (shape.length > MAX_RANK) {
            throw new IllegalArgumentException("the OpenCL backend handles views of rank <= " + MAX_RANK
                    + " after merging contiguous dimensions; " + what + " has shape " + Arrays.toString(shape)
                    + " and strides " + Arrays.toString(strides));
        }
        ByteBuffer b = ByteBuffer.allocateDirect(BYTES).order(ByteOrder.nativeOrder());
        b.putLong(0, offset);
        for (int i = 0; i < shape.length; i++) {
            b.putLong(8 + 8 * i, strides[i]);
            b.putInt(8 + 8 * MAX_RANK + 4 * i, shape[i]);
        }
        b.putInt(8 + 12 * MAX_RANK, shape.length);
        b.putInt(8 + 12 * MAX_RANK + 4, dtypeCode);
        return b;
    }

    /** The view as it is (kernels that index dimensions by position use this). */
    static ByteBuffer of(View v) {
        return encode(v.offset(), v.shape(), v.strides(), ClTypes.code(v.dtype()), v.toString());
    }

    /**
     * Views of one shape with their dimensions merged where every view is contiguous across the pair, and size-1
     * dimensions dropped. Row-major element order is unchanged, so element i is the same element in every result.
     */
    static View[] coalesce(View... views) {
        int[] shape = views[0].shape();
        int r = shape.length;
        int[] outShape = new int[r];
        long[][] outStrides = new long[views.length][r];
        int k = 0;
        for (int d = 0; d < r; d++) {
            if (shape[d] == 1) {
                continue;
            }
            boolean merge = k > 0 && (long) outShape[k - 1] * shape[d] <= Integer.MAX_VALUE;
            for (int v = 0; v < views.length && merge; v++) {
                long[] st = views[v].strides();
                merge = outStrides[v][k - 1] == st[d] * shape[d];
            }
            if (merge) {
                outShape[k - 1] *= shape[d];
                for (int v = 0; v < views.length; v++) {
                    outStrides[v][k - 1] = views[v].strides()[d];
                }
            } else {
                outShape[k] = shape[d];
                for (int v = 0; v < views.length; v++) {
                    outStrides[v][k] = views[v].strides()[d];
                }
                k++;
            }
        }
        View[] out = new View[views.length];
        for (int v = 0; v < views.length; v++) {
            out[v] = new View(views[v].buffer(), views[v].dtype(), views[v].offset(), Arrays.copyOf(outShape, k),
                    Arrays.copyOf(outStrides[v], k));
        }
        return out;
    }
}
