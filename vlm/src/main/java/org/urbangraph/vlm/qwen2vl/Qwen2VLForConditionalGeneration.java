package org.urbangraph.vlm.qwen2vl;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.urbangraph.tensor.Functional;
import org.urbangraph.tensor.Meta;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.io.CheckpointLayout;
import org.urbangraph.tensor.io.RenamedWeights;
import org.urbangraph.tensor.io.WeightSource;
import org.urbangraph.tensor.nn.Linear;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.tensor.nn.Rng;
import org.urbangraph.vlm.CheckpointWeights;
import org.urbangraph.vlm.ImageSplice;
import org.urbangraph.vlm.MultimodalBatch;
import org.urbangraph.vlm.Pooling;
import org.urbangraph.vlm.VisionLanguageModel;
import org.urbangraph.tensor.nn.Embedding;
import java.util.function.UnaryOperator;
import org.urbangraph.vlm.text.CausalMask;
import org.urbangraph.vlm.text.KvCache;
import org.urbangraph.vlm.text.RotaryTables;
import org.urbangraph.vlm.text.TextModel;

/**
 * Qwen2-VL and Qwen2.5-VL ({@code Qwen2VLForConditionalGeneration} / {@code Qwen2_5_VLForConditionalGeneration}).
 * Parameter names follow transformers 4.52+ ({@code model.visual.*}, {@code model.language_model.*},
 * {@code lm_head.*}), which is also what PEFT adapters name; checkpoints in the hub layout ({@code visual.*},
 * {@code model.layers.*}) are renamed on load.
 *
 * <pre>
 *   pixel rows -visual-> image features --+
 *   input ids -embed_tokens--------------> splice at image pads -> decoder (M-RoPE) -> norm -> hidden
 *   hidden -lm_head (or tied embed_tokens)-> logits;   hidden[last real token] -L2-> embedding
 * </pre>
 */
public final class Qwen2VLForConditionalGeneration extends Module implements VisionLanguageModel, CheckpointLayout {

    private final Qwen2VLConfig config;
    private final Qwen2VisionTransformer visual;
    private final TextModel language;

    /** Hidden states of a forward pass, with the position bookkeeping that decoding continues from. */
    public record Output(Tensor lastHiddenState, List<Tensor> hiddenStates, long[][][] positionIds,
                         long[] ropeDeltas) {}

    public Qwen2VLForConditionalGeneration(Qwen2VLConfig config, Rng rng) {
        this.config = config;
        Holder model = child("model", new Holder());
        visual = model.add("visual", new Qwen2VisionTransformer(config.vision(),
                config.variant() == Qwen2VLConfig.Variant.QWEN2_5_VL, rng));
        language = model.add("language_model", new TextModel(config.text(), rng));
        if (!config.text().tieWordEmbeddings()) {
            child("lm_head", new Linear(config.text().hiddenSize(), config.text().vocabSize(), false, rng));
        }
    }

    /** The {@code model} node of the tree: holds {@code visual} and {@code language_model}. */
    static final class Holder extends Module {
        <M extends Module> M add(String name, M m) {
            return child(name, m);
        }
    }

