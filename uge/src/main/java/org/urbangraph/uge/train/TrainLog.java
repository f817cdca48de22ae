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
        StringBuilder text = new StringBuilder();
        for (Entry e : entries()) {
            if (e.json().path("step").asInt() <= step) {
                text.append(e.line()).append(System.lineSeparator());
            }
        }
        AtomicFile.writeString(file, text.toString(), false);
    }

    /** (step, loss) pairs in order. */
    List<double[]> read() throws IOException {
        List<double[]> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        for (Entry e : entries()) {
            out.add(new double[] {e.json().path("step").asInt(), e.json().path("loss").asDouble()});
        }
        return out;
    }

    private record Entry(String line, JsonNode json) {}

    /**
     * The log's lines, parsed. Lines are appended without a sync, so a machine that stops mid-write can leave the
     * last one cut off or filled with zero bytes; that line is dropped (the checkpoint the run resumes from is
     * synced, and the resumed run writes its steps again). A bad line before the last is an error naming the line.
     */
    private List<Entry> entries() throws IOException {
        String[] lines = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).split("\n", -1);
        int last = lines.length - 1;
        while (last >= 0 && lines[last].replace("\0", "").isBlank()) {
            last--;
        }
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i <= last; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) {
                continue;
            }
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (IOException e) {
                n = null;
            }
            if (n == null || !n.path("step").isInt()) {
                if (i == last) {
                    break; // cut off by a crash
                }
                throw new IOException(file + ": line " + (i + 1) + " is not a step record of the training log: "
                        + (line.length() > 80 ? line.substring(0, 80) + "..." : line));
            }
            out.add(new Entry(line, n));
        }
        return out;
    }
}
