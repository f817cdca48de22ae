package org.urbangraph.tensor.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.kernels.DType;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.testkit.Fixtures;

/** Every kind of broken file gives a SafetensorsException that names the file, never a crash or an out-of-file read. */
class SafetensorsBadInputTest {

    @TempDir
    Path tmp;

    private static byte[] file(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return b.array();
    }

    private SafetensorsException rejects(byte[] bytes, String expectedFragment) throws IOException {
        Path p = tmp.resolve("bad-" + System.nanoTime() + ".safetensors");
        Files.write(p, bytes);
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(p));
        assertTrue(e.getMessage().contains(p.toString()), "message names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(expectedFragment), "message says '" + expectedFragment + "': " + e.getMessage());
        return e;
    }

    private static final String GOOD = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
            + "\"b\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[24,32]}}";

    @Test
    void wellFormedFileReads() throws IOException {
        Path p = tmp.resolve("ok.safetensors");
        Files.write(p, file(GOOD, 32));
        SafetensorsFile f = SafetensorsFile.open(p);
        assertEquals(java.util.List.of("a", "b"), f.names());
        assertEquals(DType.I64, f.info("b").dtype());
    }

    @Test
    void truncatedFile() throws IOException {
        rejects(new byte[5], "too short");
        rejects(file(GOOD, 31), "truncated");
        rejects(new byte[0], "empty");
    }

