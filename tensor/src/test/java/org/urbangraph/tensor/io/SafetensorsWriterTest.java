package org.urbangraph.tensor.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.tensor.Tensor;

/** The writer's own guarantees: names that no reader could load are refused. */
class SafetensorsWriterTest {

    @TempDir
    Path tmp;

    private List<String> leftovers() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.contains(".tmp")).toList();
        }
    }

    @Test
    void aTensorNamedMetadataIsRefused() throws IOException {
        Path p = tmp.resolve("m.safetensors");
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("x", Tensor.of(new float[] {1, 2}, 2));
        t.put("__metadata__", Tensor.of(new float[] {3}, 1));
        SafetensorsException e = assertThrows(SafetensorsException.class,
                () -> SafetensorsWriter.write(p, t, Map.of("format", "pt")));
        assertTrue(e.getMessage().startsWith(p + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("a tensor cannot be named '__metadata__'"), e.getMessage());
        assertTrue(Files.notExists(p));
        assertEquals(List.of(), leftovers());
    }
}
