package org.urbangraph.kernels.opencl;

import static org.jocl.CL.CL_TRUE;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_mem;

/**
 * Errors that only a kernel can see (an index out of range, an integer division by zero). Each checked launch gets
 * a code and an error factory; the kernel records the first failing launch's code and its smallest failing position
 * in a two-int flag on the device, and the host turns that into the same exception the reference backend throws.
 *
 * <p>The setting {@code ug.opencl.checks} says when the flag is read: {@code eager} (default) right after each
 * checked launch, so the exception comes from the call that caused it, at the price of one wait per index op;
 * {@code deferred} at the next download or finish (or after 256 checked launches), as CUDA reports device-side
 * asserts, so that no index op waits for the device.
 */
final class DeviceErrors {

    enum Mode { EAGER, DEFERRED }

    private static final int DEFERRED_LIMIT = 256;

    private final ClRuntime runtime;
    private final ClBuffer flag;
    private final Mode mode;
    private final Map<Integer, IntFunction<RuntimeException>> pending = new LinkedHashMap<>();
    private int next = 1;

    DeviceErrors(ClRuntime runtime) {
        this.runtime = runtime;
        this.mode = Mode.valueOf(System.getProperty("ug.opencl.checks", "eager").trim().toUpperCase(Locale.ROOT));
        this.flag = runtime.allocate(8, false);
        reset();
    }

    Mode mode() {
        return mode;
    }

    cl_mem flagMem() {
        return flag.mem();
    }

    ClBuffer flagBuffer() {
        return flag;
    }

    /** A code for one launch; {@code onError} builds the exception from the smallest failing position. */
    synchronized int register(IntFunction<RuntimeException> onError) {
        int code = next;
        next = next >= (1 << 30) ? 1 : next + 1;
        pending.put(code, onError);
        return code;
    }

    /** Called after a checked launch was enqueued. */
    void launched() {
        int size;
        synchronized (this) {
            size = pending.size();
        }
        if (mode == Mode.EAGER || size >= DEFERRED_LIMIT) {
            check();
        }
    }

    /** Reads the flag if any checked launch has not been checked yet. */
    void checkPending() {
        synchronized (this) {
            if (pending.isEmpty()) {
                return;
            }
        }
        check();
    }

    private void check() {
        int[] v = new int[2];
        runtime.lock().lock();
        try {
            CL.clEnqueueReadBuffer(runtime.queue(), flag.mem(), CL_TRUE, 0, 2L * Sizeof.cl_int, Pointer.to(v), 0,
                    null, null);
            runtime.stats().sync();
            if (v[0] != 0) {
                reset();
            }
        } finally {
            runtime.lock().unlock();
        }
        IntFunction<RuntimeException> onError;
        synchronized (this) {
            onError = pending.get(v[0]);
            pending.clear();
        }
        if (v[0] != 0) {
            throw onError != null ? onError.apply(v[1])
                    : new IllegalStateException("an OpenCL kernel reported error code " + v[0] + " at position " + v[1]);
        }
    }

    private void reset() {
        runtime.lock().lock();
        try {
            CL.clEnqueueWriteBuffer(runtime.queue(), flag.mem(), CL_TRUE, 0, 2L * Sizeof.cl_int,
                    Pointer.to(new int[] {0, Integer.MAX_VALUE}), 0, null, null);
        } finally {
            runtime.lock().unlock();
        }
    }
}
