package org.urbangraph.vlm.embed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.urbangraph.vlm.VlmLoader;
import org.urbangraph.vlm.config.ConfigException;
import org.urbangraph.vlm.image.AnyRes;
import org.urbangraph.vlm.image.LlavaNextImageProcessor;
import org.urbangraph.vlm.image.Normalization;
import org.urbangraph.vlm.image.Resample;
import org.urbangraph.vlm.image.RgbImage;
import org.urbangraph.vlm.llava.LlavaNextConfig;
import org.urbangraph.vlm.llava.LlavaNextForConditionalGeneration;
import org.urbangraph.vlm.llava.LlavaNextProcessor;
import org.urbangraph.vlm.tokenizer.AddedToken;
import org.urbangraph.vlm.tokenizer.Tokenizer;

/**
 * A LLaVA-NeXT (LLaVA-1.6) model directory with a Mistral text model ready to embed; the Llama-based ones
 * (llava-v1.6-vicuna-7b / -13b, -34b) are refused, since their chat layouts differ. Queries use the chat template that llava-hf ships with
 * llava-v1.6-mistral-7b-hf (written by transformers' {@code convert_llava_next_weights_to_hf.py}): a user turn is
 * {@code "[INST] "}, then {@code "<image>\n"} once per image, then the text, then {@code " [/INST]"}; the template
 * adds no BOS, the tokenizer's post-processor does (as {@code LlavaNextProcessor.__call__} tokenises with the
 * defaults). The embedding is pooled at the last token of {@code [/INST]}.
 *
 * <p>Each {@code <image>} token of the tokenised prompt becomes as many copies as its image has features
 * ({@link AnyRes#imageTokens}, transformers' {@code LlavaNextProcessor._get_number_of_features} with the processor's
 * own {@code image_grid_pinpoints}, tile size and the tower's patch size). The pixels of an input are its images' real
 * tiles only (the processor's zero padding tiles are dropped), which the model accepts as [tiles, 3, S, S].
 */
public final class LlavaNextPipeline implements UserTurnPipeline {

    /** The one {@code text_config.model_type} whose chat layout ({@link #userTurn}) this pipeline writes. */
    public static final String TEXT_MODEL = "mistral";

    private final LlavaNextForConditionalGeneration model;
    private final Tokenizer tokenizer;
    private final LlavaNextImageProcessor processor;
    private final String imageToken;
    private final long padId;
    private final Path source;

