package org.urbangraph.uge.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.urbangraph.tensor.io.AtomicFile;

/** {@code train_log.jsonl}: one JSON object per step (step, epoch, loss, learning rates, gradient norm, throughput). */
final class TrainLog {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;

    TrainLog(Path file) {
        this.file = file;
    }

    void write(int step, int epoch, double loss, Map<String, Double> lrs, double gradNorm, double samplesPerSecond) {
        ObjectNode o = JSON.createObjectNode();
        o.put("step", step);
        o.put("epoch", epoch);
        o.put("loss", loss);
        ObjectNode lr = o.putObject("lr");
        lrs.forEach(lr::put);
        o.put("grad_norm", gradNorm);
        o.put("samples_per_s", Math.round(samplesPerSecond * 100) / 100.0);
        try {
            Files.writeString(file, o + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
    }

    /** After a resume: drop lines of steps the resumed run will redo. */
    void truncateAfter(int step) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        List<String> keep = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank() && JSON.readTree(line).path("step").asInt() <= step) {
                keep.add(line);
            }
        }
        StringBuilder text = new StringBuilder();
        for (String line : keep) {
            text.append(line).append(System.lineSeparator());
        }
        AtomicFile.writeString(file, text.toString(), false);
    }

    /** (step, loss) pairs in order. */
    List<double[]> read() throws IOException {
        List<double[]> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()) {
                JsonNode n = JSON.readTree(line);
                out.add(new double[] {n.path("step").asInt(), n.path("loss").asDouble()});
            }
        }
        return out;
    }
}
