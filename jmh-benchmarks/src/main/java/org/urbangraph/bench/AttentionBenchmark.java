package org.urbangraph.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.urbangraph.kernels.AttentionMask;
import org.urbangraph.kernels.Buffer;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.View;
import org.urbangraph.kernels.cpu.CpuBackend;

/**
 * Fused attention forward on the CPU backend: 16 heads of dimension 128, one sequence of 1024 or 4096 tokens, causal
 * and not. The {@code gflop} counter is the work of the two matrix products, 4 L^2 D H flops (half of that with a
 * causal mask), so JMH's rate for it is GFLOP/s, comparable with the GEMM table.
 *
 * <p>Run: {@code java -jar jmh-benchmarks/target/benchmarks.jar AttentionBenchmark -p seq=1024}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--add-modules", "jdk.incubator.vector"})
public class AttentionBenchmark {

    static final int HEADS = 16;
    static final int DIM = 128;

    @Param({"1024", "4096"})
    public int seq;

    @Param({"true", "false"})
    public boolean causal;

    @Param({"1", "2"})
    public int threads;

    private CpuBackend backend;
    private View q;
    private View k;
    private View v;
    private View out;
    private View lse;

    /** Floating-point work done, in GFLOP: JMH reports its rate per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Work {
        public double gflop;

        @Setup(Level.Iteration)
        public void reset() {
            gflop = 0;
        }
    }

    @Setup
    public void setup() {
        backend = CpuBackend.withThreads(threads);
        int n = HEADS * seq * DIM;
        q = tensor(n, 1);
        k = tensor(n, 2);
        v = tensor(n, 3);
        out = View.contiguous(backend.allocate(DType.F32, n), DType.F32, 0, 1, HEADS, seq, DIM);
        lse = View.contiguous(backend.allocate(DType.F32, (long) HEADS * seq), DType.F32, 0, 1, HEADS, seq);
    }

    private View tensor(int n, long seed) {
        Buffer buf = backend.allocate(DType.F32, n);
        backend.randomNormal(View.contiguous(buf, DType.F32, 0, n), seed);
        return View.contiguous(buf, DType.F32, 0, 1, HEADS, seq, DIM);
    }

    @Benchmark
    public View forward(Work work) {
        backend.attention(q, k, v, causal ? AttentionMask.CAUSAL : AttentionMask.NONE,
                (float) (1 / Math.sqrt(DIM)), out, lse);
        work.gflop += 4.0 * seq * seq * DIM * HEADS * (causal ? 0.5 : 1) * 1e-9;
        return out;
    }
}
