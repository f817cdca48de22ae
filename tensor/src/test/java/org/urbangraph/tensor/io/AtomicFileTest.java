package org.urbangraph.tensor.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writes through a temporary sibling of its own, replaces the file whole, and leaves no temporary file on failure. */
class AtomicFileTest {

    @TempDir
    Path tmp;

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writesReplacesAndCopies() throws IOException {
        Path f = tmp.resolve("a.json");
        AtomicFile.writeString(f, "{\"v\": 1}", false);
        AtomicFile.writeString(f, "{\"v\": 2}", true);
        assertEquals("{\"v\": 2}", Files.readString(f));
        AtomicFile.copy(f, tmp.resolve("b.json"), false);
        assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(tmp.resolve("b.json")));
        assertEquals(List.of("a.json", "b.json"), names());
    }

    @Test
    void aFailingWriterKeepsTheOldFileAndLeavesNoTemporaryFile() throws IOException {
        Path f = tmp.resolve("a.json");
        AtomicFile.writeString(f, "old", false);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> AtomicFile.write(f, out -> {
            out.write("half".getBytes(StandardCharsets.UTF_8));
            throw new IllegalStateException("stopped");
        }, true));
        assertEquals("stopped", e.getMessage());
        assertThrows(IOException.class, () -> AtomicFile.copy(tmp.resolve("missing"), f, false));
        assertEquals("old", Files.readString(f));
        assertEquals(List.of("a.json"), names());
    }

    @Test
    void aRenameThatFailsLeavesNoTemporaryFile() throws IOException {
        Path f = tmp.resolve("taken");
        Files.createDirectories(f.resolve("child")); // a non-empty directory cannot be replaced by a file
        assertThrows(IOException.class, () -> AtomicFile.writeString(f, "x", false));
        assertEquals(List.of("taken"), names());
    }

    @Test
    void aTemporaryNameThatIsTakenIsNotReused() throws IOException {
        Path f = tmp.resolve("a.json");
        Path first = AtomicFile.createTemporary(f);
        assertTrue(first.getFileName().toString().startsWith("a.json.tmp-" + ProcessHandle.current().pid() + "-"),
                first.toString());
        Files.writeString(first, "another writer's");
        // the next name of this process is taken too (left by an earlier process of the same id)
        String base = "a.json.tmp-" + ProcessHandle.current().pid() + "-";
        long n = Long.parseLong(first.getFileName().toString().substring(base.length()));
        Files.writeString(tmp.resolve(base + (n + 1)), "a leftover");
        AtomicFile.writeString(f, "mine", false);
        assertEquals("mine", Files.readString(f));
        assertEquals("another writer's", Files.readString(first));
        assertEquals("a leftover", Files.readString(tmp.resolve(base + (n + 1))));
    }
}
