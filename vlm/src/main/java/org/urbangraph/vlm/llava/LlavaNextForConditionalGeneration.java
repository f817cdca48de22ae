package org.urbangraph.vlm.llava;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.urbangraph.tensor.Creation;
import org.urbangraph.tensor.Functional;
import org.urbangraph.tensor.Layout;
import org.urbangraph.tensor.Meta;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.io.CheckpointLayout;
import org.urbangraph.tensor.io.RenamedWeights;
import org.urbangraph.tensor.io.WeightSource;
import org.urbangraph.tensor.nn.Embedding;
import org.urbangraph.tensor.nn.Linear;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.tensor.nn.Parameter;
import org.urbangraph.tensor.nn.Rng;
import org.urbangraph.vlm.CheckpointWeights;
import org.urbangraph.vlm.ImageSplice;
import org.urbangraph.vlm.MultimodalBatch;
import org.urbangraph.vlm.VisionLanguageModel;
import org.urbangraph.vlm.clip.ClipVisionModel;
import org.urbangraph.vlm.text.CausalMask;
import org.urbangraph.vlm.text.KvCache;
import org.urbangraph.vlm.text.RotaryTables;
import org.urbangraph.vlm.text.TextModel;

/**
 * LLaVA-NeXT (LLaVA-1.6, {@code LlavaNextForConditionalGeneration}) with a Mistral (or Llama) decoder. Parameter
 * names follow transformers 4.52+ ({@code model.vision_tower.*}, {@code model.multi_modal_projector.*},
 * {@code model.language_model.*}, {@code model.image_newline}, {@code lm_head.*}), which is what PEFT adapters
 * name; checkpoints in the hub layout ({@code vision_tower.*}, {@code language_model.model.*},
 * {@code language_model.lm_head.*}, ...) are renamed on load.
 *
 * <pre>
 *   tiles [images, maxTiles, 3, S, S] -real tiles-> CLIP -> hidden_states[vision_feature_layer][:, 1:]
 *       -multi_modal_projector-> [tiles, G*G, H] -anyres packing per image (image_newline per row)-> features
 *   input ids -embed_tokens-> splice features at the <image> tokens -> decoder (1-D rotary, arange(L)) -> norm
 *   hidden -lm_head-> logits;   hidden[last real token] -L2-> embedding
 * </pre>
 */
public final class LlavaNextForConditionalGeneration extends Module implements VisionLanguageModel, CheckpointLayout {

    private final LlavaNextConfig config;
    private final LlavaNextModel model;

    /** Hidden states of a forward pass with the positions it used. */
    public record Output(Tensor lastHiddenState, List<Tensor> hiddenStates, long[][] positionIds) {}

    public LlavaNextForConditionalGeneration(LlavaNextConfig config, Rng rng) {
        this.config = config;
        this.model = child("model", new LlavaNextModel(config, rng));
        if (!config.text().tieWordEmbeddings()) {
            child("lm_head", new Linear(config.text().hiddenSize(), config.text().vocabSize(), false, rng));
        }
    }

    /** The {@code model} node: vision tower, projector, language model, image_newline. */
    static final class LlavaNextModel extends Module {
        final ClipVisionModel visionTower;
        final LlavaNextMultiModalProjector projector;
        final TextModel language;
        final Parameter imageNewline;

        LlavaNextModel(LlavaNextConfig c, Rng rng) {
            visionTower = child("vision_tower", new ClipVisionModel(c.vision(), rng));
            projector = child("multi_modal_projector", new LlavaNextMultiModalProjector(
                    c.vision().hiddenSize() * c.visionFeatureLayers().length, c.text().hiddenSize(), c.projectorAct(),
                    c.projectorBias(), rng));
            language = child("language_model", new TextModel(c.text(), rng));
            imageNewline = param("image_newline", Creation.randn(rng.next(), c.text().hiddenSize()), true);
        }
    }

    /**
     * Loads a model directory as downloaded from the hub (config.json in either layout, single or sharded
     * safetensors, F32 / BF16 / F16 weights). Weights stay frozen, in their stored dtype, memory-mapped.
     */
    public static LlavaNextForConditionalGeneration load(Path dir) {
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw new IllegalArgumentException(dir + ": no config.json (expected a Hugging Face model directory)");
        }
        LlavaNextConfig cfg = LlavaNextConfig.read(configFile);
        LlavaNextForConditionalGeneration m;
        try (Meta meta = Meta.scope()) {
            m = new LlavaNextForConditionalGeneration(cfg, new Rng(0));
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
        CheckpointWeights.load(this, new RenamedWeights(source, LlavaNextForConditionalGeneration::internalName,
                LlavaNextForConditionalGeneration::hubName), "model.language_model.embed_tokens.weight", n -> false);
    }

