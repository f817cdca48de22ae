package org.urbangraph.vlm.embed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.vlm.MultimodalBatch;
import org.urbangraph.vlm.chat.ChatMessage;
import org.urbangraph.vlm.chat.Qwen2VLChatFormat;
import org.urbangraph.vlm.image.Qwen2VLImageProcessor;
import org.urbangraph.vlm.image.RgbImage;
import org.urbangraph.vlm.qwen2vl.Qwen2VLForConditionalGeneration;
import org.urbangraph.vlm.tokenizer.Tokenizer;

/**
 * A Qwen2-VL / Qwen2.5-VL model directory ready to embed: the model, its tokenizer, the chat layout UGE trains with
 * and the image processor from {@code preprocessor_config.json}. Inputs become left-padded batches, as the
 * embedding API expects.
 */
public final class Qwen2VLPipeline {

    private final Qwen2VLForConditionalGeneration model;
    private final Tokenizer tokenizer;
    private final Qwen2VLChatFormat chat;
    private final Qwen2VLImageProcessor processor;
    private final long padId;
    private final Path source;

    public Qwen2VLPipeline(Qwen2VLForConditionalGeneration model, Tokenizer tokenizer, Qwen2VLImageProcessor processor) {
        this(model, tokenizer, processor, null);
    }

    /** @param source the model directory the parts were loaded from (null if built in memory) */
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

    /** The model directory this pipeline was loaded from, or null. */
    public Path source() {
        return source;
    }

    public Qwen2VLForConditionalGeneration model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
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
    public EncodedInput encodeQuery(List<RgbImage> images, String text) {
        StringBuilder content = new StringBuilder();
        for (int i = 0; i < images.size(); i++) {
            content.append(Qwen2VLChatFormat.IMAGE_TAG);
        }
        content.append(text == null ? "" : text);
        return encodeMessages(List.of(ChatMessage.user(content.toString())), images);
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
        int[] ids = chat.encodeForEmbedding(messages, media);
        return images == null ? EncodedInput.text(ids)
                : new EncodedInput(ids, images.pixelValues(), images.rowSize(), images.grids());
    }

    /**
     * A prompt written out in full: each {@code <|vision_start|><|image_pad|><|vision_end|>} is expanded for the next
     * image, exactly as the Hugging Face processor does.
     */
    public EncodedInput encodePrompt(String prompt, List<RgbImage> images) {
        Qwen2VLImageProcessor.Output px = images.isEmpty() ? null : processor.preprocess(images);
        Qwen2VLChatFormat.Media media = px == null ? Qwen2VLChatFormat.Media.NONE
                : Qwen2VLChatFormat.Media.images(px.imageTokens());
        int[] ids = chat.encodePrompt(prompt, media);
        return px == null ? EncodedInput.text(ids) : new EncodedInput(ids, px.pixelValues(), px.rowSize(), px.grids());
    }

    /** Left-pads inputs into one batch; images keep the order of the inputs. */
    public MultimodalBatch batch(List<EncodedInput> inputs) {
        int len = inputs.stream().mapToInt(i -> i.ids().length).max().orElseThrow();
        long[][] ids = new long[inputs.size()][len];
        long[][] mask = new long[inputs.size()][len];
        List<int[]> grids = new ArrayList<>();
        int rows = 0;
        int rowSize = 0;
        for (int r = 0; r < inputs.size(); r++) {
            EncodedInput in = inputs.get(r);
            int pad = len - in.ids().length;
            Arrays.fill(ids[r], 0, pad, padId);
            for (int i = 0; i < in.ids().length; i++) {
                ids[r][pad + i] = in.ids()[i];
                mask[r][pad + i] = 1;
            }
            for (Qwen2VLImageProcessor.Grid g : in.grids()) {
                grids.add(new int[] {g.t(), g.h(), g.w()});
            }
            rows += in.rows();
            if (in.rows() > 0) {
                rowSize = in.rowSize();
            }
        }
        if (rows == 0) {
            return MultimodalBatch.textOnly(ids, mask);
        }
        float[] pixels = new float[rows * rowSize];
        int at = 0;
        for (EncodedInput in : inputs) {
            System.arraycopy(in.pixelRows(), 0, pixels, at, in.pixelRows().length);
            at += in.pixelRows().length;
        }
        return new MultimodalBatch(ids, mask, Tensor.of(pixels, rows, rowSize), grids.toArray(new int[0][]));
    }

    /** L2-normalised embeddings [n][hidden] of the inputs, as one left-padded batch. */
    public float[][] embed(List<EncodedInput> inputs) {
        try (NoGrad g = NoGrad.enter()) {
            float[] flat = model.embed(batch(inputs)).toFloatArray();
            int h = model.hiddenSize();
            float[][] out = new float[inputs.size()][];
            for (int i = 0; i < out.length; i++) {
                out[i] = Arrays.copyOfRange(flat, i * h, (i + 1) * h);
            }
            return out;
        }
    }
}
