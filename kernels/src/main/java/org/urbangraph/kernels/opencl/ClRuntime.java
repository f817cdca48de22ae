package org.urbangraph.kernels.opencl;

import static org.jocl.CL.CL_DEVICE_ENDIAN_LITTLE;
import static org.jocl.CL.CL_DEVICE_GLOBAL_MEM_SIZE;
import static org.jocl.CL.CL_DEVICE_LOCAL_MEM_SIZE;
import static org.jocl.CL.CL_DEVICE_MAX_MEM_ALLOC_SIZE;
import static org.jocl.CL.CL_DEVICE_MAX_WORK_GROUP_SIZE;
import static org.jocl.CL.CL_DEVICE_SINGLE_FP_CONFIG;
import static org.jocl.CL.CL_DEVICE_TYPE_GPU;
import static org.jocl.CL.CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT;
import static org.jocl.CL.CL_MEM_READ_WRITE;
import static org.jocl.CL.CL_TRUE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_mem;
import org.urbangraph.kernels.View;

/**
 * One OpenCL device in use: its context, its single in-order command queue, the program cache, device memory
 * accounting and the explicit host transfers. Everything that enqueues holds {@link #lock()}, so calls from several
 * threads stay in call order, which is the ordering promise of {@link org.urbangraph.kernels.Backend}.
 *
 * <p>Device memory is freed by a {@link Cleaner} when buffers become unreachable; the JVM does not see that memory,
 * so before an allocation would pass the budget ({@code ug.opencl.memoryFraction} of the device memory, default
 * 0.9) the runtime asks for a garbage collection and waits briefly for the releases.
 */
final class ClRuntime {

    /** Bytes staged per chunk when a host segment cannot be handed to the driver directly (heap arrays). */
    private static final long STAGING_BYTES = 8L << 20;

    private final DeviceSelection.Candidate candidate;
    private final cl_context context;
    private final cl_command_queue queue;
    private final ReentrantLock lock = new ReentrantLock();
    private final ProgramCache programs;
    private final Cleaner cleaner = Cleaner.create();
    private final AtomicLong liveBytes = new AtomicLong();
    private final AtomicLong allocatedSinceCollection = new AtomicLong();
    private final TransferStats stats = new TransferStats();
    private final MemorySegment staging = Arena.ofAuto().allocate(STAGING_BYTES, 64);
    private final long maxWorkGroupSize;
    private final long localMemBytes;
    private final long globalMemBytes;
    private final long maxAllocBytes;
    private final long memoryBudget;
    private final DeviceErrors errors;

    ClRuntime(DeviceSelection.Candidate candidate) {
        this.candidate = candidate;
        cl_device_id device = candidate.device();
        int[] little = new int[1];
        CL.clGetDeviceInfo(device, CL_DEVICE_ENDIAN_LITTLE, Sizeof.cl_int, Pointer.to(little), null);
        if (little[0] == 0) {
            throw new IllegalStateException("OpenCL device " + candidate + " is big-endian; tensors are stored "
                    + "little-endian and the OpenCL backend does not convert them");
        }
        this.maxWorkGroupSize = sizeInfo(device, CL_DEVICE_MAX_WORK_GROUP_SIZE);
        this.localMemBytes = longInfo(device, CL_DEVICE_LOCAL_MEM_SIZE);
        this.globalMemBytes = longInfo(device, CL_DEVICE_GLOBAL_MEM_SIZE);
        this.maxAllocBytes = longInfo(device, CL_DEVICE_MAX_MEM_ALLOC_SIZE);
        double fraction = memoryFraction(System.getProperty("ug.opencl.memoryFraction", "0.9"));
        this.memoryBudget = (long) (globalMemBytes * fraction);
        this.context = CL.clCreateContext(null, 1, new cl_device_id[] {device}, null, null, null);
        @SuppressWarnings("deprecation")
        cl_command_queue q = CL.clCreateCommandQueue(context, device, 0, null);
        this.queue = q;
        this.programs = new ProgramCache(context, device, candidate.toString());
        this.errors = new DeviceErrors(this);
    }

