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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.urbangraph.kernels.DType;
import org.urbangraph.lora.Lora;
import org.urbangraph.lora.LoraConfig;
import org.urbangraph.tensor.Layout;
import org.urbangraph.tensor.Meta;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Init;
import org.urbangraph.tensor.nn.Parameter;
import org.urbangraph.tensor.nn.Rng;
import org.urbangraph.tensor.optim.AdamW;
import org.urbangraph.tensor.optim.GradClip;
import org.urbangraph.tensor.optim.ParamGroup;
import org.urbangraph.uge.train.InfoNce;
import org.urbangraph.vlm.MultimodalBatch;
import org.urbangraph.vlm.qwen2vl.Qwen2VLConfig;
import org.urbangraph.vlm.qwen2vl.Qwen2VLForConditionalGeneration;
import org.urbangraph.vlm.text.DecoderConfig;

/**
 * One UGE LoRA training step (r 16 on q_proj and v_proj, InfoNCE, AdamW, clipping) on the Qwen2-VL-2B-shaped random
 * model in F32: a batch of 2 image + text queries (448x448 images: 256 image tokens, plus about 60 text tokens) and
 * 2 text positives of about 60 tokens, forward, backward through the frozen base, optimizer step. {@code cut} keeps 4
 * text layers and 8 vision layers. The peer (PyTorch 2.13 + PEFT 0.21, F32, 2 threads, same shapes) took 23.0 s per
 * step for the full model and 4.3 s for the cut (1 thread: 41.0 s and 8.1 s).
 *
 * <p>The fork touches its first 10 GiB of heap before the run, and every later expansion as it is committed
 * ({@code -Xms10g -Xmx22g -XX:+AlwaysPreTouch}): the cut model's step fits in it, the full one grows the heap during
 * the warm-up. Without it, first touches of fresh heap pages (page faults of about 17 us each on a virtual machine)
 * landed inside measured steps; see {@code Qwen2VL2bBenchmark}.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -jar jmh-benchmarks/target/benchmarks.jar
 * LoraTrainingStepBenchmark -p threads=2}. The plain-PyTorch peer on this machine is
 * {@code jmh-benchmarks/peers/lora_step_peer.py}; figures in {@code jmh-benchmarks/README.md}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms10g", "-Xmx22g", "-XX:+AlwaysPreTouch", "--add-modules",
    "jdk.incubator.vector"})
public class LoraTrainingStepBenchmark {

    @Param({"cut", "full"})
    public String model;

    @Param({"2"})
    public int threads;

    private Qwen2VLForConditionalGeneration net;
    private AdamW opt;
    private List<Parameter> params;
    private MultimodalBatch queries;
    private MultimodalBatch positives;

    static Qwen2VLConfig config(boolean cut) {
        Qwen2VLConfig full = Qwen2VL2bBenchmark.config();
        DecoderConfig t = full.text();
        DecoderConfig text = new DecoderConfig(t.vocabSize(), t.hiddenSize(), t.intermediateSize(),
                cut ? 4 : t.numLayers(), t.numHeads(), t.numKvHeads(), t.headDim(), t.rmsNormEps(), t.ropeTheta(),
                t.hiddenAct(), t.attentionBias(), t.slidingWindow(), t.tieWordEmbeddings(), t.mropeSection());
        Qwen2VLConfig.Vision v = full.vision();
        Qwen2VLConfig.Vision vision = new Qwen2VLConfig.Vision(cut ? 8 : v.depth(), v.embedDim(), v.numHeads(),
                v.intermediateSize(), v.act(), v.patchSize(), v.temporalPatchSize(), v.spatialMergeSize(),
                v.outHiddenSize(), v.inChannels(), v.windowSize(), v.fullAttBlocks(), v.tokensPerSecond());
        return new Qwen2VLConfig(full.variant(), text, vision, full.imageTokenId(), full.videoTokenId(),
                full.visionStartTokenId(), full.visionEndTokenId(), null);
    }

    @Setup(Level.Trial)
    public void setUp() {
        System.setProperty("ug.threads", Integer.toString(threads));
        Qwen2VLConfig cfg = config(model.equals("cut"));
        try (Meta m = Meta.scope()) {
            net = new Qwen2VLForConditionalGeneration(cfg, new Rng(0));
        }
        net.setTrainable(false);
        Init.randomize(net, 1234, DType.F32);
        Lora lora = Lora.apply(net, new LoraConfig(16, 32, 0.1, List.of("q_proj", "v_proj"), null, false, null, null),
                new Rng(3));
        net.train(true);
        params = List.copyOf(lora.parameters().values());
        opt = new AdamW(List.of(new ParamGroup("lora", lora.parameters(), 5e-5, 0.1)));
        int imageTokens = 256;
        int len = imageTokens + 60;
        long[][] ids = new long[2][len];
        long[][] mask = new long[2][len];
        for (int r = 0; r < 2; r++) {
            for (int i = 0; i < len; i++) {
                mask[r][i] = 1;
                ids[r][i] = 1000 + ((i + 31L * r) * 7919L) % 50000;
            }
            ids[r][20] = cfg.visionStartTokenId();
            for (int i = 0; i < imageTokens; i++) {
                ids[r][21 + i] = cfg.imageTokenId();
            }
            ids[r][21 + imageTokens] = cfg.visionEndTokenId();
        }
        Tensor pixels = Layout.cat(List.of(Tensor.randn(5, 1024, 1176), Tensor.randn(6, 1024, 1176)), 0);
        queries = new MultimodalBatch(ids, mask, pixels, new int[][] {{1, 32, 32}, {1, 32, 32}});
        long[][] pids = new long[2][60];
        long[][] pmask = new long[2][60];
        for (int r = 0; r < 2; r++) {
            for (int i = 0; i < 60; i++) {
                pmask[r][i] = 1;
                pids[r][i] = 2000 + ((i + 17L * r) * 104729L) % 50000;
            }
        }
        positives = MultimodalBatch.textOnly(pids, pmask);
        Rss.endSetUp();
    }

    @Benchmark
    public double trainingStep() {
        Tensor q = net.embed(queries);
        Tensor c = net.embed(positives);
        Tensor loss = InfoNce.loss(q, c, InfoNce.diagonal(2), 0.01);
        loss.backward();
        double norm = GradClip.clip(params, 1.0);
        opt.step();
        opt.zeroGrad();
        return loss.item() + norm;
    }

    @TearDown(Level.Trial)
    public void peakMemory() {
        System.out.println(Rss.report());
    }
}
