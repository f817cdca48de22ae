package org.urbangraph.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;
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
import org.urbangraph.lora.Lora;
import org.urbangraph.lora.LoraConfig;
import org.urbangraph.lora.LoraLinear;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Linear;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.tensor.nn.Rng;

/**
 * The cost LoRA adds to a projection in training: a 1536x1536 projection (Qwen2-VL-2B's q_proj width) on 256 tokens,
 * forward plus backward, frozen alone versus wrapped with LoRA r 16 (UGE's rank). In both cases the input needs its
 * gradient (the layers below train), the frozen weight does not, and the LoRA weights do. Target: LoRA at most 1.1x
 * the frozen projection.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -jar jmh-benchmarks/target/benchmarks.jar
 * LoraProjectionBenchmark}. The PyTorch peer is {@code jmh-benchmarks/peers/lora_projection_peer.py}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class LoraProjectionBenchmark {

    @Param({"2"})
    public int threads;

    private Linear frozen;
    private LoraLinear lora;
    private Tensor x;
    private Tensor gradOut;

    /** One projection under a parent, so that Lora.apply can wrap it. */
    static final class Holder extends Module {
        Holder(Linear l) {
            child("q_proj", l);
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        System.setProperty("ug.threads", Integer.toString(threads));
        frozen = new Linear(1536, 1536, true, new Rng(1));
        frozen.setTrainable(false);
        Linear base = new Linear(1536, 1536, true, new Rng(1));
        Holder h = new Holder(base);
        Lora l = Lora.apply(h, new LoraConfig(16, 32, 0.0, List.of("q_proj"), null, false, null, null), new Rng(2));
        lora = l.layers().get("q_proj");
        try (NoGrad g = NoGrad.enter()) {
            lora.loraB().weight().tensor().copyFrom(Tensor.randn(3, 1536, 16).mul(0.01));
        }
        x = Tensor.randn(4, 1, 256, 1536);
        gradOut = Tensor.randn(5, 1, 256, 1536);
    }

    private Tensor step(org.urbangraph.tensor.nn.Projection p) {
        Tensor in = x.detach().requiresGrad(true);
        Tensor y = p.forward(in);
        y.backward(gradOut, false);
        return in.grad();
    }

    @Benchmark
    public Tensor frozenForwardBackward() {
        return step(frozen);
    }

    @Benchmark
    public Tensor loraForwardBackward() {
        Tensor g = step(lora);
        lora.loraA().weight().tensor().zeroGrad();
        lora.loraB().weight().tensor().zeroGrad();
        return g;
    }
}