    private static long sizeInfo(cl_device_id device, int param) {
        long[] v = new long[1];
        CL.clGetDeviceInfo(device, param, Sizeof.size_t, Pointer.to(v), null);
        return v[0];
    }

    private static long longInfo(cl_device_id device, int param) {
        long[] v = new long[1];
        CL.clGetDeviceInfo(device, param, Sizeof.cl_ulong, Pointer.to(v), null);
        return v[0];
    }

    String label() {
        return candidate.label();
    }

    DeviceSelection.Candidate candidate() {
        return candidate;
    }

    boolean isGpu() {
        return (candidate.type() & CL_DEVICE_TYPE_GPU) != 0;
    }

    ReentrantLock lock() {
        return lock;
    }

    cl_command_queue queue() {
        return queue;
    }

    ProgramCache programs() {
        return programs;
    }

    Cleaner cleaner() {
        return cleaner;
    }

    AtomicLong liveBytes() {
        return liveBytes;
    }

    TransferStats stats() {
        return stats;
    }

    DeviceErrors errors() {
        return errors;
    }

    long maxWorkGroupSize() {
        return maxWorkGroupSize;
    }

    long localMemBytes() {
        return localMemBytes;
    }

    /** Whether the device can round single-precision division and square root correctly (a build option). */
    boolean correctlyRoundedDivideSqrt() {
        long[] v = new long[1];
        CL.clGetDeviceInfo(candidate.device(), CL_DEVICE_SINGLE_FP_CONFIG, Sizeof.cl_ulong, Pointer.to(v), null);
        return (v[0] & CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT) != 0;
    }

    // ---- memory ---------------------------------------------------------------------------------------------

