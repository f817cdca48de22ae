package org.urbangraph.kernels;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import org.urbangraph.kernels.ref.ReferenceBackend;

/**
 * Test data for backend parity: the same values placed on the plain reference and on the backend under test, seen
 * through the same (possibly non-contiguous) layout, and read back through {@link Backend#toHost} only, so the
 * harness makes no assumption about where a backend keeps its memory.
 */
final class ParityData {

    static final Backend REF = ReferenceBackend.INSTANCE;

    /** How a view lies in its buffer. Every layout except {@link #CONTIGUOUS} starts at a non-zero offset or skips. */
    enum Layout {
        CONTIGUOUS,
        /** The last two dimensions swapped in memory (a transposed matrix). */
        TRANSPOSED,
        /** Row-major with gaps: the last dimension padded by 3, every other by 1, and an offset of 2 (a slice). */
        PADDED,
        /** Every other element of the last dimension (a slice with step 2), offset 1. */
        STEPPED,
        /** Dimensions 1 and 2 swapped in memory: a [B, H, L, D] view of [B, L, H, D] storage (heads interleaved). */
        SEQ_MAJOR,
        /** Dimension 0 broadcast with a stride of 0 (inputs only). */
        BROADCAST0
    }

    /** One tensor on both backends: {@code ref} on the reference, {@code dev} on the backend under test. */
    record Pair(View ref, View dev) {
        int[] shape() {
            return ref.shape();
        }

        DType dtype() {
            return ref.dtype();
        }
    }

    private final Backend dev;
    private final SplittableRandom rnd;

    ParityData(Backend dev, long seed) {
        this.dev = dev;
        this.rnd = new SplittableRandom(seed);
    }

    Backend dev() {
        return dev;
    }

    double normal() {
        // Box-Muller on SplittableRandom: reproducible across JDKs, unlike Random.nextGaussian's caching details.
        double u1 = 1.0 - rnd.nextDouble();
        double u2 = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    int nextInt(int bound) {
        return rnd.nextInt(bound);
    }

    double uniform(double lo, double hi) {
        return lo + (hi - lo) * rnd.nextDouble();
    }

    // ---- construction ----------------------------------------------------------------------------------------

    /** Offset, strides and buffer size (in elements) of a view of {@code shape} laid out as {@code layout}. */
    record Geometry(long offset, long[] strides, long storage) {}

    static Geometry geometry(int[] shape, Layout layout) {
        int r = shape.length;
        switch (layout) {
            case CONTIGUOUS -> {
                return new Geometry(0, View.rowMajorStrides(shape), Math.max(1, numel(shape)));
            }
            case TRANSPOSED -> {
                if (r < 2) {
                    return geometry(shape, Layout.CONTIGUOUS);
                }
                int[] phys = shape.clone();
                phys[r - 1] = shape[r - 2];
                phys[r - 2] = shape[r - 1];
                long[] ps = View.rowMajorStrides(phys);
                long[] s = ps.clone();
                s[r - 1] = ps[r - 2];
                s[r - 2] = ps[r - 1];
                return new Geometry(0, s, Math.max(1, numel(shape)));
            }
            case SEQ_MAJOR -> {
                if (r < 3) {
                    return geometry(shape, Layout.TRANSPOSED);
                }
                int[] phys = shape.clone();
                phys[1] = shape[2];
                phys[2] = shape[1];
                long[] ps = View.rowMajorStrides(phys);
                long[] s = ps.clone();
                s[1] = ps[2];
                s[2] = ps[1];
                return new Geometry(0, s, Math.max(1, numel(shape)));
            }
            case PADDED -> {
                int[] phys = shape.clone();
                for (int i = 0; i < r; i++) {
                    phys[i] += i == r - 1 ? 3 : 1;
                }
                return new Geometry(2, View.rowMajorStrides(phys), 2 + numel(phys));
            }
            case STEPPED -> {
                int[] phys = shape.clone();
                if (r > 0) {
                    phys[r - 1] = 2 * shape[r - 1];
                }
                return new Geometry(1, View.rowMajorStrides(phys), 1 + Math.max(1, numel(phys)));
            }
            case BROADCAST0 -> {
                if (r < 1) {
                    return geometry(shape, Layout.CONTIGUOUS);
                }
                int[] rest = Arrays.copyOfRange(shape, 1, r);
                long[] rs = View.rowMajorStrides(rest);
                long[] s = new long[r];
                System.arraycopy(rs, 0, s, 1, r - 1);
                return new Geometry(0, s, Math.max(1, numel(rest)));
            }
            default -> throw new AssertionError(layout);
        }
    }

    static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** A tensor whose every buffer element (view or gap) is drawn from {@code gen}. */
    Pair tensor(DType dtype, Layout layout, java.util.function.DoubleSupplier gen, int... shape) {
        Geometry g = geometry(shape, layout);
        MemorySegment host = MemorySegment.ofArray(new byte[Math.toIntExact(g.storage() * dtype.size())]);
        for (long i = 0; i < g.storage(); i++) {
            HostAccess.set(host, dtype, i, gen.getAsDouble());
        }
        return place(host, dtype, g, shape);
    }

    /** Standard normal values (rounded to the dtype), scaled. */
    Pair normal(DType dtype, Layout layout, double scale, int... shape) {
        return tensor(dtype, layout, () -> scale * normal(), shape);
    }

    Pair normal(DType dtype, int... shape) {
        return normal(dtype, Layout.CONTIGUOUS, 1, shape);
    }

    /** Output tensor: floats pre-filled with NaN and integers with -7, so a kernel that reads its output shows. */
    Pair output(DType dtype, Layout layout, int... shape) {
        return tensor(dtype, layout, () -> dtype.isFloat() ? Double.NaN : -7, shape);
    }

    Pair output(DType dtype, int... shape) {
        return output(dtype, Layout.CONTIGUOUS, shape);
    }

    /** A contiguous integer tensor with the given values. */
    Pair ints(DType dtype, long[] values, int... shape) {
        MemorySegment host = MemorySegment.ofArray(new byte[Math.max(1, values.length) * dtype.size()]);
        for (int i = 0; i < values.length; i++) {
            HostAccess.setLong(host, dtype, i, values[i]);
        }
        return place(host, dtype, geometry(shape, Layout.CONTIGUOUS), shape);
    }

    /** Random ids in [0, bound). */
    long[] ids(int n, int bound) {
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextInt(bound);
        }
        return v;
    }

