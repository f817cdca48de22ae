package org.urbangraph.vlm.embed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.urbangraph.vlm.VlmLoader;
import org.urbangraph.vlm.chat.ChatMessage;
import org.urbangraph.vlm.chat.Qwen2VLChatFormat;
import org.urbangraph.vlm.image.Qwen2VLImageProcessor;
import org.urbangraph.vlm.image.RgbImage;
import org.urbangraph.vlm.qwen2vl.Qwen2VLConfig;
import org.urbangraph.vlm.qwen2vl.Qwen2VLForConditionalGeneration;
import org.urbangraph.vlm.tokenizer.Tokenizer;

/**
 * A Qwen2-VL / Qwen2.5-VL model directory ready to embed: the model, its tokenizer, the chat layout UGE trains with
 * and the image processor from {@code preprocessor_config.json}. Inputs become left-padded batches, as the
 * embedding API expects. UGE lays its inputs out through {@link #encodeMessages(List, Qwen2VLImageProcessor.Output, int[])}.
 */
public final class Qwen2VLPipeline implements EmbeddingPipeline {

    private final Qwen2VLForConditionalGeneration model;
    private final Tokenizer tokenizer;
    private final Qwen2VLChatFormat chat;
    private final Qwen2VLImageProcessor processor;
    private final long padId;
    private final Path source;

    public Qwen2VLPipeline(Qwen2VLForConditionalGeneration model, Tokenizer tokenizer, Qwen2VLImageProcessor processor) {
        this(model, tokenizer, processor, null);
    }

    /**
     * @param source the model directory the parts were loaded from (null if built in memory)
     * @throws IllegalArgumentException if the tokenizer does not fit the model's table, gives a special token
     *                                  (image, video, vision start / end) another id than config.json does, or the
     *                                  image processor cuts patches or merges them otherwise than the vision tower
     */
    public Qwen2VLPipeline(Qwen2VLForConditionalGeneration model, Tokenizer tokenizer, Qwen2VLImageProcessor processor,
                           Path source) {
        this.source = source;
        this.model = model;
        this.tokenizer = tokenizer;
        this.chat = new Qwen2VLChatFormat(tokenizer);
        this.processor = processor;
        this.padId = tokenizer.padTokenId().orElse(Math.max(0, tokenizer.tokenToId("<|endoftext|>")));
        int vocab = model.config().text().vocabSize();
        if (tokenizer.size() > vocab) {
            throw new IllegalArgumentException(tokenizer.source() + ": the tokenizer has " + tokenizer.size()
                    + " tokens but the model's embedding table (" + model.config().source() + ") has " + vocab + " rows");
        }
        Qwen2VLConfig cfg = model.config();
        sameToken(Qwen2VLChatFormat.IMAGE_PAD, "image_token_id", cfg.imageTokenId());
        sameToken(Qwen2VLChatFormat.VIDEO_PAD, "video_token_id", cfg.videoTokenId());
        sameToken(Qwen2VLChatFormat.VISION_START, "vision_start_token_id", cfg.visionStartTokenId());
        sameToken(Qwen2VLChatFormat.VISION_END, "vision_end_token_id", cfg.visionEndTokenId());
        Qwen2VLConfig.Vision v = cfg.vision();
        Qwen2VLImageProcessor.Config pc = processor.config();
        String pp = processorSource(source);
        sameSize(pp, "patch_size", pc.patchSize(), "patch_size", v.patchSize(),
                "the pixel rows would not fit the patch embedding");
        sameSize(pp, "temporal_patch_size", pc.temporalPatchSize(), "temporal_patch_size", v.temporalPatchSize(),
                "the pixel rows would not fit the patch embedding");
        sameSize(pp, "merge_size", pc.mergeSize(), "spatial_merge_size", v.spatialMergeSize(),
                "the prompt would get another number of image tokens than the tower gives features");
        if (v.inChannels() != 3) {
            throw new IllegalArgumentException(cfg.source() + ": key 'vision_config.in_chans' (or "
                    + "'vision_config.in_channels') is "
                    + v.inChannels() + " but the image processor (" + pp + ") gives 3 channels (RGB)");
        }
    }

    /** The special token must have the id config.json gives it, or the model would not find it in the ids. */
    private void sameToken(String token, String key, int id) {
        int ids = tokenizer.tokenToId(token);
        if (ids >= 0 && ids != id) {
            throw new IllegalArgumentException(model.config().source() + ": key '" + key + "' is " + id + " but "
                    + tokenizer.source() + " gives " + token + " the id " + ids + "; the two files must agree");
        }
    }

    private void sameSize(String pp, String processorKey, int processorValue, String visionKey, int visionValue,
                          String why) {
        if (processorValue != visionValue) {
            throw new IllegalArgumentException(pp + ": key '" + processorKey + "' is " + processorValue + " but "
                    + model.config().source() + " has vision_config." + visionKey + " = " + visionValue + "; "
                    + why);
        }
    }

    /** Where the image processor's settings came from, for messages. */
    private static String processorSource(Path dir) {
        if (dir == null) {
            return "the image processor settings";
        }
        Path pp = dir.resolve("preprocessor_config.json");
        return Files.isRegularFile(pp) ? pp.toString()
                : "the default image processor settings (" + dir + " has no preprocessor_config.json)";
    }