    /** A device buffer of {@code bytes}, zero-filled when {@code zero} (the fill is queued, not waited for). */
    ClBuffer allocate(long bytes, boolean zero) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative allocation of " + bytes + " bytes");
        }
        if (bytes > maxAllocBytes) {
            throw new IllegalArgumentException("a tensor of " + bytes + " bytes exceeds the largest single "
                    + "allocation of " + candidate + " (" + maxAllocBytes + " bytes)");
        }
        long size = Math.max(16, (bytes + 15) & ~15L);
        makeRoom(size);
        lock.lock();
        try {
            cl_mem mem = createBuffer(size);
            liveBytes.addAndGet(size);
            ClBuffer b = new ClBuffer(this, mem, bytes, size);
            if (zero) {
                CL.clEnqueueFillBuffer(queue, mem, Pointer.to(new byte[] {0}), 1, 0, size, 0, null, null);
            }
            return b;
        } finally {
            lock.unlock();
        }
    }

    private cl_mem createBuffer(long size) {
        try {
            return CL.clCreateBuffer(context, CL_MEM_READ_WRITE, size, null, null);
        } catch (CLException e) {
            // the driver may be holding memory of unreachable buffers: collect once and retry
            collectGarbage();
            try {
                return CL.clCreateBuffer(context, CL_MEM_READ_WRITE, size, null, null);
            } catch (CLException again) {
                throw new IllegalStateException("cannot allocate " + size + " bytes on " + candidate + " ("
                        + again.getMessage() + "); " + liveBytes.get() + " bytes are in use by live tensors", again);
            }
        }
    }

    private void makeRoom(long size) {
        // collect only when enough was allocated since the last collection to be worth it: a working set that
        // legitimately passes the budget must not pay for a collection on every allocation
        long since = allocatedSinceCollection.addAndGet(size);
        if (liveBytes.get() + size > memoryBudget && since > memoryBudget / 16) {
            allocatedSinceCollection.set(0);
            collectGarbage();
        }
    }

    private void collectGarbage() {
        System.gc();
        long before = liveBytes.get();
        // the Cleaner thread releases asynchronously; give it a moment to catch up
        for (int i = 0; i < 20 && liveBytes.get() >= before; i++) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The device buffer under a view, or an error naming the op when the view lives elsewhere. */
    ClBuffer bufferOf(View v, String op) {
        if (!(v.buffer() instanceof ClBuffer cb) || cb.runtime() != this) {
            throw new IllegalArgumentException(op + " on " + label() + " got a view on " + v.buffer().deviceName()
                    + "; move the tensor with toBackend() first: " + v);
        }
        return cb;
    }

    // ---- transfers ------------------------------------------------------------------------------------------

    /** Copies host bytes into the buffer at {@code byteOffset} (blocking: the host segment may change after). */
    void write(ClBuffer dst, long byteOffset, MemorySegment src) {
        long n = src.byteSize();
        lock.lock();
        try {
            if (src.isNative()) {
                for (long done = 0; done < n; ) {
                    long chunk = Math.min(n - done, 1L << 30);
                    ByteBuffer bb = src.asSlice(done, chunk).asByteBuffer();
                    CL.clEnqueueWriteBuffer(queue, dst.mem(), CL_TRUE, byteOffset + done, chunk, Pointer.to(bb), 0,
                            null, null);
                    done += chunk;
                }
            } else {
                for (long done = 0; done < n; ) {
                    long chunk = Math.min(n - done, STAGING_BYTES);
                    MemorySegment.copy(src, done, staging, 0, chunk);
                    CL.clEnqueueWriteBuffer(queue, dst.mem(), CL_TRUE, byteOffset + done, chunk,
                            Pointer.to(staging.asByteBuffer()), 0, null, null);
                    done += chunk;
                }
            }
            stats.upload(n);
        } finally {
            lock.unlock();
            Reference.reachabilityFence(dst);
        }
    }

    /** Copies {@code dst.byteSize()} bytes from the buffer at {@code byteOffset} (waits for queued work). */
    void read(ClBuffer src, long byteOffset, MemorySegment dst) {
        lock.lock();
        try {
            readRaw(src.mem(), byteOffset, dst);
            stats.download(dst.byteSize());
        } finally {
            lock.unlock();
            Reference.reachabilityFence(src);
        }
        errors.checkPending();
    }

    /** A blocking read that is not counted as a tensor transfer (error flags). Caller holds the lock. */
    void readRaw(cl_mem src, long byteOffset, MemorySegment dst) {
        long n = dst.byteSize();
        if (src == null || n == 0) {
            return;
        }
        if (dst.isNative()) {
            for (long done = 0; done < n; ) {
                long chunk = Math.min(n - done, 1L << 30);
                CL.clEnqueueReadBuffer(queue, src, CL_TRUE, byteOffset + done, chunk,
                        Pointer.to(dst.asSlice(done, chunk).asByteBuffer()), 0, null, null);
                done += chunk;
            }
        } else {
            for (long done = 0; done < n; ) {
                long chunk = Math.min(n - done, STAGING_BYTES);
                CL.clEnqueueReadBuffer(queue, src, CL_TRUE, byteOffset + done, chunk,
                        Pointer.to(staging.asByteBuffer()), 0, null, null);
                MemorySegment.copy(staging, 0, dst, done, chunk);
                done += chunk;
            }
        }
    }

    /** Device-to-device copy of bytes, queued. */
    void copyBuffer(ClBuffer src, long srcOffset, ClBuffer dst, long dstOffset, long bytes) {
        if (bytes == 0) {
            return;
        }
        lock.lock();
        try {
            CL.clEnqueueCopyBuffer(queue, src.mem(), dst.mem(), srcOffset, dstOffset, bytes, 0, null, null);
        } finally {
            lock.unlock();
            Reference.reachabilityFence(src);
            Reference.reachabilityFence(dst);
        }
    }

    /** Waits until every queued command has finished, then reports any deferred device-side error. */
    void finish() {
        lock.lock();
        try {
            CL.clFinish(queue);
            stats.sync();
        } finally {
            lock.unlock();
        }
        errors.checkPending();
    }

    /** The share of the device's memory the backend may hold, from {@code -Dug.opencl.memoryFraction}: in (0, 1]. */
    static double memoryFraction(String text) {
        double f;
        try {
            f = Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            f = Double.NaN;
        }
        if (!(f > 0 && f <= 1)) {
            throw new IllegalArgumentException("-Dug.opencl.memoryFraction=" + text + " is not a number in (0, 1] (the "
                    + "share of the device's memory the backend may hold; default 0.9)");
        }
        return f;
    }

}
