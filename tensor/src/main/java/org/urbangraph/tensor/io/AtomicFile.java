package org.urbangraph.tensor.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes a file through a temporary sibling of its own ({@code NAME.tmp-PID-N}) renamed into place, so that an
 * existing file is never half-written, two threads or processes writing one path never share a temporary file, and
 * a failure of any kind (an I/O error, an exception of the code writing the content, an interrupted thread) leaves no
 * temporary file behind and the old file as it was. With {@code durable} the data is flushed to the disk before the
 * rename.
 */
public final class AtomicFile {
    private AtomicFile() {}

    /** Writes a file's content. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Numbers the temporary files of this process, so that threads writing one path never share one. */
    private static final AtomicLong TEMPORARIES = new AtomicLong();

    /** Writes {@code file} with the content {@code content} writes (the stream is closed here, not by it). */
    public static void write(Path file, Content content, boolean durable) throws IOException {
        Path tmp = createTemporary(file);
        boolean moved = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE);
                 OutputStream out = Channels.newOutputStream(ch)) {
                content.writeTo(out);
                out.flush();
                if (durable) {
                    ch.force(true);
                }
            }
            moveIntoPlace(tmp, file);
            moved = true;
        } finally {
            if (!moved) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original error matters more
                }
            }
        }
    }

    public static void write(Path file, byte[] bytes, boolean durable) throws IOException {
        write(file, out -> out.write(bytes), durable);
    }

    /** The text as UTF-8. */
    public static void writeString(Path file, String text, boolean durable) throws IOException {
        write(file, text.getBytes(StandardCharsets.UTF_8), durable);
    }

    /** Copies {@code from} to {@code to} through a temporary sibling of {@code to}. */
    public static void copy(Path from, Path to, boolean durable) throws IOException {
        write(to, out -> Files.copy(from, out), durable);
    }

    /**
     * Creates the temporary sibling {@code NAME.tmp-PID-N}, new and empty: the process id and a counter of this
     * process make it unique, and it is created exclusively so that not even a file left by an earlier process of
     * the same id is reused.
     */
    static Path createTemporary(Path file) throws IOException {
        String base = file.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-";
        while (true) {
            Path tmp = file.resolveSibling(base + TEMPORARIES.incrementAndGet());
            try {
                Files.createFile(tmp);
                return tmp;
            } catch (FileAlreadyExistsException e) {
                // left by an earlier process of the same id: take the next number
            }
        }
    }

    /** Renames the temporary file onto {@code file}, atomically where the file system can. */
    private static void moveIntoPlace(Path tmp, Path file) throws IOException {
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
