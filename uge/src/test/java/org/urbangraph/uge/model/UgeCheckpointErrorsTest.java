package org.urbangraph.uge.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.kernels.DType;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.io.CheckpointMismatchException;
import org.urbangraph.tensor.io.SafetensorsFile;
import org.urbangraph.tensor.io.SafetensorsWriter;
import org.urbangraph.testkit.Fixtures;

/** A UGE model directory whose graph-token rows do not fit its backbone is refused naming the file. */
class UgeCheckpointErrorsTest {

    @Test
    void graphTokenRowsOfAnotherWidthOrAnIntegerDtypeNameTheirFile(@TempDir Path tmp) throws Exception {
        Path backbone = TinyBackbone.create(tmp.resolve("backbone"), Fixtures.path("tokenizer", "qwen2"), 7);
        Path dir = tmp.resolve("model");
        UgeModels.stage1(backbone, false, 2, 24).save(dir);
        Path file = dir.resolve("new_token_rows.safetensors");
        Map<String, String> meta = SafetensorsFile.open(file).metadata();
        int tokens = UgeModel.GRAPH_TOKENS.size();

        SafetensorsWriter.write(file, Map.of("weight", Tensor.zeros(tokens, TinyBackbone.HIDDEN / 2)), meta);
        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                () -> UgeCheckpoint.load(dir, null));
        assertEquals(file, e.file());
        assertTrue(e.getMessage().startsWith(file + ": the graph tokens' rows must be " + tokens + " rows as wide as "
                + "the hidden size of the backbone " + backbone)
                && e.getMessage().contains("weight is [" + tokens + ", " + TinyBackbone.HIDDEN / 2 + "], expected ["
                + tokens + ", " + TinyBackbone.HIDDEN + "]"), e.getMessage());

        SafetensorsWriter.write(file, Map.of("weight", Tensor.zeros(tokens, TinyBackbone.HIDDEN).to(DType.I64)), meta);
        e = assertThrows(CheckpointMismatchException.class, () -> UgeCheckpoint.load(dir, null));
        assertTrue(e.getMessage().startsWith(file + ": ") && e.getMessage().contains("weight is I64"), e.getMessage());
    }

    /**
     * A save that fails leaves no temporary file behind (here uge.json cannot replace a directory of that name), and a
     * file named as a fixed temporary name would be does not get in the way of a save.
     */
    @Test
    void aFailedSaveLeavesNoTemporaryFile(@TempDir Path tmp) throws Exception {
        Path backbone = TinyBackbone.create(tmp.resolve("backbone"), Fixtures.path("tokenizer", "qwen2"), 7);
        UgeModel m = UgeModels.stage1(backbone, false, 2, 24);
        Path dir = tmp.resolve("model");
        Files.createDirectories(dir.resolve("uge.json").resolve("child"));
        assertThrows(IOException.class, () -> m.save(dir));
        try (Stream<Path> s = Files.list(dir)) {
            List<String> left = s.map(p -> p.getFileName().toString()).filter(n -> n.contains(".tmp")).toList();
            assertEquals(List.of(), left);
        }

        Path other = tmp.resolve("other");
        for (String blocked : List.of("tokenizer.json.tmp", "uge.json.tmp", "adapter/adapter_config.json.tmp")) {
            Files.createDirectories(other.resolve(blocked).resolve("child"));
        }
        m.save(other);
        assertTrue(Files.isRegularFile(other.resolve("adapter").resolve("adapter_config.json")));
        assertTrue(Files.isRegularFile(other.resolve("tokenizer.json")));
        UgeCheckpoint.load(other, null);
    }
}
