package org.urbangraph.uge.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model directory named relative to the working directory, {@code .} included ({@code ug bench --adapter .}), has
 * its training images' hashes found. {@code .} needs the model directory to be the working directory, so that case
 * runs in a child JVM started there.
 */
class TrainingDataRelativeDirTest {

    private static final String HASH = "0123456789abcdef".repeat(4);

    private static JsonNode modelDir(Path dir) throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(TrainingData.IMAGES_FILE), HASH + "\n", StandardCharsets.UTF_8);
        return new ObjectMapper().readTree("{\"training_data\": [{\"stage\": 1, \"city\": \"monaco\"}],"
                + " \"training_images\": {\"file\": \"" + TrainingData.IMAGES_FILE + "\", \"count\": 1}}");
    }

    @Test
    void aDirectoryRelativeToTheWorkingDirectoryIsRead(@TempDir Path tmp) throws Exception {
        JsonNode root = modelDir(tmp.resolve("model"));
        Path relative = Path.of("").toAbsolutePath().relativize(tmp.resolve("model").toAbsolutePath());
        assertEquals(List.of(HASH), List.copyOf(TrainingData.read(relative, root).imageHashes()));
    }

    @Test
    void theWorkingDirectoryItselfAsDotIsRead(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("model");
        modelDir(dir);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                Child.class.getName()).directory(dir.toFile()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM ends");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("hashes: [" + HASH + "]"), out);
    }

    @Test
    void hashLinesAreLowerCaseHexOf64Digits() {
        assertTrue(TrainingData.isSha256Hex(HASH));
        assertTrue(!TrainingData.isSha256Hex(HASH.toUpperCase()), "upper case");
        assertTrue(!TrainingData.isSha256Hex(HASH.substring(1)), "63 digits");
        assertTrue(!TrainingData.isSha256Hex(HASH + "0"), "65 digits");
        assertTrue(!TrainingData.isSha256Hex(HASH.substring(1) + "g"), "not hex");
        assertTrue(!TrainingData.isSha256Hex(HASH.substring(1) + " "), "a trailing space");
    }

    /** Reads the records of the working directory as {@code .}. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            TrainingData d = TrainingData.read(Path.of("."), modelDir(Path.of(".")));
            System.out.println("hashes: " + d.imageHashes());
        }
    }
}
