package org.urbangraph.ugbench.embed;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;
import org.urbangraph.uge.embed.EmbedInput;
import org.urbangraph.uge.embed.Embedder;
import org.urbangraph.vlm.VlmLoader;
import org.urbangraph.vlm.embed.EmbeddingPipeline;
import org.urbangraph.vlm.embed.EmbeddingPipelines;
import org.urbangraph.vlm.embed.EncodedInput;
import org.urbangraph.vlm.image.Images;
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
    /** Changes when the prompt layout changes, so cached vectors of the old layout are not reused. */
    static final String PROMPT_LAYOUT = "qwen2vl-chat-v1";

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
            List<RgbImage> images = in.image() == null ? List.of() : List.of(Images.read(in.image()));
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
     * SHA-256 over the model directory's configuration and tokenizer files and, for each safetensors file, its name,
     * size and header (tensor names, shapes, offsets): cheap for multi-gigabyte weights, and different whenever the
     * model differs in shape or in where its bytes lie. Retrained weights of the same shapes written by a different run
     * also differ in the file's modification time, which is included too.
     */
    static String fingerprint(Path dir) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        md.update(PROMPT_LAYOUT.getBytes());
        TreeSet<Path> files = new TreeSet<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            s.forEach(files::add);
        }
        for (Path f : files) {
            String name = f.getFileName().toString();
            if (!Files.isRegularFile(f)) {
                continue;
            }
            if (name.endsWith(".json") || name.endsWith(".model") || name.endsWith(".txt")) {
                md.update(name.getBytes());
                try (InputStream in = Files.newInputStream(f)) {
                    md.update(in.readAllBytes());
                }
            } else if (name.endsWith(".safetensors")) {
                md.update(name.getBytes());
                md.update(Long.toString(Files.size(f)).getBytes());
                md.update(Long.toString(Files.getLastModifiedTime(f).toMillis()).getBytes());
                md.update(safetensorsHeader(f));
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static byte[] safetensorsHeader(Path f) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(len, 0);
            long n = len.flip().remaining() == 8 ? len.getLong() : -1;
            if (n < 0 || n > 100_000_000 || n + 8 > ch.size()) {
                throw new IOException(f + ": not a safetensors file (header length " + n + ", file size " + ch.size()
                        + ")");
            }
            ByteBuffer header = ByteBuffer.allocate((int) n);
            ch.read(header, 8);
            return header.array();
        }
    }
}