    /**
     * @param source the model directory the parts were loaded from (null if built in memory)
     * @throws ConfigException          if the text model is not Mistral ({@link #TEXT_MODEL}): the Llama-based
     *                                  LLaVA-1.6 models (Vicuna 7B / 13B, 34B) were trained with other chat layouts,
     *                                  which this pipeline does not write
     * @throws IllegalArgumentException if the tokenizer does not fit the model's table, lacks the image token as an
     *                                  added token, or the processor cuts tiles the model does not expect
     */
    public LlavaNextPipeline(LlavaNextForConditionalGeneration model, Tokenizer tokenizer,
                             LlavaNextImageProcessor processor, Path source) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.processor = processor;
        this.source = source;
        LlavaNextConfig cfg = model.config();
        if (!cfg.textModelType().equals(TEXT_MODEL)) {
            throw new ConfigException(cfg.source(), "text_config.model_type", "LLaVA-NeXT embeddings support only "
                    + "the Mistral text model (llava-v1.6-mistral-7b-hf), whose [INST] ... [/INST] chat layout this "
                    + "pipeline writes; found '" + cfg.textModelType() + "' (the Llama-based llava-v1.6-vicuna and "
                    + "-34b models were trained with other chat layouts, which are not implemented)");
        }
        int vocab = cfg.text().vocabSize();
        if (tokenizer.size() > vocab) {
            throw new IllegalArgumentException(tokenizer.source() + ": the tokenizer has " + tokenizer.size()
                    + " tokens but the model's embedding table (" + cfg.source() + ") has " + vocab + " rows");
        }
        AddedToken image = tokenizer.addedTokens().get(cfg.imageTokenIndex());
        if (image == null) {
            throw new IllegalArgumentException(tokenizer.source() + ": no added token has id " + cfg.imageTokenIndex()
                    + " (image_token_index in " + cfg.source() + "); LLaVA-NeXT prompts need the <image> token, "
                    + "matched before the text is split");
        }
        this.imageToken = image.content();
        LlavaNextImageProcessor.Config pc = processor.config();
        int s = cfg.vision().imageSize();
        if (pc.cropHeight() != s || pc.cropWidth() != s) {
            throw new IllegalArgumentException("the image processor's crop_size " + pc.cropWidth() + "x"
                    + pc.cropHeight() + " differs from the vision tower's image_size " + s + " (" + cfg.source() + ")");
        }
        if (!Arrays.deepEquals(pc.gridPinpoints(), cfg.imageGridPinpoints())) {
            throw new IllegalArgumentException("the image processor's image_grid_pinpoints "
                    + Arrays.deepToString(pc.gridPinpoints()) + " differ from the model's "
                    + Arrays.deepToString(cfg.imageGridPinpoints()) + " (" + cfg.source() + "): the tile counts "
                    + "would not match");
        }
        this.padId = tokenizer.padTokenId().orElse(tokenizer.unkTokenId().orElse(0));
    }

    /**
     * Loads model, tokenizer ({@code tokenizer.json}) and image processor ({@code preprocessor_config.json}; without
     * one, CLIP's steps at the tower's image size with the model's pinpoints) from a hub model directory.
     */
    public static LlavaNextPipeline load(Path dir) throws IOException {
        LlavaNextForConditionalGeneration model = LlavaNextForConditionalGeneration.load(dir);
        Tokenizer tok = Tokenizer.load(dir);
        Path pp = dir.resolve("preprocessor_config.json");
        LlavaNextImageProcessor.Config cfg = Files.isRegularFile(pp) ? LlavaNextImageProcessor.Config.read(pp)
                : defaultProcessor(model.config());
        return new LlavaNextPipeline(model, tok, new LlavaNextImageProcessor(cfg), dir);
    }

    /** {@code LlavaNextImageProcessor}'s defaults, sized for the model's tower and pinpoints. */
    static LlavaNextImageProcessor.Config defaultProcessor(LlavaNextConfig c) {
        int s = c.vision().imageSize();
        return new LlavaNextImageProcessor.Config(true, s, 0, 0, true, s, s, true, c.imageGridPinpoints(),
                Resample.Filter.BICUBIC, Normalization.of(true, 1.0 / 255, true, Normalization.CLIP_MEAN,
                Normalization.CLIP_STD));
    }

    @Override
    public VlmLoader.Family family() {
        return VlmLoader.Family.LLAVA_NEXT;
    }

    @Override
    public Path source() {
        return source;
    }

    @Override
    public LlavaNextForConditionalGeneration model() {
        return model;
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public LlavaNextImageProcessor processor() {
        return processor;
    }

    @Override
    public long padId() {
        return padId;
    }

    /** One user turn holding {@code content} (image tags included), ending where the embedding is pooled. */
    @Override
    public String userTurn(String content) {
        return "[INST] " + content + " [/INST]";
    }

    /** The tag of the image at {@code index} (from 0) in a user turn: the image token on a line of its own. */
    @Override
    public String imageTag(int index) {
        return imageToken + "\n";
    }

    /**
     * Every image can be tiled: anyres arithmetic has no aspect-ratio limit (a 20000x1 image keeps no grid feature
     * rows after unpadding, only its base tile, as in the reference), so there is nothing to check.
     */
    @Override
    public void checkImage(RgbImage image) {
    }

    @Override
    public EncodedInput encodePrompt(String prompt, List<RgbImage> images) {
        return encodePrompt(prompt, images.isEmpty() ? null : preprocess(images));
    }

    /** The images as this model's processor prepares them, for {@link #encodePrompt(String, LlavaNextImageProcessor.Output)}. */
    public LlavaNextImageProcessor.Output preprocess(List<RgbImage> images) {
        return processor.preprocess(images);
    }

    /**
     * A written-out prompt with its images already preprocessed (null for none), so that a caller that sees the same
     * image again (a trainer, every epoch) prepares it once.
     */
    public EncodedInput encodePrompt(String prompt, LlavaNextImageProcessor.Output px) {
        int[] ids = tokenizer.encode(prompt);
        int placeholders = count(ids);
        int given = px == null ? 0 : px.images();
        if (placeholders != given) {
            throw new IllegalArgumentException("the prompt has " + placeholders + " " + imageToken
                    + " placeholders but " + given + " images were given");
        }
        if (px == null) {
            return EncodedInput.text(ids);
        }
        int[] tokens = new int[px.images()];
        int patch = model.config().vision().patchSize();
        for (int i = 0; i < tokens.length; i++) {
            int[] hw = px.imageSizes()[i];
            tokens[i] = AnyRes.imageTokens(hw[0], hw[1], processor.config().gridPinpoints(), px.tileHeight(),
                    px.tileWidth(), patch, false);
        }
        long[] wide = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            wide[i] = ids[i];
        }
        long[] expanded = LlavaNextProcessor.expandImageTokens(wide, model.config().imageTokenIndex(), tokens);
        int[] out = new int[expanded.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.toIntExact(expanded[i]);
        }
        return new EncodedInput(out, realTiles(px), new int[] {3, px.tileHeight(), px.tileWidth()}, px.imageSizes());
    }

    /** The images' real tiles one after another, without the zero tiles that pad a batch to its longest image. */
    private static float[] realTiles(LlavaNextImageProcessor.Output px) {
        int tile = 3 * px.tileHeight() * px.tileWidth();
        int total = 0;
        for (int t : px.tiles()) {
            total += t;
        }
        float[] out = new float[total * tile];
        int at = 0;
        for (int i = 0; i < px.images(); i++) {
            int n = px.tiles()[i] * tile;
            System.arraycopy(px.pixelValues(), i * px.maxTiles() * tile, out, at, n);
            at += n;
        }
        return out;
    }

    /** The image tokens of a prompt, as the tokenizer matches them. */
    @Override
    public int imagePlaceholders(String prompt) {
        return count(tokenizer.encode(prompt, false));
    }

    @Override
    public String imagePlaceholder() {
        return imageToken;
    }

    private int count(int[] ids) {
        int image = model.config().imageTokenIndex();
        int n = 0;
        for (int id : ids) {
            if (id == image) {
                n++;
            }
        }
        return n;
    }
}
