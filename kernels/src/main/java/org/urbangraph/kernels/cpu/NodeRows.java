package org.urbangraph.kernels.cpu;

import java.lang.foreign.MemorySegment;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.View;

/**
 * The rows of a per-node (or per-edge) tensor [N, H, C] or [N, C] as runs of H * C floats, head after head. When the
 * view is an F32 heap array whose rows are contiguous (the tensors that layers allocate), a row is used where it lies:
 * {@link #read} returns the view's own array and {@link #at} the row's first index in it. Any other view (a narrow
 * type, native memory, strides) is widened into the caller's scratch row and written back by {@link #write}, so the
 * graph kernels run one vectorised path for every layout.
 */
final class NodeRows {

    private final MemorySegment seg;
    private final DType dtype;
    private final long offset;
    private final long rowStride;
    private final long headStride;
    private final long channelStride;
    private final int heads;
    private final int channels;
    /** The backing array when rows can be used in place, else null. */
    private final float[] array;
    private final long arrayBase;

    private NodeRows(View v, int heads, int channels, long headStride, long channelStride) {
        this.seg = CpuMem.seg(v);
        this.dtype = v.dtype();
        this.offset = v.offset();
        this.rowStride = v.stride(0);
        this.headStride = headStride;
        this.channelStride = channelStride;
        this.heads = heads;
        this.channels = channels;
        boolean contiguousRow = channelStride == 1 && (heads == 1 || headStride == channels);
        this.array = dtype == DType.F32 && contiguousRow ? CpuMem.floats(seg) : null;
        this.arrayBase = array == null ? 0 : seg.address() / Float.BYTES + offset;
    }

    /** Rows of an [N, H, C] view, or of an [N, C] view as one head. */
    static NodeRows of(View v) {
        if (v.rank() == 3) {
            return new NodeRows(v, v.size(1), v.size(2), v.stride(1), v.stride(2));
        }
        return new NodeRows(v, 1, v.size(1), 0, v.stride(1));
    }

    int width() {
        return heads * channels;
    }

    /** The array that holds row n: the view's own, or {@code scratch} after row n was widened into it. */
    float[] read(int n, float[] scratch) {
        if (array != null) {
            return array;
        }
        long base = offset + n * rowStride;
        for (int h = 0; h < heads; h++) {
            CpuMem.load(seg, dtype, base + h * headStride, channelStride, channels, scratch, h * channels);
        }
        return scratch;
    }

    /** Where row n starts in the array that {@link #read} or {@link #target} returns. */
    int at(int n) {
        return array != null ? Math.toIntExact(arrayBase + n * rowStride) : 0;
    }

    /** The array to compute row n into: the view's own (written in place), or {@code scratch}. */
    float[] target(float[] scratch) {
        return array != null ? array : scratch;
    }

    /** Stores row n from {@code scratch} when it was computed there ({@link #target} gave the scratch row). */
    void write(int n, float[] scratch) {
        if (array != null) {
            return;
        }
        long base = offset + n * rowStride;
        for (int h = 0; h < heads; h++) {
            CpuMem.store(scratch, h * channels, channels, seg, dtype, base + h * headStride, channelStride);
        }
    }
}