    /** Maps a hub checkpoint name to this module's name (names already in the new layout pass through). */
    static String internalName(String stored) {
        if (stored.startsWith("language_model.model.")) {
            return "model.language_model." + stored.substring("language_model.model.".length());
        }
        if (stored.equals("language_model.lm_head.weight")) {
            return "lm_head.weight";
        }
        if (stored.startsWith("vision_tower.") || stored.startsWith("multi_modal_projector.")
                || stored.equals("image_newline")) {
            return "model." + stored;
        }
        return stored;
    }

    /** The inverse of {@link #internalName}: this module's name as a hub checkpoint stores it. */
    static String hubName(String internal) {
        if (internal.startsWith("model.language_model.")) {
            return "language_model.model." + internal.substring("model.language_model.".length());
        }
        if (internal.equals("lm_head.weight")) {
            return "language_model.lm_head.weight";
        }
        if (internal.startsWith("model.vision_tower.") || internal.startsWith("model.multi_modal_projector.")
                || internal.equals("model.image_newline")) {
            return internal.substring("model.".length());
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

    public LlavaNextConfig config() {
        return config;
    }

    public TextModel languageModel() {
        return model.language;
    }

    public ClipVisionModel visionTower() {
        return model.visionTower;
    }

    /**
     * The packed image features [tokens, H] of a batch's images, in image order (null if none).
     *
     * @param pixels     [images, maxTiles, 3, S, S] as the processor gives them (zero tiles pad short images), or
     *                   [tiles, 3, S, S] with only the real tiles, images one after another
     * @param imageSizes each image's original (height, width)
     * @param trace      if not null, receives the golden files' intermediates: {@code vision.clip_hidden_states},
     *                   {@code vision.projected}, {@code vision.feature_lens}, {@code vision_embeds}
     */
    public Tensor imageFeatures(Tensor pixels, int[][] imageSizes, Map<String, Tensor> trace) {
        if (pixels == null) {
            return null;
        }
        int s = config.vision().imageSize();
        int[] tiles = new int[imageSizes.length];
        int total = 0;
        for (int i = 0; i < imageSizes.length; i++) {
            if (imageSizes[i].length != 2 || imageSizes[i][0] <= 0 || imageSizes[i][1] <= 0) {
                throw new IllegalArgumentException("image_sizes[" + i + "] must be (height, width) > 0, got "
                        + java.util.Arrays.toString(imageSizes[i]));
            }
            tiles[i] = config.tiles(imageSizes[i][0], imageSizes[i][1]);
            total += tiles[i];
        }
        Tensor real;
        if (pixels.rank() == 5) {
            if (pixels.size(0) != imageSizes.length) {
                throw new IllegalArgumentException("pixel_values holds " + pixels.size(0) + " images but image_sizes "
                        + imageSizes.length);
            }
            List<Tensor> parts = new ArrayList<>();
            for (int i = 0; i < tiles.length; i++) {
                if (pixels.size(1) < tiles[i]) {
                    throw new IllegalArgumentException("image " + i + " (" + imageSizes[i][0] + "x" + imageSizes[i][1]
                            + ") needs " + tiles[i] + " tiles but pixel_values has " + pixels.size(1));
                }
                parts.add(pixels.select(0, i).narrow(0, 0, tiles[i]));
            }
            real = parts.size() == 1 ? parts.get(0) : Layout.cat(parts, 0);
        } else if (pixels.rank() == 4 && pixels.size(0) == total) {
            real = pixels;
        } else {
            throw new IllegalArgumentException("pixel_values must be [images, tiles, 3, " + s + ", " + s + "] or ["
                    + total + ", 3, " + s + ", " + s + "], got " + java.util.Arrays.toString(pixels.shape()));
        }
        ClipVisionModel tower = model.visionTower;
        int[] idx = new int[config.visionFeatureLayers().length];
        int deepest = 0;
        for (int i = 0; i < idx.length; i++) {
            idx[i] = tower.stateIndex(config.visionFeatureLayers()[i]);
            deepest = Math.max(deepest, idx[i]);
        }
        List<Tensor> states = tower.hiddenStates(real, trace != null ? config.vision().numLayers() : deepest);
        if (trace != null) {
            trace.put("vision.clip_hidden_states", Layout.stack(states, 0));
        }
        List<Tensor> picked = new ArrayList<>();
        for (int i : idx) {
            picked.add(states.get(i));
        }
        Tensor selected = picked.size() == 1 ? picked.get(0) : Layout.cat(picked, 2);
        int gg = config.vision().gridSize() * config.vision().gridSize();
        selected = selected.narrow(1, 1, gg); // "default": drop CLS
        Tensor projected = model.projector.forward(selected);
        List<Tensor> packed = new ArrayList<>();
        long[] lens = new long[tiles.length];
        int at = 0;
        Tensor newline = model.imageNewline.tensor();
        for (int i = 0; i < tiles.length; i++) {
            Tensor p = AnyResPacking.pack(projected.narrow(0, at, tiles[i]), imageSizes[i][0], imageSizes[i][1],
                    config.imageGridPinpoints(), s, newline);
            packed.add(p);
            lens[i] = p.size(0);
            at += tiles[i];
        }
        Tensor out = packed.size() == 1 ? packed.get(0) : Layout.cat(packed, 0);
        if (trace != null) {
            trace.put("vision.projected", projected);
            trace.put("vision.feature_lens", Tensor.of(lens, lens.length));
            trace.put("vision_embeds", out);
        }
        return out;
    }

    /** Token embeddings [B, L, H] with the image features written over the {@code <image>} tokens, row-major. */
    public Tensor inputEmbeddings(long[][] ids, Tensor imageFeatures) {
        long image = config.imageTokenIndex();
        return ImageSplice.splice(model.language.embedTokens(), ids, id -> id == image, imageFeatures);
    }

    /**
     * The decoder on prepared input embeddings with 1-D positions [B][Lq] for the new tokens; {@code keyMask}
     * [B][Lk] marks real keys over cached plus new positions.
     */
    public Output forwardEmbeddings(Tensor inputsEmbeds, long[][] positions, long[][] keyMask, KvCache cache,
                                    boolean keepHiddenStates) {
        Tensor[] cs = RotaryTables.oneD(positions, config.text().headDim(), config.text().ropeTheta());
        TextModel.Output out = model.language.forward(inputsEmbeds, cs[0], cs[1], CausalMask.of(keyMask), cache,
                keepHiddenStates);
        return new Output(out.lastHiddenState(), out.hiddenStates(), positions);
    }

    /** A full forward pass as Hugging Face's plain forward runs it: positions {@code arange(L)} on every row. */
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
        return model.language.embedTokens();
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

    /** Generation numbers positions as Hugging Face's generate does: {@code cumsum(mask) - 1}. */
    @Override
    public Prefill prefill(MultimodalBatch prompt, KvCache cache) {
        Tensor embeds = inputEmbeddings(prompt.inputIds(),
                imageFeatures(prompt.pixelValues(), prompt.imageGrids(), null));
        long[][] pos = CausalMask.cumulativePositions(prompt.attentionMask());
        Output out = forwardEmbeddings(embeds, pos, prompt.attentionMask(), cache, false);
        return new Prefill(out.lastHiddenState(), realCounts(prompt.attentionMask()));
    }

    @Override
    public Tensor decodeStep(long[] tokens, long[] positions, long[][] keyMask, KvCache cache) {
        int b = tokens.length;
        Tensor embeds = model.language.embedTokens().forward(Tensor.of(tokens, b, 1));
        long[][] pos = new long[b][1];
        for (int r = 0; r < b; r++) {
            pos[r][0] = positions[r];
        }
        return forwardEmbeddings(embeds, pos, keyMask, cache, false).lastHiddenState();
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
        return Functional.linear(hidden, model.language.embedTokens().weight().tensor(), null);
    }

    static long[] realCounts(long[][] mask) {
        long[] out = new long[mask.length];
        for (int r = 0; r < mask.length; r++) {
            for (long m : mask[r]) {
                out[r] += m != 0 ? 1 : 0;
            }
        }
        return out;
    }
}
