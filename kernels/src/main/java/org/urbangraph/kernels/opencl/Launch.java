package org.urbangraph.kernels.opencl;

import static org.jocl.CL.CL_KERNEL_WORK_GROUP_SIZE;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;
import org.urbangraph.kernels.View;

/**
 * One kernel launch: arguments are collected first and set, together with the enqueue, under the runtime's lock
 * (a {@code cl_kernel} holds its arguments, so two threads must not interleave). The buffers named as arguments are
 * kept reachable until the command is queued; from then on OpenCL keeps them alive.
 */
final class Launch {

    private record Arg(long size, Pointer pointer) {}

    private final ClRuntime runtime;
    private final cl_kernel kernel;
    private final String name;
    private final List<Arg> args = new ArrayList<>();
    private final List<Object> keep = new ArrayList<>();

    private Launch(ClRuntime runtime, cl_kernel kernel, String name) {
        this.runtime = runtime;
        this.kernel = kernel;
        this.name = name;
    }

    static Launch of(ClRuntime runtime, String program, String options, String kernel) {
        return new Launch(runtime, runtime.programs().kernel(program, options, kernel), program + "." + kernel);
    }

    Launch arg(int v) {
        args.add(new Arg(Sizeof.cl_int, Pointer.to(new int[] {v})));
        return this;
    }

    Launch arg(long v) {
        args.add(new Arg(Sizeof.cl_long, Pointer.to(new long[] {v})));
        return this;
    }

    Launch arg(float v) {
        args.add(new Arg(Sizeof.cl_float, Pointer.to(new float[] {v})));
        return this;
    }

    /** A struct passed by value. */
    Launch arg(ByteBuffer struct) {
        args.add(new Arg(struct.capacity(), Pointer.to(struct)));
        return this;
    }

    Launch mem(ClBuffer b) {
        keep.add(b);
        args.add(new Arg(Sizeof.cl_mem, Pointer.to(b.mem())));
        return this;
    }

    /** The view's buffer and its descriptor, as given (kernels that index dimensions by position). */
    Launch view(View v) {
        return mem(buffer(v)).arg(ViewDesc.of(v));
    }

    /** An optional view: a null view passes the error flag as a harmless pointer and an empty descriptor. */
    Launch optView(View v) {
        if (v != null) {
            return view(v);
        }
        mem(runtime.errors().flagBuffer());
        return arg(ViewDesc.encode(0, new int[0], new long[0], 0, "absent view"));
    }

    /** The error flag and this launch's code. */
    Launch errors(int code) {
        return mem(runtime.errors().flagBuffer()).arg(code);
    }

    ClBuffer buffer(View v) {
        return runtime.bufferOf(v, "kernel " + name);
    }

    /** The work-group size limit of this kernel on this device. */
    long maxLocalSize() {
        long[] v = new long[1];
        CL.clGetKernelWorkGroupInfo(kernel, runtime.candidate().device(), CL_KERNEL_WORK_GROUP_SIZE, Sizeof.size_t,
                Pointer.to(v), null);
        return v[0];
    }

    /** A 1-D grid-stride launch over {@code n} elements (the kernel loops; global size is capped). */
    void runElements(long n) {
        if (n <= 0) {
            return;
        }
        long local = Math.min(256, maxLocalSize());
        long groups = Math.min((n + local - 1) / local, 4096);
        run(new long[] {groups * local}, new long[] {local});
    }

    void run(long[] global, long[] local) {
        for (long g : global) {
            if (g == 0) {
                return;
            }
        }
        runtime.lock().lock();
        try {
            for (int i = 0; i < args.size(); i++) {
                Arg a = args.get(i);
                CL.clSetKernelArg(kernel, i, a.size(), a.pointer());
            }
            CL.clEnqueueNDRangeKernel(runtime.queue(), kernel, global.length, null, global, local, 0, null, null);
        } catch (CLException e) {
            throw new IllegalStateException("OpenCL kernel " + name + " failed to launch on " + runtime.candidate()
                    + " with global size " + java.util.Arrays.toString(global) + " and local size "
                    + java.util.Arrays.toString(local) + ": " + e.getMessage(), e);
        } finally {
            runtime.lock().unlock();
            Reference.reachabilityFence(keep);
        }
    }
}
