package org.urbangraph.ugbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files written as a set replace the old ones all together or not at all, and leave no temporary files. */
class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void aSetIsWrittenWholeOrNotAtAll() throws IOException {
        Path a = dir.resolve("results.json");
        Path b = dir.resolve("results.md");
        Files.writeString(a, "old json");
        Files.writeString(b, "old md");
        Map<Path, byte[]> files = new LinkedHashMap<>();
        files.put(a, "new json".getBytes(StandardCharsets.UTF_8));
        files.put(b, "new md".getBytes(StandardCharsets.UTF_8));
        AtomicFiles.writeAll(files);
        assertEquals("new json", Files.readString(a));
        assertEquals("new md", Files.readString(b));

        // the third file cannot be written (its folder would be under a plain file): the first two stay as they were
        Files.writeString(dir.resolve("blocker"), "a file, not a folder");
        files.put(dir.resolve("blocker").resolve("report.html"), "html".getBytes(StandardCharsets.UTF_8));
        files.put(a, "newer json".getBytes(StandardCharsets.UTF_8));
        files.put(b, "newer md".getBytes(StandardCharsets.UTF_8));
        assertThrows(IOException.class, () -> AtomicFiles.writeAll(files));
        assertEquals("new json", Files.readString(a));
        assertEquals("new md", Files.readString(b));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("blocker", "results.json", "results.md"),
                    s.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary files remain");
        }
    }
}
