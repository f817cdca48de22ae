package org.urbangraph.kernels;

/**
 * A block of memory that holds tensor elements on one device. Kernels receive buffers through {@link View}s;
 * a buffer never moves between devices by itself (copies are explicit, see {@link Backend#toHost}).
 */
public interface Buffer {
    /** Size in bytes. */
    long byteSize();

    /** True when the bytes live in host memory and can be read as a {@link java.lang.foreign.MemorySegment}. */
    boolean isHost();

    /** A short label for error messages, such as {@code host} or {@code opencl:0}. */
    String deviceName();
}
