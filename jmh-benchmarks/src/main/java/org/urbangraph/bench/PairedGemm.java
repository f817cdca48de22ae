package org.urbangraph.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.urbangraph.kernels.Buffer;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.HostBuffer;
import org.urbangraph.kernels.View;
import org.urbangraph.kernels.cpu.CpuBackend;

/**
 * Our CPU GEMM and OpenBLAS's {@code cblas_sgemm} (called in-process through the foreign-function API) on the same
 * inputs, call after call in alternation, so that each pair of timings sees the same load on a shared machine. JMH's
 * benchmarks run one after the other, minutes apart; on a host whose neighbours come and go, two such runs can differ
 * by 30 % while the paired ratio stays put. Prints, per shape, both sides' best and median times and the median and
 * quartiles of the per-pair ratio ours / OpenBLAS, after checking that both computed the same product.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp
 * jmh-benchmarks/target/benchmarks.jar org.urbangraph.bench.PairedGemm [--threads N] [--seconds S]
 * [--layout transposed|row] [--pause-ms P] [--library PATH] MxKxN...}. The default layout, {@code transposed},
 * multiplies by an [N, K] weight as every Linear layer does; {@code row} by a [K, N] matrix. The library defaults to
 * the first {@code libopenblas.so.0} found in the usual Debian, Ubuntu and Fedora places.
 *
 * <p>With more than one thread, the two calls of a pair are {@code --pause-ms} apart (default 200 ms): OpenBLAS's
 * worker threads keep spinning after a call for {@code OPENBLAS_THREAD_TIMEOUT} (2^28 cycles by default, about
 * 0.1 s at 2.5 GHz), and would take the cores from our call if it followed at once. The pause is not timed, but it
 * counts against {@code --seconds}, so short products get fewer pairs; {@code --pause-ms 0} calls back to back, as
 * before. With one thread OpenBLAS has no workers and there is no pause.
 */
public final class PairedGemm {
    private static final List<String> LIBRARIES = List.of(
            "/usr/lib/x86_64-linux-gnu/libopenblas.so.0", "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
            "/usr/lib64/libopenblas.so.0", "/usr/lib/libopenblas.so.0", "/usr/local/lib/libopenblas.so.0");
    private static final int ROW_MAJOR = 101;
    private static final int NO_TRANS = 111;
    private static final int TRANS = 112;

    private PairedGemm() {}

    /** One side's times and the per-pair ratios of one shape, in milliseconds. */
    record Result(String shape, double[] ours, double[] openblas, double[] ratios, double maxRelError) {
        String line(int threads) {
            String[] d = shape.split("x");
            double flop = 2.0 * Long.parseLong(d[0]) * Long.parseLong(d[1]) * Long.parseLong(d[2]);
            return String.format(Locale.ROOT, "%-16s threads %d pairs %4d | ours best %9.3f median %9.3f ms"
                            + " (%5.1f GFLOP/s) | OpenBLAS best %9.3f median %9.3f ms (%5.1f GFLOP/s)"
                            + " | ours/OpenBLAS paired median %.3f (quartiles %.3f to %.3f) | max rel. diff %.1e",
                    shape, threads, ratios.length, ours[0], median(ours), flop / median(ours) / 1e6, openblas[0],
                    median(openblas), flop / median(openblas) / 1e6, median(ratios), quantile(ratios, 0.25),
                    quantile(ratios, 0.75), maxRelError);
        }
    }

    private static final String USAGE = "usage: PairedGemm [--threads N] [--seconds S] [--layout transposed|row]"
            + " [--pause-ms P] [--library PATH] MxKxN...";

