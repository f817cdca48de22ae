package org.urbangraph.ugbench.cache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;
import org.urbangraph.ugbench.AtomicFiles;

/**
 * Embeddings on disk, one small file per input, under a folder per embedder id:
 * {@code <root>/<id slug>-<sha256(id) prefix>/<key[0..2]>/<key>.emb}. Each file holds a magic number, the input's
 * content key, the dimension, the little-endian float32 vector and a CRC32 of all of that, and is written through a
 * temporary file and a rename. An entry that does not check out (truncated, wrong key, wrong dimension, bad CRC, a
 * non-finite value) is counted, deleted and reported missing, so the caller computes it again instead of trusting it.
 */
public final class EmbeddingCache {
    private static final int MAGIC = 0x55474556; // "UGEV"
    private static final int VERSION = 1;
    private static final int HEADER = 4 + 4 + 32 + 4;

    private final Path dir;
    private final String embedderId;
    private final int dimension;
    private final AtomicInteger corrupt = new AtomicInteger();

    public EmbeddingCache(Path root, String embedderId, int dimension) throws IOException {
        if (dimension < 1) {
            throw new IllegalArgumentException("embedder '" + embedderId + "' reports dimension " + dimension);
        }
        this.embedderId = embedderId;
        this.dimension = dimension;
        this.dir = root.resolve(slug(embedderId) + "-" + InputHasher.sha256(embedderId).substring(0, 16));
        try {
            Files.createDirectories(dir);
            Path about = dir.resolve("embedder.txt");
            if (!Files.exists(about)) {
                AtomicFiles.writeString(about, "embedder: " + embedderId + "\ndimension: " + dimension + "\n");
            }
        } catch (IOException e) {
            throw new IOException("embedding cache " + dir + ": cannot create it (" + e.getMessage() + ")", e);
        }
    }

    /** The folder of this embedder's entries. */
    public Path dir() {
        return dir;
    }

    /** Entries found damaged and dropped so far. */
    public int corruptEntries() {
        return corrupt.get();
    }

    Path file(String key) {
        return dir.resolve(key.substring(0, 2)).resolve(key + ".emb");
    }

    /** The cached vector of an input, or null when absent or damaged (a damaged entry is deleted). */
    public float[] get(String key) {
        Path f = file(key);
        byte[] b;
        try {
            b = Files.readAllBytes(f);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("embedding cache " + f + ": unreadable (" + e.getMessage() + ")", e);
        }
        float[] v = decode(b, key);
        if (v == null) {
            corrupt.incrementAndGet();
            try {
                Files.deleteIfExists(f);
            } catch (IOException e) {
                // a leftover damaged entry is harmless: it is checked again, and replaced by put
            }
        }
        return v;
    }

    /** Stores a vector (atomically; an existing entry is replaced). */
    public void put(String key, float[] v) {
        if (v.length != dimension) {
            throw new IllegalArgumentException("embedder '" + embedderId + "' returned " + v.length
                    + " values, expected " + dimension);
        }
        ByteBuffer buf = ByteBuffer.allocate(HEADER + 4 * dimension + 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(MAGIC).putInt(VERSION).put(HexFormat.of().parseHex(key)).putInt(dimension);
        for (float x : v) {
            buf.putFloat(x);
        }
        CRC32 crc = new CRC32();
        crc.update(buf.array(), 0, buf.position());
        buf.putInt((int) crc.getValue());
        try {
            AtomicFiles.write(file(key), buf.array(), false);
        } catch (IOException e) {
            throw new UncheckedIOException("embedding cache " + file(key) + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    private float[] decode(byte[] b, String key) {
        if (b.length != HEADER + 4 * dimension + 4) {
            return null;
        }
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        CRC32 crc = new CRC32();
        crc.update(b, 0, b.length - 4);
        if (buf.getInt(b.length - 4) != (int) crc.getValue()) {
            return null;
        }
        if (buf.getInt() != MAGIC || buf.getInt() != VERSION) {
            return null;
        }
        byte[] k = new byte[32];
        buf.get(k);
        if (!HexFormat.of().formatHex(k).equals(key) || buf.getInt() != dimension) {
            return null;
        }
        float[] v = new float[dimension];
        for (int i = 0; i < dimension; i++) {
            v[i] = buf.getFloat();
            if (!Float.isFinite(v[i])) {
                return null;
            }
        }
        return v;
    }

    /** A readable, file-safe prefix of an embedder id. */
    static String slug(String id) {
        String s = id.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]+", "-").replaceAll("^-+|-+$", "");
        return s.isEmpty() ? "embedder" : s.substring(0, Math.min(s.length(), 48));
    }
}
