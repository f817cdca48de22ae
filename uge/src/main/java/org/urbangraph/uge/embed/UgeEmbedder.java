package org.urbangraph.uge.embed;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.urbangraph.uge.model.UgeCheckpoint;
import org.urbangraph.uge.model.UgeInput;
import org.urbangraph.uge.model.UgeModel;
import org.urbangraph.vlm.embed.EmbeddingBatches;

/**
 * A trained UGE model as an {@link Embedder}: a query with an image, its graph and an instruction becomes
 * {@code <graph><image>instruction} in one user turn, as the model was trained; a text becomes a text-only turn. A
 * stage-1 model has no graph encoder, so it embeds the image and text of a query and leaves its graph out.
 */
public final class UgeEmbedder implements Embedder {

    private final UgeModel model;
    private final String id;
    private final int batchSize;

    public UgeEmbedder(UgeModel model, String id, int batchSize) {
        this.model = model;
        this.id = id;
        this.batchSize = batchSize;
        model.train(false);
    }

    /** Loads a UGE model directory; the id is a digest of every file in it (and of the backbone's weights). */
    public static UgeEmbedder load(Path modelDir, String variant) throws IOException {
        return load(modelDir, null, variant);
    }

    /**
     * As {@link #load(Path, String)} on the given backbone directory instead of the one the model records (null:
     * the recorded one; ignored for a model whose base weights trained, which carries them).
     */
    public static UgeEmbedder load(Path modelDir, Path backbone, String variant) throws IOException {
        UgeModel m = UgeCheckpoint.load(modelDir, backbone);
        UgeCheckpoint.Info info = UgeCheckpoint.info(modelDir);
        Path used = backbone != null && !info.baseTrained() ? backbone : info.backbone();
        String digest = digest(modelDir, used);
        return new UgeEmbedder(m, "uge-" + variant + "-" + digest.substring(0, 16), 16);
    }

    /** SHA-256 over the files of a model directory and of its backbone directory, in a fixed order. */
    static String digest(Path... dirs) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Path d : dirs) {
                if (d == null || !Files.isDirectory(d)) {
                    continue;
                }
                List<Path> files;
                try (Stream<Path> s = Files.walk(d)) {
                    files = s.filter(Files::isRegularFile).sorted().toList();
                }
                for (Path f : files) {
                    md.update(d.relativize(f).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    try (InputStream in = new DigestInputStream(Files.newInputStream(f), md)) {
                        in.transferTo(java.io.OutputStream.nullOutputStream());
                    }
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public UgeModel model() {
        return model;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public int dimension() {
        return model.model().hiddenSize();
    }

    /** The UGE input of an embedder input. */
    public UgeInput toUgeInput(EmbedInput in) {
        boolean graph = in.graph() != null && model.graphEncoder() != null;
        StringBuilder content = new StringBuilder();
        if (graph) {
            content.append("<graph>");
        }
        if (in.image() != null) {
            content.append("<image>");
        }
        if (in.instruction() != null) {
            content.append(in.instruction());
        }
        if (in.text() != null) {
            content.append(in.instruction() != null ? "\n" : "").append(in.text());
        }
        return new UgeInput(content.toString(), in.image() == null ? List.of() : List.of(in.image()),
                graph ? List.of(in.graph()) : List.of());
    }

    /** The inputs in order, in batches of at most the embedder's batch size ({@link EmbeddingBatches}). */
    @Override
    public float[][] embed(List<EmbedInput> inputs) {
        return EmbeddingBatches.inBatches(inputs.size(), batchSize, dimension(), (from, to) -> {
            List<UgeInput> chunk = new ArrayList<>(to - from);
            for (EmbedInput in : inputs.subList(from, to)) {
                chunk.add(toUgeInput(in));
            }
            return model.embed(chunk).toFloatArray();
        });
    }
}
