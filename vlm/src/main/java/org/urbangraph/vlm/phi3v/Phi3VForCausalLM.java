package org.urbangraph.vlm.phi3v;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.urbangraph.tensor.Meta;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.io.RenamedWeights;
import org.urbangraph.tensor.io.WeightSource;
import org.urbangraph.tensor.nn.Embedding;
import org.urbangraph.tensor.nn.Linear;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.tensor.nn.Rng;
import org.urbangraph.vlm.CheckpointWeights;
import org.urbangraph.vlm.ImageSplice;
import org.urbangraph.vlm.MultimodalBatch;
import org.urbangraph.vlm.VisionLanguageModel;
import org.urbangraph.vlm.text.CausalMask;
import org.urbangraph.vlm.text.KvCache;
import org.urbangraph.vlm.text.RotaryTables;
import org.urbangraph.vlm.text.TextModel;

/**
 * Phi-3-Vision ({@code Phi3VForCausalLM} of the microsoft/Phi-3-vision-128k-instruct remote code). Parameter names
 * are the checkpoint's: {@code model.embed_tokens}, {@code model.vision_embed_tokens.*}, {@code model.layers.N}
 * (fused {@code qkv_proj} and {@code gate_up_proj}), {@code model.norm}, {@code lm_head}.
 *
 * <pre>
 *   crops -vision_embed_tokens (CLIP, HD transform, projection)-> image features
 *   input ids (images as runs of negative ids -N) -embed_tokens-> features spliced over the negative ids, row-major
 *     -> Phi-3 decoder (rotary with su / longrope scaling, positions arange(L)) -> norm -> hidden
 *   hidden -lm_head-> logits;   hidden[last real token] -L2-> embedding
 * </pre>
 *
 * No numerical reference from the original implementation was available for this family; it is tested against
 * the mathematics of the reference code (see the tests and the module README).
 */
public final class Phi3VForCausalLM extends Module implements VisionLanguageModel {

    /** Ids in (-MAX_INPUT_ID, 0) are image placeholders, as in the reference. */
    public static final long MAX_INPUT_ID = 1_000_000_000L;

    private final Phi3VConfig config;
    private final TextModel model;
    private final Phi3ImageEmbedding vision;

    /** Hidden states of a forward pass with the positions it used. */
    public record Output(Tensor lastHiddenState, List<Tensor> hiddenStates, long[][] positionIds) {}

    public Phi3VForCausalLM(Phi3VConfig config, Rng rng) {
        this.config = config;
        this.model = child("model", new TextModel(config.text(), rng));
        this.vision = model.attach("vision_embed_tokens", new Phi3ImageEmbedding(config, rng));
        child("lm_head", new Linear(config.text().hiddenSize(), config.text().vocabSize(), false, rng));
    }

