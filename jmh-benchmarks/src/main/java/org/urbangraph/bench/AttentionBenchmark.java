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
 * Fused attention forward on the CPU backend: 16 heads of dimension 128 (the decoder's) or 80 (the Qwen2-VL vision
 * tower's), one sequence of 1024 or 4096 tokens, with a causal mask, no mask, or {@code images}: two images of half
 * the sequence each, as segments (how the vision tower attends when a batch holds two images). The {@code gflop}
 * counter is the useful work of the two matrix products, 4 L^2 D H flops (half of that with a causal mask or two
 * images), so JMH's rate for it is GFLOP/s, comparable with the GEMM table.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -jar jmh-benchmarks/target/benchmarks.jar AttentionBenchmark
 *     -p seq=1024}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--add-modules", "jdk.incubator.vector"})
public class AttentionBenchmark {

    static final int HEADS = 16;

    @Param({"128", "80"})
    public int dim;

    @Param({"1024", "4096"})
    public int seq;

    @Param({"causal", "none", "images"})
    public String mask;

    @Param({"1", "2"})
    public int threads;

    private CpuBackend backend;
    private View q;
    private View k;
    private View v;
    private View out;
    private View lse;
    private AttentionMask rule;

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
        int n = HEADS * seq * dim;
        q = tensor(n, 1);
        k = tensor(n, 2);
        v = tensor(n, 3);
        out = View.contiguous(backend.allocate(DType.F32, n), DType.F32, 0, 1, HEADS, seq, dim);
        lse = View.contiguous(backend.allocate(DType.F32, (long) HEADS * seq), DType.F32, 0, 1, HEADS, seq);
        rule = switch (mask) {
            case "causal" -> AttentionMask.CAUSAL;
            case "none" -> AttentionMask.NONE;
            case "images" -> {
                long[] ids = new long[seq];
                java.util.Arrays.fill(ids, seq / 2, seq, 1L);
                Buffer buf = backend.upload(java.lang.foreign.MemorySegment.ofArray(ids), false);
                View segments = View.contiguous(buf, DType.I64, 0, 1, seq);
                yield AttentionMask.NONE.withSegments(segments, segments);
            }
            default -> throw new IllegalArgumentException("mask must be causal, none or images, got " + mask);
        };
    }

    private View tensor(int n, long seed) {
        Buffer buf = backend.allocate(DType.F32, n);
        backend.randomNormal(View.contiguous(buf, DType.F32, 0, n), seed);
        return View.contiguous(buf, DType.F32, 0, 1, HEADS, seq, dim);
    }

    @Benchmark
    public View forward(Work work) {
        backend.attention(q, k, v, rule, (float) (1 / Math.sqrt(dim)), out, lse);
        work.gflop += 4.0 * seq * seq * dim * HEADS * ("none".equals(mask) ? 1 : 0.5) * 1e-9;
        return out;
    }
}
