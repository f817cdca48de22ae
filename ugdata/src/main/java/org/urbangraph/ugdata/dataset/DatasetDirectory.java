package org.urbangraph.ugdata.dataset;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A dataset directory written atomically: everything goes into a hidden temporary sibling, which is renamed to
 * the final name only when complete. A failed build leaves no partial dataset, and an existing dataset is
 * replaced (when allowed) only by a complete one.
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
        if (Files.exists(abs) && !overwrite) {
            throw new FileAlreadyExistsException(abs.toString(), null,
                    "dataset directory exists; remove it or allow overwriting");
        }
        Path parent = abs.getParent();
        Files.createDirectories(parent);
        Path temp = Files.createTempDirectory(parent, "." + abs.getFileName() + ".tmp-");
        return new DatasetDirectory(abs, temp);
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
        if (Files.exists(target)) {
            if (!overwrite) {
                throw new FileAlreadyExistsException(target.toString(), null, "dataset directory appeared during the build");
            }
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
