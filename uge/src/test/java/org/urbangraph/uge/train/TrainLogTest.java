package org.urbangraph.uge.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train_log.jsonl} after a crash: a cut-off or zero-filled last line does not stop a resume. */
class TrainLogTest {

    @TempDir
    Path tmp;

    private TrainLog logOfThreeSteps(Path file) {
        TrainLog log = new TrainLog(file);
        for (int step = 1; step <= 3; step++) {
            log.write(step, 0, 2.0 / step, Map.of("lora", 1e-5 * step), 0.5, 12.25);
        }
        return log;
    }

    @Test
    void aLastLineCutOffByACrashIsDropped() throws IOException {
        Path file = tmp.resolve("train_log.jsonl");
        TrainLog log = logOfThreeSteps(file);
        Files.writeString(file, "{\"step\": 4, \"epoch\": 0, \"lo", StandardOpenOption.APPEND);
        List<double[]> read = log.read();
        assertEquals(3, read.size());
        assertArrayEquals(new double[] {3, 2.0 / 3}, read.get(2), 1e-12);

        log.truncateAfter(2);
        List<String> lines = Files.readAllLines(file);
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(1).startsWith("{\"step\":2,"), lines.get(1));
    }

    @Test
    void aZeroFilledTailIsDropped() throws IOException {
        Path file = tmp.resolve("train_log.jsonl");
        TrainLog log = logOfThreeSteps(file);
        Files.write(file, new byte[512], StandardOpenOption.APPEND);
        log.truncateAfter(3);
        assertEquals(3, Files.readAllLines(file).size());
        assertEquals(3, log.read().size());
    }

    @Test
    void aBadLineBeforeTheLastIsAnErrorNamingIt() throws IOException {
        Path file = tmp.resolve("train_log.jsonl");
        logOfThreeSteps(file);
        List<String> lines = Files.readAllLines(file);
        Files.writeString(file, lines.get(0) + "\nnot json\n" + lines.get(2) + "\n", StandardCharsets.UTF_8);
        IOException e = assertThrows(IOException.class, () -> new TrainLog(file).truncateAfter(3));
        assertTrue(e.getMessage().contains(file + ": line 2 ") && e.getMessage().contains("not json"), e.getMessage());
    }
}
