package org.urbangraph.vlm.embed;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import org.urbangraph.vlm.VlmLoader;
import org.urbangraph.vlm.image.Phi3VImageProcessor;
import org.urbangraph.vlm.image.RgbImage;
import org.urbangraph.vlm.phi3v.Phi3VForCausalLM;
import org.urbangraph.vlm.phi3v.Phi3VProcessor;
import org.urbangraph.vlm.tokenizer.Tokenizer;

/**
 * A Phi-3-Vision model directory ready to embed. Queries use Phi-3-V's chat template (its
 * {@code tokenizer_config.json}: {@code '<|' + role + '|>\n' + content + '<|end|>\n'} per message, then
 * {@code '<|assistant|>\n'}) with the images as {@code <|image_1|>\n}, {@code <|image_2|>\n}, ... in front of the
 * text, as the model card writes them:
 *
 * <pre>
 * &lt;|user|&gt;\n&lt;|image_1|&gt;\n{text}&lt;|end|&gt;\n&lt;|assistant|&gt;\n
 * </pre>
 *
 * Every prompt goes through {@link Phi3VProcessor} ({@code processing_phi3_v.py}): split on the image tags, each
 * chunk tokenised on its own with its own {@code <s>}, image N inserted as {@code -N} once per image token. The
 * embedding is pooled at the last token ({@code <|assistant|>}, which swallows the newline after it).
 *
 * <p>The reference hard-codes 336-pixel crops for CLIP ViT-L/14-336; here the crop size is the vision tower's
 * {@code image_size}, which is 336 for every released model and lets tiny test models pair with the processor.
 */
public final class Phi3VPipeline implements UserTurnPipeline {

    private final Phi3VForCausalLM model;
    private final Tokenizer tokenizer;
    private final Phi3VImageProcessor processor;
    private final long padId;
    private final Path source;

    /**
     * @param source the model directory the parts were loaded from (null if built in memory)
     * @throws IllegalArgumentException if the tokenizer does not fit the model's table or the processor's crops do
     *                                  not fit the vision tower
     */
    public Phi3VPipeline(Phi3VForCausalLM model, Tokenizer tokenizer, Phi3VImageProcessor processor, Path source) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.processor = processor;
        this.source = source;
        int vocab = model.config().text().vocabSize();
        if (tokenizer.size() > vocab) {
            throw new IllegalArgumentException(tokenizer.source() + ": the tokenizer has " + tokenizer.size()
                    + " tokens but the model's embedding table (" + model.config().source() + ") has " + vocab + " rows");
        }
        int s = model.config().vision().imageSize();
        if (processor.config().cropSize() != s) {
            throw new IllegalArgumentException("the image processor cuts " + processor.config().cropSize()
                    + "-pixel crops but the vision tower takes " + s + " (" + model.config().source() + ")");
        }
        this.padId = tokenizer.padTokenId().orElse(tokenizer.unkTokenId().orElse(0));
    }

    /**
     * Loads model, tokenizer ({@code tokenizer.json}) and image processor ({@code preprocessor_config.json}, or the
     * processor class's defaults without one) from a hub model directory.
     */
    public static Phi3VPipeline load(Path dir) throws IOException {
        Phi3VForCausalLM model = Phi3VForCausalLM.load(dir);
        Tokenizer tok = Tokenizer.load(dir);
        Path pp = dir.resolve("preprocessor_config.json");
        Phi3VImageProcessor.Config cfg = Files.isRegularFile(pp) ? Phi3VImageProcessor.Config.read(pp)
                : Phi3VImageProcessor.Config.fromJson(JsonNodeFactory.instance.objectNode(), "Phi3VImageProcessor");
        cfg = cfg.withCropSize(model.config().vision().imageSize());
        return new Phi3VPipeline(model, tok, new Phi3VImageProcessor(cfg), dir);
    }

    @Override
    public VlmLoader.Family family() {
        return VlmLoader.Family.PHI3_V;
    }

    @Override
    public Path source() {
        return source;
    }

    @Override
    public Phi3VForCausalLM model() {
        return model;
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public Phi3VImageProcessor processor() {
        return processor;
    }

    @Override
    public long padId() {
        return padId;
    }

    /** One user turn holding {@code content} (image tags included) and the opened assistant turn. */
    @Override
    public String userTurn(String content) {
        return "<|user|>\n" + content + "<|end|>\n<|assistant|>\n";
    }

    /** The tag of the image at {@code index} (from 0) in a user turn: {@code <|image_N|>} (N from 1) on its own line. */
    @Override
    public String imageTag(int index) {
        return "<|image_" + (index + 1) + "|>\n";
    }

    /**
     * The HD transform refuses an image so elongated that its resized height would be 0 pixels (a 20000x1 image with
     * 16 crops: 5376 / 20000 rounds down to 0), which the reference's resize would fail on as well.
     */
    @Override
    public void checkImage(RgbImage image) {
        processor.hdSize(image.width(), image.height());
    }

    @Override
    public EncodedInput encodePrompt(String prompt, List<RgbImage> images) {
        return encodePrompt(prompt, images.isEmpty() ? null : preprocess(images));
    }

    /** The images as this model's processor prepares them, for {@link #encodePrompt(String, Phi3VImageProcessor.Output)}. */
    public Phi3VImageProcessor.Output preprocess(List<RgbImage> images) {
        return processor.preprocess(images, model.config().tokensPerCropSide());
    }

    /**
     * A written-out prompt with its images already preprocessed (null for none), so that a caller that sees the same
     * image again (a trainer, every epoch) prepares it once.
     */
    public EncodedInput encodePrompt(String prompt, Phi3VImageProcessor.Output px) {
        int placeholders = imagePlaceholders(prompt);
        int given = px == null ? 0 : px.images();
        if (placeholders != given) {
            throw new IllegalArgumentException("the prompt has " + placeholders + " <|image_N|> placeholders but "
                    + given + " images were given");
        }
        long[] ids = Phi3VProcessor.inputIds(prompt, px == null ? new int[0] : px.imageTokens(), chunk -> {
            int[] t = tokenizer.encode(chunk);
            long[] w = new long[t.length];
            for (int i = 0; i < t.length; i++) {
                w[i] = t[i];
            }
            return w;
        });
        int[] out = new int[ids.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        if (px == null) {
            return EncodedInput.text(out);
        }
        return new EncodedInput(out, px.pixelValues(), new int[] {px.slots(), 3, px.cropSize(), px.cropSize()},
                px.imageSizes());
    }

    /** The {@code <|image_N|>} tags of a prompt. */
    @Override
    public int imagePlaceholders(String prompt) {
        Matcher m = Phi3VProcessor.IMAGE_TAG.matcher(prompt);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    @Override
    public String imagePlaceholder() {
        return "<|image_N|>";
    }
}
