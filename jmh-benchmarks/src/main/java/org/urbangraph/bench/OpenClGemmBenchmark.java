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
import org.urbangraph.kernels.Backend;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.View;

/**
 * GEMM {@code C[M, N] = A[M, K] @ B[K, N]} through the {@link Backend} interface on the OpenCL backend, with the CPU
 * backend in the same run as the peer ({@code -p backend=opencl,cpu}). B is a weight (F32 or BF16, widened in the
 * kernel); the OpenCL time includes waiting for the kernel to finish. GFLOP/s = 2 M N K / time.
 *
 * <p>Shapes: square n = 512, 1024, 2048 and the Qwen2-VL-2B projections (text q/o, MLP up and down at 256 tokens;
 * vision qkv and MLP at 1024 patches). Run, for example:
 * {@code java --add-modules jdk.incubator.vector -jar jmh-benchmarks/target/benchmarks.jar OpenClGemmBenchmark
 * -p shape=1024x1024x1024 -p weights=F32}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g", "--add-modules", "jdk.incubator.vector",
    "--enable-native-access=ALL-UNNAMED"})
public class OpenClGemmBenchmark {

    /** M x K x N. */
    @Param({"512x512x512", "1024x1024x1024", "2048x2048x2048", "256x1536x1536", "256x1536x8960", "256x8960x1536",
        "1024x1280x3840", "1024x1280x5120"})
    public String shape;

    @Param({"F32", "BF16"})
    public String weights;

    @Param({"opencl", "cpu"})
    public String backend;

    private Backend be;
    private View a;
    private View b;
    private View c;

    @Setup
    public void setup() {
        be = BackendSetup.backend(backend);
        String[] p = shape.split("x");
        int m = Integer.parseInt(p[0]);
        int k = Integer.parseInt(p[1]);
        int n = Integer.parseInt(p[2]);
        a = BackendSetup.random(be, DType.F32, 1, 1.0, 1, m, k);
        b = BackendSetup.random(be, DType.valueOf(weights), 2, 0.05, 1, k, n);
        c = BackendSetup.zeros(be, DType.F32, 1, m, n);
        be.gemm(a, b, c, 1f, 0f); // builds the program outside the measurement
        BackendSetup.sync(be);
        if (!backend.equals("cpu")) {
            Backend cpu = BackendSetup.backend("cpu");
            View ca = BackendSetup.random(cpu, DType.F32, 1, 1.0, 1, m, k);
            View cb = BackendSetup.random(cpu, DType.valueOf(weights), 2, 0.05, 1, k, n);
            View cc = BackendSetup.zeros(cpu, DType.F32, 1, m, n);
            cpu.gemm(ca, cb, cc, 1f, 0f);
            BackendSetup.checkParity("gemm " + shape + " " + weights + " on " + backend, BackendSetup.read(cpu, cc),
                    BackendSetup.read(be, c), 1e-4);
        }
    }

    @Benchmark
    public void gemm() {
        be.gemm(a, b, c, 1f, 0f);
        BackendSetup.sync(be);
    }
}