    private Pair place(MemorySegment host, DType dtype, Geometry g, int[] shape) {
        Buffer rb = REF.upload(host, false);
        Buffer db = dev.upload(host, false);
        return new Pair(new View(rb, dtype, g.offset(), shape.clone(), g.strides().clone()),
                new View(db, dtype, g.offset(), shape.clone(), g.strides().clone()));
    }

    /** Element-wise map of a reference view into a new contiguous F32 reference view (for tolerance scales). */
    static View refMap(View v, DoubleUnaryOperator f) {
        long n = v.numel();
        MemorySegment host = MemorySegment.ofArray(new byte[Math.toIntExact(Math.max(1, n) * 4)]);
        double[] x = readView(REF, v);
        for (int i = 0; i < n; i++) {
            HostAccess.set(host, DType.F32, i, f.applyAsDouble(x[i]));
        }
        return View.contiguous(REF.upload(host, false), DType.F32, 0, v.shape().clone());
    }

    // ---- reading back ----------------------------------------------------------------------------------------

    /** The whole buffer behind a view, every element widened to double. */
    static double[] readBuffer(Backend b, View v) {
        long bytes = v.buffer().byteSize();
        MemorySegment host = MemorySegment.ofArray(new byte[Math.toIntExact(bytes)]);
        b.toHost(v.buffer(), 0, host);
        int n = Math.toIntExact(bytes / v.dtype().size());
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = HostAccess.get(host, v.dtype(), i);
        }
        return out;
    }

    /** The elements of an integer view in row-major order, exactly (a double holds integers up to 2^53 only). */
    static long[] readLongs(Backend b, View v) {
        MemorySegment host = MemorySegment.ofArray(new byte[Math.toIntExact(v.buffer().byteSize())]);
        b.toHost(v.buffer(), 0, host);
        long[] out = new long[Math.toIntExact(v.numel())];
        for (int i = 0; i < out.length; i++) {
            out[i] = HostAccess.getLong(host, v.dtype(), Strides.offsetOf(v, i));
        }
        return out;
    }

    /** The elements of a view in row-major order. */
    static double[] readView(Backend b, View v) {
        double[] all = readBuffer(b, v);
        int n = Math.toIntExact(v.numel());
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = all[Math.toIntExact(Strides.offsetOf(v, i))];
        }
        return out;
    }

    /** Buffer elements that the view does not cover (gaps of padded or stepped layouts), in buffer order. */
    static double[] readGaps(Backend b, View v) {
        double[] all = readBuffer(b, v);
        boolean[] covered = new boolean[all.length];
        long n = v.numel();
        for (long i = 0; i < n; i++) {
            covered[Math.toIntExact(Strides.offsetOf(v, i))] = true;
        }
        int gaps = 0;
        for (boolean c : covered) {
            gaps += c ? 0 : 1;
        }
        double[] out = new double[gaps];
        for (int i = 0, j = 0; i < all.length; i++) {
            if (!covered[i]) {
                out[j++] = all[i];
            }
        }
        return out;
    }
}