    /**
     * Loads a model directory as downloaded from the hub (config.json, single or sharded safetensors, F32 / BF16 /
     * F16 weights). Weights stay frozen, in their stored dtype, memory-mapped.
     */
    public static Phi3VForCausalLM load(Path dir) {
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw new IllegalArgumentException(dir + ": no config.json (expected a Hugging Face model directory)");
        }
        Phi3VConfig cfg = Phi3VConfig.read(configFile);
        Phi3VForCausalLM m;
        try (Meta meta = Meta.scope()) {
            m = new Phi3VForCausalLM(cfg, new Rng(0));
        }
        m.setTrainable(false);
        m.eval();
        m.loadWeights(WeightSource.open(dir));
        return m;
    }

    /**
     * Loads every parameter from a checkpoint. The image embedding's {@code wte} is the token table itself, so
     * a checkpoint may store it under {@code model.vision_embed_tokens.wte.weight} as well as (or instead of)
     * {@code model.embed_tokens.weight}; CLIP's non-persistent {@code position_ids} buffer is ignored if present.
     */
    public void loadWeights(WeightSource source) {
        String wte = "model.vision_embed_tokens.wte.weight";
        String embed = "model.embed_tokens.weight";
        boolean onlyWte = source.contains(wte) && !source.contains(embed);
        WeightSource named = new RenamedWeights(source, n -> onlyWte && n.equals(wte) ? embed : n);
        CheckpointWeights.load(this, named, embed, n -> n.equals(wte) || n.endsWith("embeddings.position_ids"));
    }

    public Phi3VConfig config() {
        return config;
    }

    public TextModel languageModel() {
        return model;
    }

    public Phi3ImageEmbedding visionEmbedTokens() {
        return vision;
    }

    /** The projected image features [tokens, H] (null if none); pixels [images, slots, 3, S, S]. */
    public Tensor imageFeatures(Tensor pixels, int[][] imageSizes, Map<String, Tensor> trace) {
        return pixels == null ? null : vision.forward(pixels, imageSizes, trace);
    }

    /** Token embeddings [B, L, H] with the image features written over the negative placeholder ids, row-major. */
    public Tensor inputEmbeddings(long[][] ids, Tensor imageFeatures) {
        return ImageSplice.splice(model.embedTokens(), ids, Phi3VForCausalLM::isImagePlaceholder, imageFeatures);
    }

    public static boolean isImagePlaceholder(long id) {
        return id < 0 && id > -MAX_INPUT_ID;
    }

    /**
     * The decoder on prepared embeddings with 1-D positions [B][Lq]; {@code keyMask} [B][Lk] marks real keys. Each
     * row's rotary factors (short or long) follow its own count of real keys, so a row's numbers do not depend on its
     * batch-mates (the reference switches the whole batch by its largest position).
     */
    public Output forwardEmbeddings(Tensor inputsEmbeds, long[][] positions, long[][] keyMask, KvCache cache,
                                    boolean keepHiddenStates) {
        long[] seen = new long[keyMask.length];
        for (int r = 0; r < seen.length; r++) {
            for (long m : keyMask[r]) {
                seen[r] += m != 0 ? 1 : 0;
            }
        }
        Tensor[] cs = RotaryTables.oneD(positions, seen, config.text().headDim(), config.text().ropeTheta(),
                config.text().ropeScaling());
        TextModel.Output out = model.forward(inputsEmbeds, cs[0], cs[1], CausalMask.of(keyMask), cache,
                keepHiddenStates);
        return new Output(out.lastHiddenState(), out.hiddenStates(), positions);
    }

    /** A full forward pass as the reference's plain forward runs it: positions {@code arange(L)} on every row. */
    public Output forward(MultimodalBatch batch, boolean keepHiddenStates) {
        Tensor embeds = inputEmbeddings(batch.inputIds(), imageFeatures(batch.pixelValues(), batch.imageGrids(), null));
        return forwardEmbeddings(embeds, CausalMask.arangePositions(batch.batchSize(), batch.length()),
                batch.attentionMask(), null, keepHiddenStates);
    }

    @Override
    public int hiddenSize() {
        return config.text().hiddenSize();
    }

    @Override
    public Embedding tokenEmbeddings() {
        return model.embedTokens();
    }

    @Override
    public Tensor encode(MultimodalBatch batch, UnaryOperator<Tensor> spliceHook) {
        Tensor embeds = inputEmbeddings(batch.inputIds(), imageFeatures(batch.pixelValues(), batch.imageGrids(), null));
        if (spliceHook != null) {
            embeds = spliceHook.apply(embeds);
        }
        return forwardEmbeddings(embeds, CausalMask.arangePositions(batch.batchSize(), batch.length()),
                batch.attentionMask(), null, false).lastHiddenState();
    }

    /** Generation numbers positions as the reference's prepare_inputs_for_generation: {@code cumsum(mask) - 1}. */
    @Override
    public Prefill prefill(MultimodalBatch prompt, KvCache cache) {
        Tensor embeds = inputEmbeddings(prompt.inputIds(),
                imageFeatures(prompt.pixelValues(), prompt.imageGrids(), null));
        long[][] pos = CausalMask.cumulativePositions(prompt.attentionMask());
        Output out = forwardEmbeddings(embeds, pos, prompt.attentionMask(), cache, false);
        long[] next = new long[prompt.batchSize()];
        for (int r = 0; r < next.length; r++) {
            for (long m : prompt.attentionMask()[r]) {
                next[r] += m != 0 ? 1 : 0;
            }
        }
        return new Prefill(out.lastHiddenState(), next);
    }

    @Override
    public Tensor decodeStep(long[] tokens, long[] positions, long[][] keyMask, KvCache cache) {
        int b = tokens.length;
        Tensor embeds = model.embedTokens().forward(Tensor.of(tokens, b, 1));
        long[][] pos = new long[b][1];
        for (int r = 0; r < b; r++) {
            pos[r][0] = positions[r];
        }
        return forwardEmbeddings(embeds, pos, keyMask, cache, false).lastHiddenState();
    }

    /**
     * Logits over the vocabulary from hidden states [..., H]. The head is looked up at call time, so a wrapper swapped
     * in for it (a LoRA on {@code lm_head}) takes effect.
     */
    @Override
    public Tensor logits(Tensor hidden) {
        return projection("lm_head").forward(hidden);
    }
}
