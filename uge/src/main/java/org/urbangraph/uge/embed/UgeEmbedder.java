package org.urbangraph.uge.embed;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
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
    private final TrainedOn trainedOn;

    /** An in-memory model; its training data is what the model records ({@link UgeModel#trainingData()}). */
    public UgeEmbedder(UgeModel model, String id, int batchSize) {
        this(model, id, batchSize, new TrainedOn("'" + id + "'", model.graphEncoder() == null ? 1 : 2,
                model.trainingData()));
    }

    private UgeEmbedder(UgeModel model, String id, int batchSize, TrainedOn trainedOn) {
        this.model = model;
        this.id = id;
        this.batchSize = batchSize;
        this.trainedOn = trainedOn;
        model.train(false);
    }

    /**
     * The input layout of a UGE model (chat layout per family, graph spans, last-token pooling). It is part of the id,
     * so a change of layout must change it: cached vectors of the old layout are then not reused. Layout 2: repeated
     * graph edges are dropped, node texts are stripped and tokenised with the special tokens, and the tokenizer
     * normalises to NFC with Unicode 9.0 data, so the same model directory and inputs give other vectors than before.
     */
    static final String LAYOUT = "uge-layout-2";

    /**
     * Loads a UGE model directory; the id is a digest of the input layout, of the directory's files and of a
     * fingerprint of the backbone's ({@link #digest}), which keys UGBench's embedding cache.
     */
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
        String digest = digest(LAYOUT, modelDir, used);
        return new UgeEmbedder(m, "uge-" + variant + "-" + digest.substring(0, 16), 16,
                new TrainedOn(modelDir.toString(), info.stage(), m.trainingData()));
    }

    /**
     * SHA-256 over the input layout, every byte of every file of the model directory except {@code backbone/} (the
     * adapter, the graph-token rows, the graph encoder, uge.json and the tokenizer files: megabytes, and what training
     * changes), and the backbone directory's {@link ModelFingerprint} (its configuration and tokenizer files, and each
     * weight file's name, size, modification time and safetensors header, not its gigabytes of tensor bytes). The
     * backbone is the recorded or given one, or the model's own {@code backbone/} when the base weights trained.
     * Backbone weights rewritten in place with the same shapes and size and the modification time set back keep the
     * id: the price of not reading them on every load, as for {@code ug bench} on a raw backbone.
     */
    static String digest(String layout, Path modelDir, Path backboneDir) throws IOException {
        MessageDigest md = ModelFingerprint.sha256();
        md.update(layout.getBytes(StandardCharsets.UTF_8));
        Path ownBackbone = modelDir.resolve("backbone");
        List<Path> files;
        try (Stream<Path> s = Files.walk(modelDir)) {
            files = s.filter(f -> !f.startsWith(ownBackbone) && Files.isRegularFile(f)).sorted().toList();
        }
        for (Path f : files) {
            StringBuilder name = new StringBuilder();
            for (Path part : modelDir.relativize(f)) {
                name.append(name.isEmpty() ? "" : "/").append(part);
            }
            md.update(name.toString().getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(Long.toString(Files.size(f)).getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            try (InputStream in = new DigestInputStream(Files.newInputStream(f), md)) {
                in.transferTo(OutputStream.nullOutputStream());
            }
        }
        if (backboneDir != null && Files.isDirectory(backboneDir)) {
            md.update("backbone".getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            ModelFingerprint.update(md, backboneDir);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    public UgeModel model() {
        return model;
    }

    /** What the model was trained on: the records of its directory, named by the directory it was loaded from. */
    @Override
    public TrainedOn trainedOn() {
        return trainedOn;
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