    @Test
    void headerLongerThanFile() throws IOException {
        byte[] b = file(GOOD, 32);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 10_000);
        rejects(b, "runs past the end");
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1);
        rejects(b, "larger than the limit");
    }

    @Test
    void headerNotJson() throws IOException {
        rejects(file("{\"a\":{\"dtype\":", 0), "not valid JSON");
        rejects(file("[1,2]", 0), "not a JSON object");
        rejects(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "not valid JSON");
    }

    /**
     * The reference reader (serde_json::from_str) refuses anything after the header's JSON object except whitespace;
     * the format allows the header to be padded with spaces.
     */
    @Test
    void headerWithTrailingContentIsRefusedButSpacePaddingReads() throws IOException {
        rejects(file(GOOD + "xx", 32), "not valid JSON");
        rejects(file(GOOD + GOOD, 32), "not valid JSON");
        rejects(file(GOOD + "   }", 32), "not valid JSON");
        for (String pad : new String[] {"        ", " \n\t\r "}) {
            Path p = tmp.resolve("padded-" + pad.length() + ".safetensors");
            Files.write(p, file(GOOD + pad, 32));
            assertEquals(java.util.List.of("a", "b"), SafetensorsFile.open(p).names());
        }
    }

    /** Strings and names as long as the header allows are read: Jackson's default limits are lower. */
    @Test
    void longMetadataValuesAndNamesRead() throws IOException {
        String longValue = "v".repeat(21_000_000);
        Path p = tmp.resolve("long-metadata.safetensors");
        Files.write(p, file("{\"__metadata__\":{\"notes\":\"" + longValue + "\"},"
                + GOOD.substring(1), 32));
        SafetensorsFile f = SafetensorsFile.open(p);
        assertEquals(longValue.length(), f.metadata().get("notes").length());

        String longName = "n".repeat(60_000);
        p = tmp.resolve("long-name.safetensors");
        Files.write(p, file("{\"" + longName + "\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1));
        assertEquals(java.util.List.of(longName), SafetensorsFile.open(p).names());
    }

    /** "__metadata__": null is no metadata, as the reference implementation reads it (an Option). */
    @Test
    void nullMetadataReads() throws IOException {
        Path p = tmp.resolve("null-metadata.safetensors");
        Files.write(p, file("{\"__metadata__\":null," + GOOD.substring(1), 32));
        SafetensorsFile f = SafetensorsFile.open(p);
        assertEquals(Map.of(), f.metadata());
        assertEquals(java.util.List.of("a", "b"), f.names());
    }

    @Test
    void headerNotUtf8() throws IOException {
        byte[] h = "{\"a?\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}".getBytes(StandardCharsets.UTF_8);
        h[3] = (byte) 0xFF; // the '?' after "a": a byte that never occurs in UTF-8
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + 1).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        rejects(b.array(), "header is not valid UTF-8 (byte 3");
        h[3] = (byte) 0xC3; // the first byte of a two-byte sequence, cut short by the closing quote
        b.clear();
        b.putLong(h.length).put(h);
        rejects(b.array(), "header is not valid UTF-8 (byte 3");
    }

    @Test
    void headerWithMultiByteNamesReads() throws IOException {
        Path p = tmp.resolve("utf8.safetensors");
        Files.write(p, file("{\"gr\u00f6\u00dfe.\u6743\u91cd\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1));
        assertEquals(java.util.List.of("gr\u00f6\u00dfe.\u6743\u91cd"), SafetensorsFile.open(p).names());
    }

    @Test
    void unknownDtype() throws IOException {
        rejects(file("{\"a\":{\"dtype\":\"F7\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1), "unknown dtype 'F7'");
    }

    @Test
    void offsetsOutOfRange() throws IOException {
        rejects(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[100],\"data_offsets\":[0,100]}}", 10), "truncated");
        rejects(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[-1,0]}}", 1), "non-negative");
        rejects(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[4,2]}}", 4), "end before");
    }

    @Test
    void overlappingOrGappedOffsets() throws IOException {
        rejects(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12), "overlap");
        rejects(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "gap");
        rejects(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8), "no tensor covers");
    }

    @Test
    void shapeTimesDtypeDiffersFromSpan() throws IOException {
        rejects(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8), "span 8");
        rejects(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[-3],\"data_offsets\":[0,8]}}", 8), "not a size");
        rejects(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,2147483647],"
                + "\"data_offsets\":[0,8]}}", 8), "overflows");
        rejects(file("{\"a\":{\"dtype\":\"F32\",\"shape\":\"x\",\"data_offsets\":[0,8]}}", 8), "expected");
        rejects(file("{\"__metadata__\":{\"x\":1}}", 0), "not a string");
    }

    @Test
    void missingShardAndMissingTensorInShard() throws IOException {
        Path dir = tmp.resolve("sharded");
        Files.createDirectories(dir);
        SafetensorsWriter.write(dir.resolve("model-00001-of-00002.safetensors"),
                Map.of("w1", Tensor.of(new float[] {1, 2, 3}, 3)), Map.of("format", "pt"));
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"metadata\":{},\"weight_map\":{\"w1\":\"model-00001-of-00002.safetensors\","
                        + "\"w2\":\"model-00002-of-00002.safetensors\"}}");
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> WeightSource.open(dir));
        assertTrue(e.getMessage().contains("missing shard model-00002-of-00002.safetensors"), e.getMessage());

        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"weight_map\":{\"w1\":\"model-00001-of-00002.safetensors\",\"w3\":\"model-00001-of-00002.safetensors\"}}");
        e = assertThrows(SafetensorsException.class, () -> WeightSource.open(dir));
        assertTrue(e.getMessage().contains("'w3'"), e.getMessage());
    }

    /** tmp/model: x in a.safetensors and y in b.safetensors, with the index that says so. */
    private Path twoShardModel() throws IOException {
        Path dir = tmp.resolve("model");
        Files.createDirectories(dir);
        SafetensorsWriter.write(dir.resolve("a.safetensors"), Map.of("x", Tensor.of(new float[] {1, 2}, 2)), Map.of());
        SafetensorsWriter.write(dir.resolve("b.safetensors"), Map.of("y", Tensor.of(new long[] {7, 8, 9}, 3)), Map.of());
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"weight_map\":{\"x\":\"a.safetensors\",\"y\":\"b.safetensors\"}}");
        return dir;
    }

    @Test
    void shardedModelReadsEveryShard() throws IOException {
        Path dir = twoShardModel();
        WeightSource w = WeightSource.open(dir);
        assertEquals(java.util.List.of("x", "y"), w.names());
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {1, 2}, w.tensor("x").toFloatArray());
        org.junit.jupiter.api.Assertions.assertArrayEquals(new long[] {7, 8, 9}, w.tensor("y").toLongArray());
    }

    /** A model directory named with "." or ".." components opens: its shards are inside it once both are normalised. */
    @Test
    void shardedModelOpensThroughDotAndDotDotPaths() throws IOException {
        Path dir = twoShardModel();
        for (Path via : new Path[] {tmp.resolve("model/../model"), tmp.resolve("./model"),
                tmp.resolve("./model/model.safetensors.index.json")}) {
            WeightSource w = WeightSource.open(via);
            assertEquals(java.util.List.of("x", "y"), w.names(), via.toString());
            org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {1, 2}, w.tensor("x").toFloatArray());
            org.junit.jupiter.api.Assertions.assertArrayEquals(new long[] {7, 8, 9}, w.tensor("y").toLongArray());
        }
        // a shard that really lies outside the directory is still refused
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"weight_map\":{\"x\":\"../model/a.safetensors\",\"y\":\"../elsewhere/b.safetensors\"}}");
        SafetensorsException e = assertThrows(SafetensorsException.class,
                () -> WeightSource.open(tmp.resolve("./model")));
        assertTrue(e.getMessage().contains("'../elsewhere/b.safetensors' lies outside the model directory"),
                e.getMessage());
    }

    /** Every tensor of every shard must be in the weight map, under that shard: nothing invisible, nothing twice. */
    @Test
    void shardTensorsMustMatchTheWeightMap() throws IOException {
        Path dir = tmp.resolve("mismatch");
        Files.createDirectories(dir);
        Map<String, Tensor> a = new LinkedHashMap<>();
        a.put("x", Tensor.of(new float[] {1, 2}, 2));
        a.put("z", Tensor.of(new float[] {3}, 1));
        SafetensorsWriter.write(dir.resolve("a.safetensors"), a, Map.of());
        Map<String, Tensor> b = new LinkedHashMap<>();
        b.put("y", Tensor.of(new long[] {7, 8, 9}, 3));
        b.put("x", Tensor.of(new float[] {5, 6}, 2));
        SafetensorsWriter.write(dir.resolve("b.safetensors"), b, Map.of());
        Path index = dir.resolve("model.safetensors.index.json");

        // z is in a.safetensors but the index does not list it (and x is in both shards)
        Files.writeString(index, "{\"weight_map\":{\"x\":\"a.safetensors\",\"y\":\"b.safetensors\"}}");
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> WeightSource.open(dir));
        assertTrue(e.getMessage().contains(index.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("tensor 'z'") && e.getMessage().contains("a.safetensors")
                && e.getMessage().contains("not in the weight_map"), e.getMessage());

        // every tensor is listed, but x is stored in a.safetensors and b.safetensors
        Files.writeString(index, "{\"weight_map\":{\"x\":\"a.safetensors\",\"z\":\"a.safetensors\","
                + "\"y\":\"b.safetensors\"}}");
        e = assertThrows(SafetensorsException.class, () -> WeightSource.open(dir));
        assertTrue(e.getMessage().contains(index.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("tensor 'x'") && e.getMessage().contains("a.safetensors")
                && e.getMessage().contains("b.safetensors"), e.getMessage());

        // one shard named two ways is still one shard
        SafetensorsWriter.write(dir.resolve("b.safetensors"), Map.of("y", Tensor.of(new long[] {7, 8, 9}, 3)), Map.of());
        Files.writeString(index, "{\"weight_map\":{\"x\":\"a.safetensors\",\"z\":\"./a.safetensors\","
                + "\"y\":\"b.safetensors\"}}");
        WeightSource w = WeightSource.open(dir);
        assertEquals(java.util.List.of("x", "z", "y"), w.names());
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {3}, w.tensor("z").toFloatArray());
    }

    /** A file over 2 GiB (sparse on disk) maps and reads at its far end. */
    @Test
    void filesLargerThanTwoGigabytesWork() throws IOException {
        long n = (1L << 29) + 3; // F32 elements: 2 GiB + 12 bytes
        String header = "{\"big\":{\"dtype\":\"F32\",\"shape\":[" + n + "],\"data_offsets\":[0," + (4 * n) + "]}}";
        byte[] head = file(header, 0);
        Path p = tmp.resolve("big.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.write(head);
            raf.setLength(head.length + 4 * n);
            raf.seek(head.length + 4 * (n - 1));
            raf.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(42.5f).array());
        }
        SafetensorsFile f = SafetensorsFile.open(p);
        Tensor big = f.tensor("big");
        assertEquals(n, big.numel());
        assertEquals(42.5, big.get((int) (n - 1)));
        assertEquals(0.0, big.get(0));
    }

    /**
     * Thousands of seeded random mutations of real files: each load either succeeds (and every tensor then reads
     * within the file) or throws SafetensorsException. Nothing else may escape.
     */
    @Test
    void randomMutationsEitherLoadOrFailCleanly() throws IOException {
        byte[] adapter = Files.readAllBytes(Fixtures.golden("lora_qwen2_vl", "adapter_model.safetensors"));
        byte[] small = file(GOOD, 32);
        SplittableRandom rnd = new SplittableRandom(20261127);
        int ok = 0;
        int rejected = 0;
        for (int iter = 0; iter < 3000; iter++) {
            byte[] base = (iter % 3 == 0) ? small : adapter;
            byte[] m = mutate(base, rnd);
            try {
                SafetensorsFile f = SafetensorsFile.parse(Path.of("mutant-" + iter + ".safetensors"),
                        MemorySegment.ofArray(m));
                for (String name : f.names()) {
                    Tensor t = f.tensor(name);
                    if (t.numel() > 0 && t.numel() < 100_000) {
                        t.get(new int[t.rank()]);
                    }
                }
                ok++;
            } catch (SafetensorsException e) {
                assertTrue(e.getMessage().startsWith("mutant-" + iter), e.getMessage());
                rejected++;
            }
        }
        assertTrue(ok > 100 && rejected > 100, "both outcomes exercised: ok " + ok + ", rejected " + rejected);
    }

    private static byte[] mutate(byte[] base, SplittableRandom rnd) {
        byte[] m;
        int kind = rnd.nextInt(5);
        int headerEnd = 8 + (int) Math.min(base.length - 8,
                ByteBuffer.wrap(base).order(ByteOrder.LITTLE_ENDIAN).getLong(0));
        switch (kind) {
            case 0 -> { // truncate
                m = java.util.Arrays.copyOf(base, rnd.nextInt(base.length));
            }
            case 1 -> { // flip bytes in the header
                m = base.clone();
                for (int i = 0, k = 1 + rnd.nextInt(3); i < k; i++) {
                    int at = rnd.nextInt(Math.max(1, headerEnd));
                    m[at] = (byte) rnd.nextInt(256);
                }
            }
            case 2 -> { // replace a digit in the header by another digit (plausible but wrong numbers)
                m = base.clone();
                for (int tries = 0; tries < 50; tries++) {
                    int at = 8 + rnd.nextInt(Math.max(1, headerEnd - 8));
                    if (at < m.length && m[at] >= '0' && m[at] <= '9') {
                        m[at] = (byte) ('0' + rnd.nextInt(10));
                        break;
                    }
                }
            }
            case 3 -> { // corrupt the length prefix
                m = base.clone();
                m[rnd.nextInt(8)] = (byte) rnd.nextInt(256);
            }
            default -> { // append or cut data bytes
                int delta = rnd.nextInt(17) - 8;
                m = java.util.Arrays.copyOf(base, Math.max(0, base.length + delta));
            }
        }
        return m;
    }

    @Test
    void writerIsAtomicAndKeepsTheOldFileOnFailure() throws IOException {
        Path p = tmp.resolve("w.safetensors");
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("x", Tensor.of(new float[] {1, 2, 3}, 3));
        SafetensorsWriter.write(p, t, Map.of("format", "pt"));
        byte[] before = Files.readAllBytes(p);
        Path dirAsFile = tmp.resolve("blocked");
        Files.writeString(dirAsFile, "a file where a directory is needed");
        assertThrows(SafetensorsException.class,
                () -> SafetensorsWriter.write(dirAsFile.resolve("w.safetensors"), t, Map.of()));
        org.junit.jupiter.api.Assertions.assertArrayEquals(before, Files.readAllBytes(p));
        try (var files = Files.list(tmp)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().contains(".tmp-")), "no temporary file left");
        }
    }
}
