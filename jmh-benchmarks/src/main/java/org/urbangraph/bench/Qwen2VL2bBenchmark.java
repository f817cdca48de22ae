package org.urbangraph.bench;

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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.urbangraph.kernels.DType;
import org.urbangraph.tensor.Meta;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Activation;
import org.urbangraph.tensor.nn.Init;
import org.urbangraph.tensor.nn.Rng;
import org.urbangraph.vlm.MultimodalBatch;
import org.urbangraph.vlm.generation.GenerationOptions;
import org.urbangraph.vlm.generation.Generator;
import org.urbangraph.vlm.qwen2vl.Qwen2VLConfig;
import org.urbangraph.vlm.qwen2vl.Qwen2VLForConditionalGeneration;
import org.urbangraph.vlm.text.DecoderConfig;

/**
 * A Qwen2-VL-2B-shaped model with random weights at the real dimensions (text: hidden 1536, 28 layers, 12 heads,
 * 2 KV heads, intermediate 8960, vocabulary 151936; vision: depth 32, width 1280, 16 heads): the vision tower on
 * one 448x448 image (1024 patches, 256 merged tokens), one embedding forward (that image plus 42 text tokens,
 * 298 tokens in all), a 128-token text-only forward, and greedy generation of 16 tokens after it (KV cache), with F32
 * and with BF16 weights. Each call takes seconds,
 * so the mode is single-shot. Peak resident memory, the peak used heap over the calls and the live heap are printed
 * at tear-down (see {@code Rss}).
 *
 * <p>The fork's heap is fixed and touched before the run ({@code -Xms16g -Xmx16g -XX:+AlwaysPreTouch}, about 30 s
 * at start-up here): with a growing heap, G1 kept placing the forwards' garbage in regions the process had never
 * touched, and on a virtual machine each first touch of a page is a fault that cost about 17 us of system time, up to
 * 200,000 of them (3 to 4 s) in one 6 s text forward. The F32 weights and their state are about 10 GiB live.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -jar jmh-benchmarks/target/benchmarks.jar
 * Qwen2VL2bBenchmark -p threads=2}. The PyTorch peer at the same shapes is
 * {@code jmh-benchmarks/peers/qwen2vl_2b_peer.py}; figures side by side in {@code jmh-benchmarks/README.md}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms16g", "-Xmx16g", "-XX:+AlwaysPreTouch", "--add-modules",
    "jdk.incubator.vector"})
public class Qwen2VL2bBenchmark {

    @Param({"F32", "BF16"})
    public String weights;

    @Param({"2"})
    public int threads;

    private Qwen2VLForConditionalGeneration model;
    private Tensor pixels;
    private int[][] grid;
    private MultimodalBatch embedBatch;
    private MultimodalBatch textBatch;

    /** The 2B architecture (config.json of Qwen/Qwen2-VL-2B-Instruct). */
    public static Qwen2VLConfig config() {
        DecoderConfig text = new DecoderConfig(151936, 1536, 8960, 28, 12, 2, 128, 1e-6, 1e6, Activation.SILU, true, 0,
                true, new int[] {16, 24, 24});
        Qwen2VLConfig.Vision vision = new Qwen2VLConfig.Vision(32, 1280, 16, 5120, Activation.QUICK_GELU, 14, 2, 2,
                1536, 3, 0, new int[0], 0);
        return new Qwen2VLConfig(Qwen2VLConfig.Variant.QWEN2_VL, text, vision, 151655, 151656, 151652, 151653, null);
    }

    @Setup(Level.Trial)
    public void setUp() {
        System.setProperty("ug.threads", Integer.toString(threads));
        Qwen2VLConfig cfg = config();
        try (Meta m = Meta.scope()) {
            model = new Qwen2VLForConditionalGeneration(cfg, new Rng(0));
        }
        model.setTrainable(false);
        model.eval();
        Init.randomize(model, 1234, DType.valueOf(weights));
        grid = new int[][] {{1, 32, 32}};
        pixels = Tensor.randn(5, 1024, 1176);
        int imageTokens = 256;
        int len = imageTokens + 42;
        long[] ids = new long[len];
        long[] mask = new long[len];
        for (int i = 0; i < len; i++) {
            mask[i] = 1;
            ids[i] = 1000 + (i * 7919L) % 50000;
        }
        ids[20] = cfg.visionStartTokenId();
        for (int i = 0; i < imageTokens; i++) {
            ids[21 + i] = cfg.imageTokenId();
        }
        ids[21 + imageTokens] = cfg.visionEndTokenId();
        embedBatch = new MultimodalBatch(new long[][] {ids}, new long[][] {mask}, pixels, grid);
        long[] t = new long[128];
        long[] tm = new long[128];
        for (int i = 0; i < 128; i++) {
            t[i] = 1000 + (i * 104729L) % 50000;
            tm[i] = 1;
        }
        textBatch = MultimodalBatch.textOnly(new long[][] {t}, new long[][] {tm});
        Rss.endSetUp();
    }

    @Benchmark
    public Tensor visionTower448() {
        try (NoGrad g = NoGrad.enter()) {
            return model.imageFeatures(pixels, grid, null);
        }
    }

    @Benchmark
    public Tensor embeddingForward298() {
        try (NoGrad g = NoGrad.enter()) {
            return model.embed(embedBatch);
        }
    }

    @Benchmark
    public Tensor textForward128() {
        try (NoGrad g = NoGrad.enter()) {
            return model.forward(textBatch, false).lastHiddenState();
        }
    }

    /**
     * Greedy generation of 16 tokens after the 128-token text prompt, with the KV cache: the prompt's forward, then
     * 16 decoding steps of one token each (no stop token, so all 16 run). Less {@link #textForward128}, a sixteenth
     * of it is the time of one decoding step, which reads every weight once.
     */
    @Benchmark
    public java.util.List<long[]> generate16After128() {
        try (NoGrad g = NoGrad.enter()) {
            return Generator.generate(model, textBatch, GenerationOptions.greedy(16, java.util.Set.of()));
        }
    }

    @TearDown(Level.Trial)
    public void peakMemory() {
        System.out.println(Rss.report());
    }
}
