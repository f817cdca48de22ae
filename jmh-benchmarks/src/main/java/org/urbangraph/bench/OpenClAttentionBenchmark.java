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
import org.urbangraph.kernels.AttentionMask;
import org.urbangraph.kernels.Backend;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.View;

/**
 * Fused attention forward (q, k, v [1, 16, L, 128]), causal and not, on the OpenCL backend with the CPU backend as
 * the peer in the same run. FLOPs counted as 4 L^2 D H (QK^T and PV), halved for causal; GFLOP/s = that / time.
 * Run, for example: {@code java --add-modules jdk.incubator.vector -jar jmh-benchmarks/target/benchmarks.jar
 * OpenClAttentionBenchmark -p seq=1024}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g", "--add-modules", "jdk.incubator.vector",
    "--enable-native-access=ALL-UNNAMED"})
public class OpenClAttentionBenchmark {

    @Param({"1024", "4096"})
    public int seq;

    @Param({"16"})
    public int heads;

    @Param({"128"})
    public int headDim;

    @Param({"true", "false"})
    public boolean causal;

    @Param({"opencl", "cpu"})
    public String backend;

    private Backend be;
    private View q;
    private View k;
    private View v;
    private View out;
    private View lse;
    private AttentionMask mask;
    private float scale;

    @Setup
    public void setup() {
        be = BackendSetup.backend(backend);
        q = BackendSetup.random(be, DType.F32, 1, 1.0, 1, heads, seq, headDim);
        k = BackendSetup.random(be, DType.F32, 2, 1.0, 1, heads, seq, headDim);
        v = BackendSetup.random(be, DType.F32, 3, 1.0, 1, heads, seq, headDim);
        out = BackendSetup.zeros(be, DType.F32, 1, heads, seq, headDim);
        lse = BackendSetup.zeros(be, DType.F32, 1, heads, seq);
        mask = causal ? AttentionMask.CAUSAL : AttentionMask.NONE;
        scale = (float) (1 / Math.sqrt(headDim));
        be.attention(q, k, v, mask, scale, out, lse); // builds the program outside the measurement
        BackendSetup.sync(be);
        if (!backend.equals("cpu")) {
            Backend cpu = BackendSetup.backend("cpu");
            View co = BackendSetup.zeros(cpu, DType.F32, 1, heads, seq, headDim);
            cpu.attention(BackendSetup.random(cpu, DType.F32, 1, 1.0, 1, heads, seq, headDim),
                    BackendSetup.random(cpu, DType.F32, 2, 1.0, 1, heads, seq, headDim),
                    BackendSetup.random(cpu, DType.F32, 3, 1.0, 1, heads, seq, headDim), mask, scale, co,
                    BackendSetup.zeros(cpu, DType.F32, 1, heads, seq));
            BackendSetup.checkParity("attention L=" + seq + " causal=" + causal + " on " + backend,
                    BackendSetup.read(cpu, co), BackendSetup.read(be, out), 1e-4);
        }
    }

    @Benchmark
    public void forward() {
        be.attention(q, k, v, mask, scale, out, lse);
        BackendSetup.sync(be);
    }
}
