package org.urbangraph.kernels.opencl;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.HostAccess;
import org.urbangraph.kernels.HostBuffer;
import org.urbangraph.kernels.View;
import org.urbangraph.kernels.ref.ReferenceBackend;

/**
 * Test support: one shared OpenCL backend (tests skip, saying why, where no OpenCL platform exists), and tensors
 * held twice, on the host for the reference backend and on the device, with the same layout.
 */
final class ClTestSupport {
    private ClTestSupport() {}

    private static OpenClBackend backend;

    static synchronized OpenClBackend backend() {
        String reason = OpenClBackend.unavailableReason();
        assumeTrue(reason == null, () -> "skipped: no OpenCL platform found (" + reason + ")");
        if (backend == null) {
            backend = OpenClBackend.create();
        }
        return backend;
    }

    static final ReferenceBackend REF = ReferenceBackend.INSTANCE;

    /** The same tensor on the host and on the device: equal bytes, equal view geometry. */
    record Pair(View host, View dev) {

        Pair view(long offset, int[] shape, long[] strides) {
            return new Pair(new View(host.buffer(), host.dtype(), offset, shape, strides),
                    new View(dev.buffer(), dev.dtype(), offset, shape, strides));
        }

        /** The device tensor's elements (row-major order of the view) next to the host one's, as doubles. */
        double[] devValues() {
            return values(dev, ClTestSupport.download(dev));
        }

        double[] hostValues() {
            return values(host, ((HostBuffer) host.buffer()).segment());
        }

        Pair permute(int... dims) {
            int[] s = new int[dims.length];
            long[] st = new long[dims.length];
            for (int i = 0; i < dims.length; i++) {
                s[i] = host.shape()[dims[i]];
                st[i] = host.strides()[dims[i]];
            }
            return view(host.offset(), s, st);
        }
    }

    static MemorySegment download(View dev) {
        MemorySegment seg = MemorySegment.ofArray(new byte[(int) dev.buffer().byteSize()]);
        backend().toHost(dev.buffer(), 0, seg);
        return seg;
    }

    static double[] values(View v, MemorySegment seg) {
        double[] out = new double[(int) v.numel()];
        for (int i = 0; i < out.length; i++) {
            out[i] = HostAccess.get(seg, v.dtype(), org.urbangraph.kernels.Strides.offsetOf(v, i));
        }
        return out;
    }

    /** Seeded normal values (times {@code scale}) in a fresh contiguous tensor of {@code dtype}. */
    static Pair random(DType dtype, long seed, double scale, int... shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        HostBuffer f = HostBuffer.allocate(DType.F32, n);
        View fv = View.contiguous(f, DType.F32, 0, shape);
        REF.randomNormal(fv, seed);
        HostBuffer h = HostBuffer.allocate(dtype, n);
        View hv = View.contiguous(h, dtype, 0, shape);
        for (long i = 0; i < n; i++) {
            double x = HostAccess.get(f.segment(), DType.F32, i) * scale;
            HostAccess.set(h.segment(), dtype, i, dtype.isFloat() ? x : Math.floor(x));
        }
        return upload(hv);
    }

    /** Integers in [0, bound) as {@code dtype}. */
    static Pair ids(DType dtype, long seed, int bound, int... shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        HostBuffer h = HostBuffer.allocate(dtype, n);
        for (long i = 0; i < n; i++) {
            HostAccess.setLong(h.segment(), dtype, i, Math.floorMod(org.urbangraph.kernels.CounterRng.bits(seed, i), bound));
        }
        return upload(View.contiguous(h, dtype, 0, shape));
    }

    static Pair zeros(DType dtype, int... shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return upload(View.contiguous(HostBuffer.allocate(dtype, n), dtype, 0, shape));
    }

    static Pair upload(View host) {
        MemorySegment seg = ((HostBuffer) host.buffer()).segment();
        View dev = new View(backend().upload(seg, false), host.dtype(), host.offset(), host.shape(), host.strides());
        return new Pair(host, dev);
    }
}
