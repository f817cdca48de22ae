package org.urbangraph.ugbench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes files through temporary siblings, flushed to the disk, and renames, so a reader sees the old file or the new
 * one, never half of one, and an interrupted run leaves what was there before.
 */
public final class AtomicFiles {
    private static final SecureRandom RANDOM = new SecureRandom();

    private AtomicFiles() {}

    public static void write(Path file, byte[] bytes) throws IOException {
        writeAll(Map.of(file, bytes), true);
    }

    /**
     * As {@link #write(Path, byte[])}; without {@code durable} the data is not flushed to the disk before the rename
     * (for cache entries, which are checked when read and recomputed when damaged).
     */
    public static void write(Path file, byte[] bytes, boolean durable) throws IOException {
        writeAll(Map.of(file, bytes), durable);
    }

    public static void writeString(Path file, String text) throws IOException {
        write(file, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * Several files as a set: every one is written to its temporary sibling first, and only when all of them are on
     * the disk are they renamed into place, so a failure while writing (a full disk) replaces none of them.
     */
    public static void writeAll(Map<Path, byte[]> files) throws IOException {
        writeAll(files, true);
    }

    private static void writeAll(Map<Path, byte[]> files, boolean durable) throws IOException {
        Map<Path, Path> temps = new LinkedHashMap<>();
        try {
            for (Map.Entry<Path, byte[]> e : files.entrySet()) {
                Path dir = e.getKey().toAbsolutePath().getParent();
                Files.createDirectories(dir);
                // not Files.createTempFile: its owner-only permissions would stay on the renamed file
                Path tmp = dir.resolve("." + e.getKey().getFileName() + "." + Long.toHexString(RANDOM.nextLong())
                        + ".tmp");
                temps.put(e.getKey(), tmp);
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    ByteBuffer b = ByteBuffer.wrap(e.getValue());
                    while (b.hasRemaining()) {
                        ch.write(b);
                    }
                    if (durable) {
                        ch.force(true);
                    }
                }
            }
            for (Map.Entry<Path, Path> e : temps.entrySet()) {
                try {
                    Files.move(e.getValue(), e.getKey(), StandardCopyOption.REPLACE_EXISTING,
                            StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException x) {
                    Files.move(e.getValue(), e.getKey(), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } finally {
            for (Path tmp : temps.values()) {
                try {
                    Files.deleteIfExists(tmp); // renamed ones are gone already
                } catch (IOException x) {
                    // a hidden leftover is harmless; the write's own outcome is what the caller needs to see
                }
            }
        }
    }
}
