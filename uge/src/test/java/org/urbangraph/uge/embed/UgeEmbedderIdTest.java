package org.urbangraph.uge.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.io.SafetensorsWriter;
import org.urbangraph.uge.TinyWorld;
import org.urbangraph.uge.model.UgeModels;

/**
 * The cache id of a UGE model: it changes with the input layout, with every byte of the model's own files, and with
 * the backbone's configuration and weight headers, but it reads no backbone weight bytes (so {@code ug bench --adapter}
 * on a 7B backbone does not hash gigabytes on every load).
 */
class UgeEmbedderIdTest {

    @TempDir
    Path tmp;

    /** A model directory with an adapter and graph-token rows, and a backbone directory, as files only. */
    private Path[] dirs() throws IOException {
        Path backbone = Files.createDirectories(tmp.resolve("backbone-src"));
        Files.writeString(backbone.resolve("config.json"), "{\"model_type\": \"qwen2_vl\"}");
        weights(backbone.resolve("model.safetensors"), "model.embed_tokens.weight", 1f);
        Path model = Files.createDirectories(tmp.resolve("model"));
        Files.writeString(model.resolve("uge.json"), "{\"format\": \"uge-model-1\"}");
        Files.createDirectories(model.resolve("adapter"));
        weights(model.resolve("adapter").resolve("adapter_model.safetensors"), "lora_A.weight", 2f);
        weights(model.resolve("new_token_rows.safetensors"), "weight", 3f);
        return new Path[] {model, backbone};
    }

    private static void weights(Path file, String name, float value) throws IOException {
        Tensor t = Tensor.randn(11, 64, 16).mul(value);
        SafetensorsWriter.write(file, Map.of(name, t), Map.of("format", "pt"));
    }

    /** Overwrites the last bytes of a file in place (after its header) and sets its modification time back. */
    private static void overwriteTail(Path file) throws IOException {
        FileTime mtime = Files.getLastModifiedTime(file);
        long size = Files.size(file);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(size - 16);
            f.write(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
        }
        Files.setLastModifiedTime(file, mtime);
        assertEquals(size, Files.size(file));
    }

    @Test
    void theInputLayoutIsPartOfTheId() throws Exception {
        Path[] d = dirs();
        String id = UgeEmbedder.digest(UgeEmbedder.LAYOUT, d[0], d[1]);
        assertEquals(id, UgeEmbedder.digest(UgeEmbedder.LAYOUT, d[0], d[1]), "the same files give the same id");
        assertNotEquals(id, UgeEmbedder.digest(UgeEmbedder.LAYOUT + "-next", d[0], d[1]), "another layout");
    }

    @Test
    void theLayoutIsTheOneAfterTheEncodingChanges() throws Exception {
        // Layout 2: repeated graph edges dropped, node texts stripped and tokenised with the special tokens, NFC with
        // Unicode 9.0 data. Ids of layout 1 must not name vectors computed this way.
        assertEquals("uge-layout-2", UgeEmbedder.LAYOUT);
        Path[] d = dirs();
        assertNotEquals(UgeEmbedder.digest("uge-layout-1", d[0], d[1]),
                UgeEmbedder.digest(UgeEmbedder.LAYOUT, d[0], d[1]), "cached vectors of layout 1 are not reused");
    }

    @Test
    void aBackboneWeightFileCountsByHeaderSizeAndTimeNotByItsBytes() throws Exception {
        Path[] d = dirs();
        Path weights = d[1].resolve("model.safetensors");
        String id = UgeEmbedder.digest(UgeEmbedder.LAYOUT, d[0], d[1]);

        // tensor bytes rewritten in place, size and modification time unchanged: not read, so the same id
        overwriteTail(weights);
        assertEquals(id, UgeEmbedder.digest(UgeEmbedder.LAYOUT, d[0], d[1]), "tensor bytes are not read");

        // a header that differs (another tensor name of the same length), same size and time: another id
        FileTime mtime = Files.getLastModifiedTime(weights);
        byte[] bytes = Files.readAllBytes(weights);
        String text = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
        Files.write(weights, text.replace("model.embed_tokens.weight", "model.embed_tokens.wEight")
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        Files.setLastModifiedTime(weights, mtime);
        assertEquals(bytes.length, Files.size(weights));
        String header = UgeEmbedder.digest(UgeEmbedder.LAYOUT, d[0], d[1]);
        assertNotEquals(id, header, "another header");

        // the same header with a new modification time (weights retrained by another run): another id
        Files.setLastModifiedTime(weights, FileTime.fromMillis(mtime.toMillis() - 60_000));
        assertNotEquals(header, UgeEmbedder.digest(UgeEmbedder.LAYOUT, d[0], d[1]), "another modification time");

        // the backbone's configuration counts in full
        String before = UgeEmbedder.digest(UgeEmbedder.LAYOUT, d[0], d[1]);
        Files.writeString(d[1].resolve("config.json"), "{\"model_type\": \"qwen2_5_vl\"}");
        assertNotEquals(before, UgeEmbedder.digest(UgeEmbedder.LAYOUT, d[0], d[1]), "another config.json");
    }

    @Test
    void theModelsOwnFilesCountByEveryByte() throws Exception {
        Path[] d = dirs();
        String id = UgeEmbedder.digest(UgeEmbedder.LAYOUT, d[0], d[1]);
        overwriteTail(d[0].resolve("adapter").resolve("adapter_model.safetensors"));
        String adapter = UgeEmbedder.digest(UgeEmbedder.LAYOUT, d[0], d[1]);
        assertNotEquals(id, adapter, "the adapter's weights are hashed in full");
        overwriteTail(d[0].resolve("new_token_rows.safetensors"));
        assertNotEquals(adapter, UgeEmbedder.digest(UgeEmbedder.LAYOUT, d[0], d[1]), "so are the graph-token rows");
    }

    @Test
    void aTrainedBaseInTheModelDirectoryIsFingerprintedLikeABackbone() throws Exception {
        Path[] d = dirs();
        Path own = Files.createDirectories(d[0].resolve("backbone"));
        Files.writeString(own.resolve("config.json"), "{\"model_type\": \"qwen2_vl\"}");
        weights(own.resolve("model.safetensors"), "model.embed_tokens.weight", 4f);
        String id = UgeEmbedder.digest(UgeEmbedder.LAYOUT, d[0], own);
        overwriteTail(own.resolve("model.safetensors"));
        assertEquals(id, UgeEmbedder.digest(UgeEmbedder.LAYOUT, d[0], own), "its tensor bytes are not read");
        Files.setLastModifiedTime(own.resolve("model.safetensors"), FileTime.fromMillis(1_000_000));
        assertNotEquals(id, UgeEmbedder.digest(UgeEmbedder.LAYOUT, d[0], own), "its modification time counts");
    }

    @Test
    void aLoadedModelsIdNamesTheVariantAndTheDigest() throws Exception {
        Path dir = tmp.resolve("s1");
        UgeModels.stage1(TinyWorld.backbone(), false, 2, 24).save(dir);
        UgeEmbedder e = UgeEmbedder.load(dir, "s1");
        String digest = UgeEmbedder.digest(UgeEmbedder.LAYOUT, dir, TinyWorld.backbone());
        assertEquals("uge-s1-" + digest.substring(0, 16), e.id());
        assertEquals(e.id(), UgeEmbedder.load(dir, "s1").id(), "stable across loads");
        assertTrue(e.id().matches("uge-s1-[0-9a-f]{16}"), e.id());
    }
}
