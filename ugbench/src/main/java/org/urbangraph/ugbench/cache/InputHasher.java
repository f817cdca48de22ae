package org.urbangraph.ugbench.cache;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.urbangraph.uge.embed.EmbedInput;

/**
 * Content keys of embedder inputs: SHA-256 over the bytes of the image and graph files (not their paths) and the text
 * and instruction, so a moved dataset hits the cache and a changed file misses it. File digests are remembered by
 * path, size and modification time, because one image is a candidate in many questions.
 */
public final class InputHasher {
    private record Stamp(long size, long modified) {}

    private record FileDigest(Stamp stamp, String sha256) {}

    private final Map<Path, FileDigest> files = new ConcurrentHashMap<>();
    private final AtomicLong filesRead = new AtomicLong();

    /** How many times a file was read to hash it (a file changed since its last digest is read again). */
    public long filesRead() {
        return filesRead.get();
    }

    /** The content key of an input: 64 hex digits. */
    public String key(EmbedInput in) {
        MessageDigest md = sha256();
        field(md, "image", in.image() == null ? null : fileDigest(in.image()));
        field(md, "graph", in.graph() == null ? null : fileDigest(in.graph()));
        field(md, "text", in.text());
        field(md, "instruction", in.instruction());
        return HexFormat.of().formatHex(md.digest());
    }

    /** SHA-256 of a file's bytes, hex. */
    public String fileDigest(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        try {
            BasicFileAttributes a = Files.readAttributes(abs, BasicFileAttributes.class);
            Stamp stamp = new Stamp(a.size(), a.lastModifiedTime().toMillis());
            FileDigest known = files.get(abs);
            if (known != null && known.stamp().equals(stamp)) {
                return known.sha256();
            }
            filesRead.incrementAndGet();
            MessageDigest md = sha256();
            try (InputStream s = Files.newInputStream(abs)) {
                byte[] buf = new byte[1 << 16];
                for (int r = s.read(buf); r >= 0; r = s.read(buf)) {
                    md.update(buf, 0, r);
                }
            }
            String hex = HexFormat.of().formatHex(md.digest());
            files.put(abs, new FileDigest(stamp, hex));
            return hex;
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read the file to hash it (" + e.getMessage() + ")", e);
        }
    }

    /** A length-prefixed field, so that ("ab", "c") and ("a", "bc") differ. */
    private static void field(MessageDigest md, String name, String value) {
        md.update(name.getBytes(StandardCharsets.UTF_8));
        if (value == null) {
            md.update((byte) 0);
            return;
        }
        byte[] b = value.getBytes(StandardCharsets.UTF_8);
        md.update((byte) 1);
        md.update(Integer.toString(b.length).getBytes(StandardCharsets.UTF_8));
        md.update((byte) ':');
        md.update(b);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }

    /** SHA-256 of a string, hex. */
    public static String sha256(String s) {
        return HexFormat.of().formatHex(sha256().digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
