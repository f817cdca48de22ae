package org.urbangraph.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.urbangraph.kernels.Buffer;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.View;
import org.urbangraph.kernels.cpu.CpuBackend;

/**
 * The CPU backend's GEMM, c = a @ b with a [M, K] F32 and b [K, N], at the square sizes and the Qwen2-VL-2B projection
 * shapes of the kernels issue, with 1 and 2 threads. {@code weights=BF16} stores b in BF16 (widened while packed);
 * {@code layout=transposed} stores b as an [N, K] weight seen transposed, as a Linear layer does. Time per call;
 * GFLOP/s = 2 M N K / time ({@code compare-gemm} prints them next to OpenBLAS through numpy).
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -jar jmh-benchmarks/target/benchmarks.jar '\.GemmBenchmark\.'
 *     -p shape=1024x1024x1024 -p threads=1}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--add-modules", "jdk.incubator.vector"})
public class GemmBenchmark {

    /** M x K x N; {@code -p shape=} takes any others (the README's 128- and 298-row transposed shapes are not here). */
    @Param({"512x512x512", "1024x1024x1024", "2048x2048x2048", "4096x4096x4096", "256x1536x1536", "256x1536x8960",
        "256x8960x1536", "1024x1280x3840", "1024x1280x5120"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    @Param({"F32", "BF16"})
    public String weights;

    @Param({"row", "transposed"})
    public String layout;

    private CpuBackend backend;
    private View a;
    private View b;
    private View c;

    /** {M, K, N} of a shape parameter. */
    public static int[] dims(String shape) {
        String[] p = shape.split("x");
        return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])};
    }

    @Setup
    public void setup() {
        int[] d = dims(shape);
        int m = d[0];
        int k = d[1];
        int n = d[2];
        backend = CpuBackend.withThreads(threads);
        DType bt = DType.valueOf(weights);
        Buffer ab = backend.allocate(DType.F32, (long) m * k);
        Buffer bb = backend.allocate(bt, (long) k * n);
        Buffer cb = backend.allocate(DType.F32, (long) m * n);
        backend.randomNormal(View.contiguous(ab, DType.F32, 0, m * k), 1);
        backend.randomNormal(View.contiguous(bb, bt, 0, k * n), 2);
        a = View.contiguous(ab, DType.F32, 0, 1, m, k);
        b = layout.equals("transposed")
                ? new View(bb, bt, 0, new int[] {1, k, n}, new long[] {0, 1, k})
                : View.contiguous(bb, bt, 0, 1, k, n);
        c = View.contiguous(cb, DType.F32, 0, 1, m, n);
    }

    @Benchmark
    public View gemm() {
        backend.gemm(a, b, c, 1f, 0f);
        return c;
    }
}
