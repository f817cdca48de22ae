package org.urbangraph.kernels.opencl;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicLong;
import org.jocl.CL;
import org.jocl.cl_mem;
import org.urbangraph.kernels.Buffer;

/**
 * Device memory of one OpenCL context. The {@code cl_mem} is released when the buffer becomes unreachable (through a
 * {@link Cleaner}), so tensors on the device need no explicit free; commands already queued on it keep it alive, as
 * OpenCL guarantees.
 */
public final class ClBuffer implements Buffer {

    private final ClRuntime runtime;
    private final cl_mem mem;
    private final long byteSize;

    ClBuffer(ClRuntime runtime, cl_mem mem, long byteSize, long allocatedBytes) {
        this.runtime = runtime;
        this.mem = mem;
        this.byteSize = byteSize;
        runtime.cleaner().register(this, new Release(mem, allocatedBytes, runtime.liveBytes()));
    }

    /** The release action: holds the handle, never the buffer (or it would stay reachable forever). */
    private record Release(cl_mem mem, long bytes, AtomicLong live) implements Runnable {
        @Override
        public void run() {
            CL.clReleaseMemObject(mem);
            live.addAndGet(-bytes);
        }
    }

    cl_mem mem() {
        return mem;
    }

    ClRuntime runtime() {
        return runtime;
    }

    @Override
    public long byteSize() {
        return byteSize;
    }

    @Override
    public boolean isHost() {
        return false;
    }

    @Override
    public String deviceName() {
        return runtime.label();
    }

    @Override
    public String toString() {
        return "ClBuffer[" + byteSize + " bytes on " + runtime.label() + "]";
    }
}
