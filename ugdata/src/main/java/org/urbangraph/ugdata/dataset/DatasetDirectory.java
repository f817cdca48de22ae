package org.urbangraph.ugdata.dataset;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A dataset directory written atomically: everything goes into a hidden temporary sibling, which is renamed to
 * the final name only when complete. A failed build leaves no partial dataset, and an existing dataset is
 * replaced (when allowed) only by a complete one. Only a UGData dataset (a directory whose {@code manifest.json}
 * says {@code "format": "ugdata-1"}) or an empty directory is ever replaced; any other directory or file at the
 * target is refused and left alone, overwrite or not. A build that is killed leaves its temporary directory
 * behind; the next build of the same name removes it once the process that made it is gone.
 */
final class DatasetDirectory implements AutoCloseable {
    private final Path target;
    private final Path temp;
    private boolean committed;

    private DatasetDirectory(Path target, Path temp) {
        this.target = target;
        this.temp = temp;
    }

    /**
     * Starts writing {@code target}. Temporary directories of the same name left by builds whose process is gone
     * (killed before they could clean up) are removed first, and each removal is reported to {@code log}.
     *
     * @param log where removals are reported (null: nowhere)
     */
    static DatasetDirectory create(Path target, boolean overwrite, PrintStream log) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null) {
            throw new IOException(abs + ": a dataset cannot be written at the root of a file system");
        }
        checkReplaceable(abs, overwrite);
        Files.createDirectories(parent);
        removeLeftovers(parent, abs.getFileName().toString(), log);
        return new DatasetDirectory(abs, createTemp(parent, abs.getFileName().toString()));
    }

    /**
     * Removes {@code .NAME.tmp-PID[-N]} directories in {@code parent} whose process PID no longer runs. A leftover
     * of a running process (another build, perhaps this one's) is kept; a removal that fails is reported and skipped.
     */
    static void removeLeftovers(Path parent, String name, PrintStream log) throws IOException {
        Pattern leftover = Pattern.compile("\\." + Pattern.quote(name) + "\\.tmp-(\\d+)(?:-\\d+)?");
        List<Path> stale = new ArrayList<>();
        try (Stream<Path> s = Files.list(parent)) {
            for (Path p : s.toList()) {
                Matcher m = leftover.matcher(p.getFileName().toString());
                if (m.matches() && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && !running(m.group(1))) {
                    stale.add(p);
                }
            }
        }
        for (Path p : stale) {
            try {
                deleteTree(p);
                report(log, "removed " + p + ", left by an interrupted build (its process is gone)");
            } catch (IOException e) {
                report(log, "could not remove " + p + ", left by an interrupted build: " + e.getMessage());
            }
        }
    }

    /** Whether the process with this id runs (false for a number no process id can be). */
    private static boolean running(String pid) {
        try {
            return ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static void report(PrintStream log, String message) {
        if (log != null) {
            log.println(message);
        }
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