    /**
     * Loads a model directory as downloaded from the hub (config.json and single or sharded safetensors, any of
     * F32 / BF16 / F16). Weights stay frozen, in their stored dtype, memory-mapped.
     */
    public static Qwen2VLForConditionalGeneration load(Path dir) {
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw new IllegalArgumentException(dir + ": no config.json (expected a Hugging Face model directory)");
        }
        Qwen2VLConfig cfg = Qwen2VLConfig.read(configFile);
        Qwen2VLForConditionalGeneration m;
        try (Meta meta = Meta.scope()) {
            m = new Qwen2VLForConditionalGeneration(cfg, new Rng(0));
        }
        m.setTrainable(false);
        m.eval();
        m.loadWeights(WeightSource.open(dir));
        return m;
    }

    /**
     * Loads weights from a checkpoint in either naming layout; every parameter must be present with its shape and a
     * float dtype, and nothing else may be, or this fails naming the tensors as the file stores them.
     */
    public void loadWeights(WeightSource source) {
        CheckpointWeights.load(this, new RenamedWeights(source, Qwen2VLForConditionalGeneration::internalName,
                Qwen2VLForConditionalGeneration::hubName), "model.language_model.embed_tokens.weight", n -> false);
    }

    /** Maps a hub checkpoint name to this module's name (names already in the new layout pass through). */
    static String internalName(String stored) {
        if (stored.startsWith("visual.")) {
            return "model." + stored;
        }
        if (stored.startsWith("model.") && !stored.startsWith("model.visual.")
                && !stored.startsWith("model.language_model.")) {
            return "model.language_model." + stored.substring("model.".length());
        }
        return stored;
    }

    /** The inverse of {@link #internalName}: this module's name as a hub checkpoint stores it. */
    static String hubName(String internal) {
        if (internal.startsWith("model.visual.")) {
            return internal.substring("model.".length());
        }
        if (internal.startsWith("model.language_model.")) {
            return "model." + internal.substring("model.language_model.".length());
        }
        return internal;
    }

    @Override
    public String moduleName(String stored) {
        return internalName(stored);
    }

    @Override
    public String storedName(String name) {
        return hubName(name);
    }

    public Qwen2VLConfig config() {
        return config;
    }

    public TextModel languageModel() {
        return language;
    }

    public Qwen2VisionTransformer visual() {
        return visual;
    }

    /** Image features [tokens, hidden] for the images of a batch (null if none). */
    public Tensor imageFeatures(Tensor pixels, int[][] grids, Map<String, Tensor> trace) {
        if (pixels == null) {
            return null;
        }
        return visual.forward(pixels, grids, trace);
    }

    /**
     * Token embeddings [B, L, H] with the image features written over the image-pad tokens, in row-major order
     * of the batch (Hugging Face's masked_scatter). Gradients reach both the table and the features.
     */
    public Tensor inputEmbeddings(long[][] ids, Tensor imageFeatures) {
        long image = config.imageTokenId();
        return ImageSplice.splice(language.embedTokens(), ids, id -> id == image, imageFeatures);
    }

    /** The decoder on prepared input embeddings, with M-RoPE positions from the ids, mask and image grids. */
    public Output forwardEmbeddings(long[][] ids, long[][] mask, int[][] grids, Tensor inputsEmbeds, KvCache cache,
                                    boolean keepHiddenStates) {
        RopeIndex.Result pos = RopeIndex.compute(ids, mask, grids == null ? new int[0][] : grids,
                config.imageTokenId(), config.visionStartTokenId(), config.vision().spatialMergeSize());
        TextModel.Output out = forwardWithPositions(inputsEmbeds, pos.positions(), mask, cache, keepHiddenStates);
        return new Output(out.lastHiddenState(), out.hiddenStates(), pos.positions(), pos.ropeDeltas());
    }

    /**
     * The decoder with explicit M-RoPE positions [3][B][Lq] for the new tokens and the key mask [B][Lk] over cached
     * plus new positions (incremental decoding).
     */
    public TextModel.Output forwardWithPositions(Tensor inputsEmbeds, long[][][] positions, long[][] keyMask,
                                                 KvCache cache, boolean keepHiddenStates) {
        Tensor[] cs = RotaryTables.multimodal(positions, config.text().headDim(), config.text().ropeTheta(),
                config.text().mropeSection());
        return language.forward(inputsEmbeds, cs[0], cs[1], CausalMask.of(keyMask), cache, keepHiddenStates);
    }

    /** A full forward pass: vision tower, splicing, decoder. */
    public Output forward(MultimodalBatch batch, boolean keepHiddenStates) {
        Tensor feats = imageFeatures(batch.pixelValues(), batch.imageGrids(), null);
        Tensor embeds = inputEmbeddings(batch.inputIds(), feats);
        return forwardEmbeddings(batch.inputIds(), batch.attentionMask(), batch.imageGrids(), embeds, null,
                keepHiddenStates);
    }

    /** L2-normalised hidden state of each row's last real token [B, H]: the UGE embedding. */
    public Tensor embed(MultimodalBatch batch) {
        return embed(batch, null);
    }

    @Override
    public int hiddenSize() {
        return config.text().hiddenSize();
    }

    @Override
    public Embedding tokenEmbeddings() {
        return language.embedTokens();
    }

    @Override
    public Tensor encode(MultimodalBatch batch, UnaryOperator<Tensor> spliceHook) {
        Tensor feats = imageFeatures(batch.pixelValues(), batch.imageGrids(), null);
        Tensor embeds = inputEmbeddings(batch.inputIds(), feats);
        if (spliceHook != null) {
            embeds = spliceHook.apply(embeds);
        }
        return forwardEmbeddings(batch.inputIds(), batch.attentionMask(), batch.imageGrids(), embeds, null, false)
                .lastHiddenState();
    }

    @Override
    public Prefill prefill(MultimodalBatch prompt, KvCache cache) {
        Tensor feats = imageFeatures(prompt.pixelValues(), prompt.imageGrids(), null);
        Tensor embeds = inputEmbeddings(prompt.inputIds(), feats);
        Output out = forwardEmbeddings(prompt.inputIds(), prompt.attentionMask(), prompt.imageGrids(), embeds, cache,
                false);
        long[] next = new long[prompt.batchSize()];
        for (int r = 0; r < next.length; r++) {
            next[r] = out.ropeDeltas()[r] + prompt.length();
        }
        return new Prefill(out.lastHiddenState(), next);
    }

    @Override
    public Tensor decodeStep(long[] tokens, long[] positions, long[][] keyMask, KvCache cache) {
        int b = tokens.length;
        Tensor embeds = language.embedTokens().forward(Tensor.of(tokens, b, 1));
        long[][][] pos = new long[3][b][1];
        for (int a = 0; a < 3; a++) {
            for (int r = 0; r < b; r++) {
                pos[a][r][0] = positions[r];
            }
        }
        return forwardWithPositions(embeds, pos, keyMask, cache, false).lastHiddenState();
    }

    /**
     * Logits over the vocabulary from hidden states [..., H] (lm_head, or the tied embedding table). The head is
     * looked up at call time, so a wrapper swapped in for it (a LoRA on {@code lm_head}) takes effect.
     */
    @Override
    public Tensor logits(Tensor hidden) {
        if (!config.text().tieWordEmbeddings()) {
            return projection("lm_head").forward(hidden);
        }
        return Functional.linear(hidden, language.embedTokens().weight().tensor(), null);
    }
}
