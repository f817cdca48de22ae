package org.urbangraph.uge.embed;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.TreeSet;

/**
 * The part of an embedder's cache id that stands for a Hugging Face model directory, cheap for multi-gigabyte
 * weights: its configuration and tokenizer files ({@code .json}, {@code .model}, {@code .txt}) in full, and for each
 * safetensors file its name, size, modification time and header (tensor names, dtypes, shapes, offsets), never its
 * tensor bytes. Two models that differ in shape or layout differ in a header; retrained weights of the same shapes
 * differ in the file's modification time. Weights rewritten in place with the same size and the modification time set
 * back are not noticed: the price of not reading gigabytes on every load.
 *
 * <p>Only the directory's own files count (not its subdirectories), in name order.
 */
public final class ModelFingerprint {
    private ModelFingerprint() {}

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Adds the fingerprint of the model directory {@code dir} to {@code md}. */
    public static void update(MessageDigest md, Path dir) throws IOException {
        TreeSet<Path> files = new TreeSet<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            s.forEach(files::add);
        }
        for (Path f : files) {
            String name = f.getFileName().toString();
            if (!Files.isRegularFile(f)) {
                continue;
            }
            if (name.endsWith(".json") || name.endsWith(".model") || name.endsWith(".txt")) {
                md.update(name.getBytes(StandardCharsets.UTF_8));
                try (InputStream in = Files.newInputStream(f)) {
                    md.update(in.readAllBytes());
                }
            } else if (name.endsWith(".safetensors")) {
                md.update(name.getBytes(StandardCharsets.UTF_8));
                md.update(Long.toString(Files.size(f)).getBytes(StandardCharsets.UTF_8));
                md.update(Long.toString(Files.getLastModifiedTime(f).toMillis()).getBytes(StandardCharsets.UTF_8));
                md.update(safetensorsHeader(f));
            }
        }
    }

    /** The JSON header of a safetensors file (the bytes after its 8-byte length). */
    public static byte[] safetensorsHeader(Path f) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(len, 0);
            long n = len.flip().remaining() == 8 ? len.getLong() : -1;
            if (n < 0 || n > 100_000_000 || n + 8 > ch.size()) {
                throw new IOException(f + ": not a safetensors file (header length " + n + ", file size " + ch.size()
                        + ")");
            }
            ByteBuffer header = ByteBuffer.allocate((int) n);
            while (header.hasRemaining() && ch.read(header, 8 + header.position()) >= 0) {
                // a large header may take more than one read
            }
            return header.array();
        }
    }
}
