package org.urbangraph.ugbench.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.ugbench.FnEmbedder;
import org.urbangraph.ugbench.embed.RandomEmbedder;
import org.urbangraph.uge.embed.EmbedInput;
import org.urbangraph.uge.embed.Embedder;

/** The embedding cache: keys by content, atomic entries, damaged entries recomputed, counted embedder calls. */
class EmbeddingCacheTest {
    @TempDir
    Path tmp;

    /** Counts the inputs it is asked to embed. */
    static final class Counting implements Embedder {
        final Embedder inner;
        final List<EmbedInput> seen = new ArrayList<>();

        Counting(Embedder inner) {
            this.inner = inner;
        }

        @Override
        public String id() {
            return inner.id();
        }

        @Override
        public int dimension() {
            return inner.dimension();
        }

        @Override
        public float[][] embed(List<EmbedInput> inputs) {
            seen.addAll(inputs);
            return inner.embed(inputs);
        }
    }

    @Test
    void keysFollowFileContentsNotPaths() throws Exception {
        Path a = Files.writeString(tmp.resolve("a.png"), "pixels one");
        Path copy = Files.createDirectories(tmp.resolve("moved")).resolve("renamed.png");
        Files.copy(a, copy);
        InputHasher h = new InputHasher();
        String ka = h.key(EmbedInput.image(a, "where?"));
        assertEquals(64, ka.length());
        assertEquals(ka, h.key(EmbedInput.image(copy, "where?")), "same bytes elsewhere: same key");
        assertNotEquals(ka, h.key(EmbedInput.image(a, "where else?")), "the instruction counts");
        assertNotEquals(ka, h.key(EmbedInput.imageWithGraph(a, copy, "where?")), "a graph counts");
        Files.writeString(copy, "pixels two");
        Files.setLastModifiedTime(copy, java.nio.file.attribute.FileTime.fromMillis(12345));
        assertNotEquals(ka, h.key(EmbedInput.image(copy, "where?")), "changed bytes: another key");
        assertNotEquals(h.key(new EmbedInput(null, null, "ab", "c")), h.key(new EmbedInput(null, null, "a", "bc")));
    }

    @Test
    void aSecondRunComesFromTheCacheWithIdenticalVectors() throws Exception {
        InputHasher h = new InputHasher();
        Counting e = new Counting(new RandomEmbedder(3, 16, h));
        List<EmbedInput> inputs = texts(23);
        Path cache = tmp.resolve("cache");
        EmbeddingStore first = new EmbeddingStore(e, cache, h, 5, null);
        Map<EmbedInput, float[]> v1 = first.embed(inputs, "test");
        assertEquals(23, first.computed());
        assertEquals(23, e.seen.size());
        e.seen.clear();
        EmbeddingStore second = new EmbeddingStore(e, cache, h, 5, null);
        Map<EmbedInput, float[]> v2 = second.embed(inputs, "test");
        assertEquals(0, e.seen.size(), "the embedder is not called again");
        assertEquals(23, second.fromCache());
        for (EmbedInput in : inputs) {
            assertArrayEquals(v1.get(in), v2.get(in));
        }
        try (Stream<Path> s = Files.walk(cache)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary files left");
        }
    }

    @Test
    void damagedEntriesAreRecomputedNotTrusted() throws Exception {
        InputHasher h = new InputHasher();
        Counting e = new Counting(new RandomEmbedder(3, 16, h));
        List<EmbedInput> inputs = texts(4);
        Path cache = tmp.resolve("cache");
        Map<EmbedInput, float[]> good = new EmbeddingStore(e, cache, h, 8, null).embed(inputs, "test");
        EmbeddingCache c = new EmbeddingCache(cache, e.id(), 16);
        // 0: a flipped bit in a value; 1: truncated; 2: the entry of another input under this name; 3: untouched
        Path f0 = c.file(h.key(inputs.get(0)));
        byte[] b0 = Files.readAllBytes(f0);
        b0[50] ^= 0x10;
        Files.write(f0, b0);
        Path f1 = c.file(h.key(inputs.get(1)));
        Files.write(f1, java.util.Arrays.copyOf(Files.readAllBytes(f1), 30));
        Files.copy(c.file(h.key(inputs.get(3))), c.file(h.key(inputs.get(2))),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertNull(c.get(h.key(inputs.get(0))));
        assertEquals(1, c.corruptEntries());
        assertTrue(Files.notExists(f0), "a damaged entry is deleted");

        e.seen.clear();
        EmbeddingStore again = new EmbeddingStore(e, cache, h, 8, null);
        Map<EmbedInput, float[]> v = again.embed(inputs, "test");
        assertEquals(3, e.seen.size());
        assertTrue(e.seen.containsAll(inputs.subList(0, 3)));
        assertEquals(1, again.fromCache());
        assertEquals(2, again.corruptEntries(), "the truncated and the misplaced entry");
        for (EmbedInput in : inputs) {
            assertArrayEquals(good.get(in), v.get(in));
        }
        // and they were written back
        assertEquals(4, new EmbeddingStore(e, cache, h, 8, null).embed(inputs, "test").size());
    }

    @Test
    void embedderOutputIsChecked() throws Exception {
        Embedder bad = FnEmbedder.constant("unnormalised", 3, 4);
        EmbeddingStore s = new EmbeddingStore(bad, null, new InputHasher(), 2, null);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> s.embed(List.of(EmbedInput.text("a street")), "test"));
        assertTrue(e.getMessage().contains("norm 5.0") && e.getMessage().contains("\"a street\""), e.getMessage());
    }

    private static List<EmbedInput> texts(int n) {
        List<EmbedInput> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(EmbedInput.text("place number " + i + " on a street"));
        }
        out.add(out.getFirst()); // a duplicate is embedded once
        return out;
    }
}
