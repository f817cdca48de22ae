package org.urbangraph.tensor.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.kernels.DType;
import org.urbangraph.tensor.Meta;
import org.urbangraph.tensor.Tensor;

/** The writer's own guarantees: no temporary file is left behind, concurrent writers do not collide, names are checked. */
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

    @Test
    void aFailureThatIsNotAnIoErrorLeavesNoTemporaryFileAndKeepsTheOldFile() throws IOException {
        Path p = tmp.resolve("w.safetensors");
        SafetensorsWriter.write(p, Map.of("x", Tensor.of(new float[] {1, 2, 3}, 3)), Map.of());
        byte[] before = Files.readAllBytes(p);
        Tensor placeholder;
        try (Meta m = Meta.scope()) {
            placeholder = Tensor.empty(DType.F32, 2, 3).named("y");
        }
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("x", Tensor.of(new float[] {4, 5, 6}, 3));
        t.put("y", placeholder);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SafetensorsWriter.write(p, t, Map.of()));
        assertTrue(e.getMessage().contains("placeholder"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(p));
        assertEquals(List.of(), leftovers());
    }

    @Test
    void threadsWritingOnePathDoNotShareATemporaryFile() throws Exception {
        Path p = tmp.resolve("shared.safetensors");
        int threads = 4;
        int rounds = 25;
        List<Map<String, Tensor>> contents = new ArrayList<>();
        List<byte[]> expected = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            float[] v = new float[64 * 1024];
            java.util.Arrays.fill(v, i + 1);
            contents.add(Map.of("w", Tensor.of(v, v.length)));
            Path alone = tmp.resolve("alone-" + i + ".bin");
            SafetensorsWriter.write(alone, contents.get(i), Map.of("writer", "" + i));
            expected.add(Files.readAllBytes(alone));
            Files.delete(alone);
        }
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                int me = i;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int r = 0; r < rounds; r++) {
                        SafetensorsWriter.write(p, contents.get(me), Map.of("writer", "" + me));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(); // a writer that found its temporary file replaced or truncated by another fails here
            }
        } finally {
            pool.shutdownNow();
        }
        byte[] last = Files.readAllBytes(p);
        assertTrue(expected.stream().anyMatch(b -> java.util.Arrays.equals(b, last)),
                "the file is one writer's complete output");
        assertEquals(List.of(), leftovers());
    }

    /**
     * Tensor data goes to the file a buffer at a time (so that a tensor over 2 GiB needs no array of its size): any
     * buffer size, down to one byte and not a multiple of the element size, gives the same bytes.
     */
    @Test
    void dataWrittenInChunksIsByteIdentical() throws IOException {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("w", Tensor.randn(7, 5, 3));
        t.put("transposed", Tensor.randn(8, 4, 6).transpose(0, 1)); // not contiguous
        t.put("half", Tensor.randn(9, 3, 3).to(DType.BF16));
        t.put("ids", Tensor.arange(0, 11).to(DType.I64));
        t.put("empty", Tensor.zeros(0, 4));
        Path whole = tmp.resolve("whole.safetensors");
        SafetensorsWriter.write(whole, t, Map.of("format", "pt"));
        byte[] expected = Files.readAllBytes(whole);
        for (int chunk : new int[] {1, 3, 5, 64, 1 << 20}) {
            Path p = tmp.resolve("chunk-" + chunk + ".safetensors");
            SafetensorsWriter.write(p, t, Map.of("format", "pt"), chunk);
            assertArrayEquals(expected, Files.readAllBytes(p), "chunks of " + chunk + " bytes");
        }
        SafetensorsFile f = SafetensorsFile.open(whole);
        assertArrayEquals(t.get("transposed").contiguous().toFloatArray(), f.tensor("transposed").toFloatArray());
        assertArrayEquals(t.get("w").toFloatArray(), f.tensor("w").toFloatArray());
    }
}