    public static void main(String[] args) throws Throwable {
        int threads = 1;
        double seconds = 10;
        String layout = "transposed";
        long pauseMs = 200;
        String library = null;
        List<String> shapes = new ArrayList<>();
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "-h", "--help" -> {
                        System.out.println(USAGE);
                        System.exit(0);
                    }
                    case "--threads" -> threads = Integer.parseInt(value(args, ++i, "--threads"));
                    case "--seconds" -> seconds = Double.parseDouble(value(args, ++i, "--seconds"));
                    case "--layout" -> layout = value(args, ++i, "--layout");
                    case "--pause-ms" -> pauseMs = Long.parseLong(value(args, ++i, "--pause-ms"));
                    case "--library" -> library = value(args, ++i, "--library");
                    default -> {
                        if (!args[i].matches("[1-9][0-9]{0,5}x[1-9][0-9]{0,5}x[1-9][0-9]{0,5}")) {
                            throw new IllegalArgumentException("'" + args[i] + "' is neither an option nor a shape"
                                    + " MxKxN of positive sizes (e.g. 128x1536x8960)");
                        }
                        shapes.add(args[i]);
                    }
                }
            }
            if (shapes.isEmpty()) {
                throw new IllegalArgumentException("no shape given");
            }
            if (!(layout.equals("transposed") || layout.equals("row"))) {
                throw new IllegalArgumentException("--layout is transposed or row, got " + layout);
            }
            if (threads < 1 || !(seconds > 0)) {
                throw new IllegalArgumentException("--threads and --seconds must be positive");
            }
            if (pauseMs < 0) {
                throw new IllegalArgumentException("--pause-ms must not be negative");
            }
        } catch (NumberFormatException e) {
            System.err.println("PairedGemm: not a number: " + e.getMessage() + "\n" + USAGE);
            System.exit(2);
        } catch (IllegalArgumentException e) {
            System.err.println("PairedGemm: " + e.getMessage() + "\n" + USAGE);
            System.exit(2);
        }
        Path lib = library != null ? Path.of(library)
                : LIBRARIES.stream().map(Path::of).filter(Files::exists).findFirst().orElse(null);
        if (lib == null || !Files.exists(lib)) {
            System.err.println("PairedGemm: no OpenBLAS library " + (lib == null ? "in " + LIBRARIES : "at " + lib)
                    + " (install libopenblas0, or pass --library PATH)");
            System.exit(2);
        }
        OpenBlas blas = new OpenBlas(lib, threads);
        CpuBackend ours = CpuBackend.withThreads(threads);
        for (String shape : shapes) {
            System.out.println(run(shape, layout, threads, seconds, threads > 1 ? pauseMs : 0, ours, blas)
                    .line(threads));
        }
        System.exit(0);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    /**
     * Pairs of calls for about {@code seconds}; {@code pauseMs} is slept (untimed) between the two calls of each pair
     * and before the first pair, the places where one side's call follows the other's.
     */
    static Result run(String shape, String layout, int threads, double seconds, long pauseMs, CpuBackend ours,
                      OpenBlas blas) {
        int[] d = GemmBenchmark.dims(shape);
        int m = d[0];
        int k = d[1];
        int n = d[2];
        boolean transposed = layout.equals("transposed");
        Buffer ab = ours.allocate(DType.F32, (long) m * k);
        Buffer bb = ours.allocate(DType.F32, (long) k * n);
        Buffer cb = ours.allocate(DType.F32, (long) m * n);
        ours.randomNormal(View.contiguous(ab, DType.F32, 0, m * k), 1);
        ours.randomNormal(View.contiguous(bb, DType.F32, 0, k * n), 2);
        View a = View.contiguous(ab, DType.F32, 0, 1, m, k);
        View b = transposed ? new View(bb, DType.F32, 0, new int[] {1, k, n}, new long[] {0, 1, k})
                : View.contiguous(bb, DType.F32, 0, 1, k, n);
        View c = View.contiguous(cb, DType.F32, 0, 1, m, n);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment na = arena.allocate((long) m * k * Float.BYTES, 64);
            MemorySegment nb = arena.allocate((long) k * n * Float.BYTES, 64);
            MemorySegment nc = arena.allocate((long) m * n * Float.BYTES, 64);
            na.copyFrom(((HostBuffer) ab).segment());
            nb.copyFrom(((HostBuffer) bb).segment());
            Runnable mine = () -> ours.gemm(a, b, c, 1f, 0f);
            Runnable theirs = () -> blas.sgemm(transposed, m, n, k, na, nb, nc);
            for (int w = 0; w < 3; w++) {
                mine.run();
                theirs.run();
            }
            double err = maxRelError(((HostBuffer) cb).segment(), nc, (long) m * n);
            if (!(err < 1e-4)) {
                throw new IllegalStateException(shape + ": our product and OpenBLAS's differ by " + err
                        + " (relative to the largest value); the timings would compare different work");
            }
            List<double[]> pairs = new ArrayList<>();
            long end = System.nanoTime() + (long) (seconds * 1e9);
            // at least 5 pairs; which side goes first alternates, so neither always follows the other. A pair's first
            // call follows the previous pair's second, of the same side; pair 0's follows the warm-up's OpenBLAS call
            for (int i = 0; System.nanoTime() < end || i < 5; i++) {
                double[] t = new double[2];
                for (int s = 0; s < 2; s++) {
                    int side = (i + s) % 2;
                    if (s == 1 || i == 0) {
                        pause(pauseMs);
                    }
                    long t0 = System.nanoTime();
                    (side == 0 ? mine : theirs).run();
                    t[side] = (System.nanoTime() - t0) / 1e6;
                }
                pairs.add(t);
            }
            double[] o = pairs.stream().mapToDouble(p -> p[0]).sorted().toArray();
            double[] q = pairs.stream().mapToDouble(p -> p[1]).sorted().toArray();
            double[] r = pairs.stream().mapToDouble(p -> p[0] / p[1]).sorted().toArray();
            return new Result(shape, o, q, r, err);
        }
    }

    private static void pause(long ms) {
        if (ms > 0) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    /** max |x - y| over the two products, divided by the largest |y|. */
    static double maxRelError(MemorySegment x, MemorySegment y, long count) {
        double diff = 0;
        double scale = 0;
        for (long i = 0; i < count; i++) {
            float xv = x.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            float yv = y.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            diff = Math.max(diff, Math.abs(xv - yv));
            scale = Math.max(scale, Math.abs(yv));
        }
        return scale == 0 ? diff : diff / scale;
    }

    static double median(double[] sorted) {
        return quantile(sorted, 0.5);
    }

    /** Linear interpolation between the closest ranks of a sorted array. */
    static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /** cblas_sgemm of an OpenBLAS shared library, with its thread count set once. */
    static final class OpenBlas {
        private final MethodHandle sgemm;

        OpenBlas(Path library, int threads) throws Throwable {
            Linker linker = Linker.nativeLinker();
            SymbolLookup lookup = SymbolLookup.libraryLookup(library, Arena.global());
            ValueLayout i32 = ValueLayout.JAVA_INT;
            ValueLayout f32 = ValueLayout.JAVA_FLOAT;
            ValueLayout ptr = ValueLayout.ADDRESS;
            sgemm = linker.downcallHandle(symbol(lookup, library, "cblas_sgemm"),
                    FunctionDescriptor.ofVoid(i32, i32, i32, i32, i32, i32, f32, ptr, i32, ptr, i32, f32, ptr, i32));
            Optional<MemorySegment> setThreads = lookup.find("openblas_set_num_threads");
            if (setThreads.isEmpty()) {
                throw new IllegalArgumentException(library + " has no openblas_set_num_threads: not an OpenBLAS build");
            }
            linker.downcallHandle(setThreads.get(), FunctionDescriptor.ofVoid(i32)).invokeExact(threads);
        }

        private static MemorySegment symbol(SymbolLookup lookup, Path library, String name) {
            return lookup.find(name).orElseThrow(() -> new IllegalArgumentException(library + " has no " + name));
        }

        /** Row-major c[m, n] = a[m, k] times b, b being [n, k] (transposed) or [k, n]. */
        void sgemm(boolean transposed, int m, int n, int k, MemorySegment a, MemorySegment b, MemorySegment c) {
            try {
                sgemm.invokeExact(ROW_MAJOR, NO_TRANS, transposed ? TRANS : NO_TRANS, m, n, k, 1f, a, k, b,
                        transposed ? k : n, 0f, c, n);
            } catch (Throwable e) {
                throw new IllegalStateException("cblas_sgemm failed", e);
            }
        }
    }
}
