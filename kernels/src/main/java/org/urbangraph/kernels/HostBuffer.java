package org.urbangraph.kernels;

import java.lang.foreign.MemorySegment;

/**
 * Host memory: a heap-backed segment (activations, gradients) or a file-mapped one (weights).
 * Every host backend (the plain reference and the Vector API CPU backend) works on these.
 */
public record HostBuffer(MemorySegment segment) implements Buffer {

    /** Zero-filled heap memory, backed by the primitive array that suits the type (so kernels can take the fast path). */
    public static HostBuffer allocate(DType dtype, long elements) {
        if (elements > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("heap tensor of " + elements + " " + dtype
                    + " elements exceeds the 2^31-1 element limit of one Java array");
        }
        int n = (int) elements;
        MemorySegment seg = switch (dtype) {
            case F32 -> MemorySegment.ofArray(new float[n]);
            case F64 -> MemorySegment.ofArray(new double[n]);
            case I64, U64 -> MemorySegment.ofArray(new long[n]);
            case I32, U32 -> MemorySegment.ofArray(new int[n]);
            case F16, BF16, I16, U16 -> MemorySegment.ofArray(new short[n]);
            case U8, I8, BOOL, F8_E4M3, F8_E5M2 -> MemorySegment.ofArray(new byte[n]);
        };
        return new HostBuffer(seg);
    }

    @Override
    public long byteSize() {
        return segment.byteSize();
    }

    @Override
    public boolean isHost() {
        return true;
    }

    @Override
    public String deviceName() {
        return "host";
    }

    /** The backing {@code float[]} when this buffer is a whole heap float array, else null. */
    public float[] floatArray() {
        return segment.heapBase().orElse(null) instanceof float[] a && segment.address() == 0
                && segment.byteSize() == (long) a.length * Float.BYTES ? a : null;
    }
}
