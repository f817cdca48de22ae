package org.urbangraph.bench;

import java.lang.foreign.MemorySegment;
import org.urbangraph.kernels.Backend;
import org.urbangraph.kernels.Backends;
import org.urbangraph.kernels.Buffer;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.HostAccess;
import org.urbangraph.kernels.HostBuffer;
import org.urbangraph.kernels.View;
import org.urbangraph.kernels.opencl.OpenClBackend;

/**
 * Shared setup of the kernel benchmarks that compare backends: picks a backend by name (an OpenCL benchmark on a
 * machine without an OpenCL platform stops in setup with a message that starts with "SKIPPED", and JMH goes on with
 * the other benchmarks), makes seeded random tensors on it, and waits for queued device work so that a measured
 * call includes the kernel's completion.
 */
final class BackendSetup {
    private BackendSetup() {}

    static Backend backend(String name) {
        if (name.equals("opencl")) {
            String reason = OpenClBackend.unavailableReason();
            if (reason != null) {
                throw new IllegalStateException("SKIPPED: no OpenCL platform found (" + reason + ")");
            }
        }
        return Backends.byName(name);
    }

    /** Seeded normal numbers times {@code scale}, contiguous, in {@code dtype}, on the backend. */
    static View random(Backend backend, DType dtype, long seed, double scale, int... shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        HostBuffer f = HostBuffer.allocate(DType.F32, n);
        Backends.byName("reference").randomNormal(View.contiguous(f, DType.F32, 0, shape), seed);
        HostBuffer h = HostBuffer.allocate(dtype, n);
        for (long i = 0; i < n; i++) {
            HostAccess.set(h.segment(), dtype, i, HostAccess.get(f.segment(), DType.F32, i) * scale);
        }
        MemorySegment seg = h.segment();
        Buffer b = backend.owns(h) ? h : backend.upload(seg, false);
        return View.contiguous(b, dtype, 0, shape);
    }

    static View zeros(Backend backend, DType dtype, int... shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return View.contiguous(backend.allocate(dtype, n), dtype, 0, shape);
    }

    /** The elements of a contiguous F32 view, read back to the host. */
    static float[] read(Backend backend, View v) {
        float[] out = new float[Math.toIntExact(v.numel())];
        backend.toHost(v.buffer(), v.offset() * 4, MemorySegment.ofArray(out));
        return out;
    }

    /**
     * Fails the benchmark (so no figure is reported for a wrong kernel) unless every element is within
     * {@code rel} of the largest reference magnitude.
     */
    static void checkParity(String what, float[] expected, float[] actual, double rel) {
        double scale = 0;
        for (float e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            double diff = Math.abs((double) expected[i] - actual[i]);
            if (!(diff <= rel * scale + 1e-6)) {
                throw new IllegalStateException("PARITY FAILED: " + what + " element " + i + " is " + actual[i]
                        + ", the CPU backend gives " + expected[i]);
            }
        }
        System.out.println("parity: " + what + " agrees with the CPU backend within " + rel + " of max |value|");
    }

    /** Waits for the device (a no-op on host backends, whose calls return when done). */
    static void sync(Backend backend) {
        if (backend instanceof OpenClBackend cl) {
            cl.finish();
        }
    }
}
