package org.urbangraph.uge.model;

import java.io.IOException;
import java.nio.file.Path;
import org.urbangraph.graph.GraphEncoder;
import org.urbangraph.graph.GraphEncoderConfig;
import org.urbangraph.lora.Lora;
import org.urbangraph.lora.LoraConfig;
import org.urbangraph.tensor.nn.Rng;

/** Building UGE models for each stage, as the authors' recipe sets them up. */
public final class UgeModels {
    private UgeModels() {}

    /** UGE caps a subgraph at this many nodes (one token each) unless told otherwise. */
    public static final int DEFAULT_MAX_GRAPH_NODES = 64;

    /**
     * Stage 1: the backbone (any family {@link UgeBackbone} knows, from the directory's {@code config.json}) with fresh
     * LoRA adapters (r 16, alpha 32, dropout 0.1 on the family's targets: {@code q_proj} and {@code v_proj} of the
     * decoder, Phi-3's fused {@code qkv_proj}) and the graph tokens. With {@code trainBase} (an untrained backbone) the
     * base weights train too, except the token-embedding table: its random rows already give every token a distinct
     * code, and training them would triple the step time of a tiny model for nothing it needs. Otherwise the base
     * stays frozen, memory-mapped in its dtype.
     */
    public static UgeModel stage1(Path backboneDir, boolean trainBase, long seed, int maxGraphNodes) throws IOException {
        UgeBackbone backbone = UgeBackbone.load(backboneDir);
        long[] ids = UgeModel.addGraphTokens(backbone.pipeline());
        Lora lora = Lora.apply(backbone.module(), backbone.loraConfig(backboneDir.toAbsolutePath().toString()),
                new Rng(seed));
        if (trainBase) {
            trainBaseExceptEmbeddings(backbone);
        }
        NewTokenRows rows = new NewTokenRows(ids, backbone.model().tokenEmbeddings().weight().tensor());
        UgeModel m = new UgeModel(backbone, lora, null, rows, maxGraphNodes, trainBase);
        m.train(true);
        return m;
    }

    /** Makes every base weight trainable but the token-embedding table (see {@link #stage1}). */
    static void trainBaseExceptEmbeddings(UgeBackbone backbone) {
        backbone.module().setTrainable(true);
        backbone.model().tokenEmbeddings().weight().setTrainable(false);
    }

    /**
     * Stage 2: a stage-1 model directory with a fresh graph encoder (UGE's settings for the backbone's width unless
     * {@code encoderConfig} is given).
     */
    public static UgeModel stage2(Path stage1Dir, GraphEncoderConfig encoderConfig, long seed) throws IOException {
        return stage2WithEncoder(stage1Dir, c -> encoderConfig != null ? encoderConfig : c, seed, null);
    }

    /**
     * Stage 2 with UGE's encoder settings for the backbone's width changed by {@code variant} (the ablations of
     * UGBench's model variants: {@link GraphEncoderConfig#withoutEdgeFeatures()},
     * {@link GraphEncoderConfig#withoutCoordinateEncoding()}, {@link GraphEncoderConfig#nodeEncoderOnly()}), and the
     * subgraph node cap set: {@code maxGraphNodes} replaces the stage-1 model's (stage 1 sees no graphs, so its cap
     * never mattered before); null keeps it.
     */
    public static UgeModel stage2WithEncoder(Path stage1Dir, java.util.function.UnaryOperator<GraphEncoderConfig> variant,
                                             long seed, Integer maxGraphNodes) throws IOException {
        if (maxGraphNodes != null && maxGraphNodes < 0) {
            throw new IllegalArgumentException("maxGraphNodes must be at least 0 (0: no cap), got " + maxGraphNodes);
        }
        UgeModel s1 = UgeCheckpoint.load(stage1Dir, null, true, seed);
        if (s1.graphEncoder() != null) {
            throw new IOException(stage1Dir + ": a stage-2 model (it has a graph encoder); stage 2 starts from the "
                    + "model directory of a stage-1 run");
        }
        GraphEncoderConfig cfg = variant.apply(GraphEncoderConfig.uge(s1.model().hiddenSize()));
        GraphEncoder ge = new GraphEncoder(cfg, seed + 1);
        UgeModel m = new UgeModel(s1.backbone(), s1.lora(), ge, s1.newTokens(),
                maxGraphNodes != null ? maxGraphNodes : s1.graphs().maxNodes(), s1.baseTrained());
        m.addTrainingData(s1.trainingData()); // stage 1's records stay; the stage-2 trainer adds its own
        m.train(true);
        return m;
    }
}
