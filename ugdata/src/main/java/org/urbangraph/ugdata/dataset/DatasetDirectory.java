package org.urbangraph.ugdata.dataset;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A dataset directory written atomically: everything goes into a hidden temporary sibling, which is renamed to
 * the final name only when complete. A failed build leaves no partial dataset, and an existing dataset is
 * replaced (when allowed) only by a complete one. Only a UGData dataset (a directory whose {@code manifest.json}
 * says {@code "format": "ugdata-1"}) or an empty directory is ever replaced; any other directory or file at the
 * target is refused and left alone, overwrite or not.
 */
final class DatasetDirectory implements AutoCloseable {
    private final Path target;
    private final Path temp;
    private boolean committed;

    private DatasetDirectory(Path target, Path temp) {
        this.target = target;
        this.temp = temp;
    }

    static DatasetDirectory create(Path target, boolean overwrite) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null) {
            throw new IOException(abs + ": a dataset cannot be written at the root of a file system");
        }
        checkReplaceable(abs, overwrite);
        Files.createDirectories(parent);
        return new DatasetDirectory(abs, createTemp(parent, abs.getFileName().toString()));
    }

    /**
     * The temporary sibling {@code .NAME.tmp-PID} (or {@code .NAME.tmp-PID-N} when this process already writes one),
     * made with {@link Files#createDirectory} so that it, and the dataset it becomes, gets the ordinary permissions
     * of the user's umask ({@link Files#createTempDirectory} would make it owner-only).
     */
    private static Path createTemp(Path parent, String name) throws IOException {
        String base = "." + name + ".tmp-" + ProcessHandle.current().pid();
        for (int i = 0; i < 10_000; i++) {
            try {
                return Files.createDirectory(parent.resolve(i == 0 ? base : base + "-" + i));
            } catch (FileAlreadyExistsException e) {
                // another build in this process writes the same dataset: take the next name
            }
        }
        throw new IOException(parent + ": no free name for a temporary directory " + base + "-N");
    }

    /** Where files are written until {@link #commit}. */
    Path dir() {
        return temp;
    }

    Path target() {
        return target;
    }

    void commit(boolean overwrite) throws IOException {
        Path old = null;
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            checkReplaceable(target, overwrite);
            old = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".old-");
            Files.delete(old);
            move(target, old);
        }
        move(temp, target);
        committed = true;
        if (old != null) {
            deleteTree(old);
        }
    }

    /**
     * Throws unless {@code target} is absent, or may be replaced: {@code overwrite} is set and it is a UGData dataset
     * or an empty directory.
     */
    static void checkReplaceable(Path target, boolean overwrite) throws IOException {
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!overwrite) {
            throw new FileAlreadyExistsException(target.toString(), null,
                    "dataset directory exists; remove it or allow overwriting");
        }
        String why;
        if (Files.isSymbolicLink(target)) {
            why = "a symbolic link";
        } else if (!Files.isDirectory(target)) {
            why = "a file, not a dataset directory";
        } else if (isEmptyDirectory(target) || isDataset(target)) {
            return;
        } else {
            why = "a directory that is not a UGData dataset (no manifest.json with format " + DatasetManifest.FORMAT
                    + ")";
        }
        throw new FileAlreadyExistsException(target.toString(), null, "not replaced: it is " + why
                + "; overwriting replaces only a dataset or an empty directory");
    }

    private static boolean isEmptyDirectory(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    private static boolean isDataset(Path dir) {
        Path m = dir.resolve("manifest.json");
        if (!Files.isRegularFile(m, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try {
            JsonNode format = UgDataJson.MAPPER.readTree(m.toFile()).get("format");
            return format != null && DatasetManifest.FORMAT.equals(format.asText());
        } catch (IOException | RuntimeException e) {
            return false; // unreadable or not JSON: not a dataset
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    @Override
    public void close() throws IOException {
        if (!committed) {
            deleteTree(temp);
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
