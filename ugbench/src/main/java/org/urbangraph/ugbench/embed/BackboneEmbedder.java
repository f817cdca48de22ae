package org.urbangraph.ugbench.embed;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.urbangraph.uge.embed.EmbedInput;
import org.urbangraph.uge.embed.Embedder;
import org.urbangraph.uge.embed.ModelFingerprint;
import org.urbangraph.vlm.VlmLoader;
import org.urbangraph.vlm.embed.EmbeddingPipeline;
import org.urbangraph.vlm.embed.EmbeddingPipelines;
import org.urbangraph.vlm.embed.EncodedInput;
import org.urbangraph.vlm.image.RgbImage;

/**
 * A raw backbone of any family the {@code vlm} module loads (Qwen2-VL, Qwen2.5-VL, LLaVA-NeXT, Phi-3-V), zero-shot: the
 * L2-normalised last-token embedding of the family's query layout, the one UGE trains with (the images first, then
 * the instruction and the text). It has no graph encoder, so it ignores
 * {@link EmbedInput#graph()}; UGBench therefore does not run the image+graph mode with it and its report says so.
 *
 * <p>The id names the model directory and a fingerprint of its files (config, tokenizer, image processor settings and
 * each weight file's size and safetensors header), so the embedding cache never mixes two models.
 */
public final class BackboneEmbedder implements Embedder {
    /**
     * Changes when the prompt layout or its tokenisation changes, so cached vectors of the old layout are not reused.
     * v2: the tokenizer normalises to NFC with Unicode 9.0 data, which can change the ids of the same prompt.
     */
    static final String PROMPT_LAYOUT = "qwen2vl-chat-v2";

    private final EmbeddingPipeline pipeline;
    private final String id;

    public BackboneEmbedder(EmbeddingPipeline pipeline, String id) {
        this.pipeline = pipeline;
        this.id = id;
    }

    /** Loads a Hugging Face model directory of any supported family (read from its {@code config.json}). */
    public static BackboneEmbedder load(Path modelDir) throws IOException {
        EmbeddingPipeline pipeline = EmbeddingPipelines.load(modelDir);
        String id = idPrefix(pipeline.family()) + "-backbone-" + modelDir.toAbsolutePath().normalize().getFileName()
                + "-" + fingerprint(modelDir).substring(0, 16);
        return new BackboneEmbedder(pipeline, id);
    }

    /**
     * The family in the cache id. Qwen2-VL and Qwen2.5-VL keep the "qwen2vl" of the first releases, so their cached
     * vectors stay valid; the fingerprint tells the two apart.
     */
    static String idPrefix(VlmLoader.Family family) {
        return switch (family) {
            case QWEN2_VL, QWEN2_5_VL -> "qwen2vl";
            case LLAVA_NEXT -> "llava_next";
            case PHI3_V -> "phi3_v";
        };
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public int dimension() {
        return pipeline.model().hiddenSize();
    }

    @Override
    public float[][] embed(List<EmbedInput> inputs) {
        List<EncodedInput> encoded = new ArrayList<>(inputs.size());
        for (EmbedInput in : inputs) {
            List<RgbImage> images = in.image() == null ? List.of() : List.of(pipeline.readImage(in.image(), false));
            encoded.add(pipeline.encodeQuery(images, prompt(in)));
        }
        return pipeline.embed(encoded);
    }

    /** The text after the image tags: the instruction, then the text, on separate lines. */
    static String prompt(EmbedInput in) {
        StringBuilder s = new StringBuilder();
        if (in.instruction() != null && !in.instruction().isBlank()) {
            s.append(in.instruction());
        }
        if (in.text() != null && !in.text().isBlank()) {
            s.append(s.isEmpty() ? "" : "\n").append(in.text());
        }
        return s.toString();
    }

    /**
     * SHA-256 over the prompt layout and the model directory's {@link ModelFingerprint}: its configuration and
     * tokenizer files and, for each safetensors file, its name, size, modification time and header (tensor names,
     * shapes, offsets). Cheap for multi-gigabyte weights, and different whenever the model differs in shape or in where
     * its bytes lie; retrained weights of the same shapes written by a different run differ in the modification time.
     */
    static String fingerprint(Path dir) throws IOException {
        MessageDigest md = ModelFingerprint.sha256();
        md.update(PROMPT_LAYOUT.getBytes(StandardCharsets.UTF_8));
        ModelFingerprint.update(md, dir);
        return HexFormat.of().formatHex(md.digest());
    }
}