    /** Loads model, tokenizer ({@code tokenizer.json}) and image processor settings from a hub model directory. */
    public static Qwen2VLPipeline load(Path dir) throws IOException {
        Qwen2VLForConditionalGeneration model = Qwen2VLForConditionalGeneration.load(dir);
        Tokenizer tok = Tokenizer.load(dir);
        Path pp = dir.resolve("preprocessor_config.json");
        Qwen2VLImageProcessor.Config cfg = Files.isRegularFile(pp) ? Qwen2VLImageProcessor.Config.read(pp)
                : Qwen2VLImageProcessor.Config.defaults();
        return new Qwen2VLPipeline(model, tok, new Qwen2VLImageProcessor(cfg), dir);
    }

    @Override
    public VlmLoader.Family family() {
        return model.config().variant() == Qwen2VLConfig.Variant.QWEN2_5_VL ? VlmLoader.Family.QWEN2_5_VL
                : VlmLoader.Family.QWEN2_VL;
    }

    /** The model directory this pipeline was loaded from, or null. */
    @Override
    public Path source() {
        return source;
    }

    @Override
    public Qwen2VLForConditionalGeneration model() {
        return model;
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public long padId() {
        return padId;
    }

    public Qwen2VLChatFormat chat() {
        return chat;
    }

    public Qwen2VLImageProcessor processor() {
        return processor;
    }

    /**
     * A query as UGE writes it: one user turn holding the images (as {@code <image>} tags, in front) and the text,
     * an opened assistant turn, nothing after it. The embedding is pooled at that last token.
     */
    @Override
    public EncodedInput encodeQuery(List<RgbImage> images, String text) {
        StringBuilder content = new StringBuilder();
        for (int i = 0; i < images.size(); i++) {
            content.append(Qwen2VLChatFormat.IMAGE_TAG);
        }
        content.append(text == null ? "" : text);
        return encodeMessages(List.of(ChatMessage.user(content.toString())), images);
    }

    /** The processor's resize refuses an aspect ratio over 200, as Hugging Face's {@code smart_resize} does. */
    @Override
    public void checkImage(RgbImage image) {
        processor.targetSize(image.width(), image.height());
    }

    /** A conversation with {@code <image>} tags in its messages, one per image, in order. */
    public EncodedInput encodeMessages(List<ChatMessage> messages, List<RgbImage> images) {
        return encodeMessages(messages, images.isEmpty() ? null : processor.preprocess(images), new int[0]);
    }

    /**
     * A conversation with its images already preprocessed (null for none) and the node count of each graph its
     * {@code <graph>} tags take, in order (one {@code <|graph_pad|>} per node).
     */
    public EncodedInput encodeMessages(List<ChatMessage> messages, Qwen2VLImageProcessor.Output images,
                                       int[] graphNodes) {
        Qwen2VLChatFormat.Media media = (images == null ? Qwen2VLChatFormat.Media.NONE
                : Qwen2VLChatFormat.Media.images(images.imageTokens())).withGraphs(graphNodes);
        return encoded(chat.encodeForEmbedding(messages, media), images);
    }

    /**
     * A prompt written out in full: each {@code <|vision_start|><|image_pad|><|vision_end|>} is expanded for the next
     * image, exactly as the Hugging Face processor does.
     */
    @Override
    public EncodedInput encodePrompt(String prompt, List<RgbImage> images) {
        int placeholders = imagePlaceholders(prompt);
        if (placeholders != images.size()) {
            throw new IllegalArgumentException("the prompt has " + placeholders + " " + Qwen2VLChatFormat.IMAGE_PAD
                    + " placeholders but " + images.size() + " images were given");
        }
        Qwen2VLImageProcessor.Output px = images.isEmpty() ? null : processor.preprocess(images);
        Qwen2VLChatFormat.Media media = px == null ? Qwen2VLChatFormat.Media.NONE
                : Qwen2VLChatFormat.Media.images(px.imageTokens());
        return encoded(chat.encodePrompt(prompt, media), px);
    }

    /**
     * Each {@code <|image_pad|>} of a written-out prompt takes one image, and must come right after
     * {@code <|vision_start|>}. Hugging Face's processor expands a bare {@code <|image_pad|>} as well, but
     * {@code get_rope_index} places only images whose pad follows {@code <|vision_start|>}: a bare pad's image would
     * not get an image's positions (they are numbered as text, or the bare pad is taken for the next image that
     * does follow {@code <|vision_start|>}), so such a prompt is refused.
     *
     * @throws IllegalArgumentException if an {@code <|image_pad|>} does not follow {@code <|vision_start|>}
     */
    @Override
    public int imagePlaceholders(String prompt) {
        int n = 0;
        String pad = Qwen2VLChatFormat.IMAGE_PAD;
        String start = Qwen2VLChatFormat.VISION_START;
        for (int at = prompt.indexOf(pad); at >= 0; at = prompt.indexOf(pad, at + pad.length())) {
            n++;
            if (at < start.length() || !prompt.startsWith(start, at - start.length())) {
                throw new IllegalArgumentException("image placeholder " + n + " is a bare " + pad + "; write each "
                        + "image as " + imagePlaceholder() + " (the model places an image only where its "
                        + pad + " follows " + start + ")");
            }
        }
        return n;
    }

    @Override
    public String imagePlaceholder() {
        return Qwen2VLChatFormat.VISION_START + Qwen2VLChatFormat.IMAGE_PAD + Qwen2VLChatFormat.VISION_END;
    }

    private static EncodedInput encoded(int[] ids, Qwen2VLImageProcessor.Output px) {
        return px == null ? EncodedInput.text(ids)
                : new EncodedInput(ids, px.pixelValues(), new int[] {px.rowSize()}, px.gridThw());
    }
}
