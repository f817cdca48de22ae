package org.urbangraph.ugbench.task;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes tiny UGData-shaped datasets by hand: a manifest, placeholder files and benchmark rows. */
public final class TaskFiles {
    static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final String city;
    private final String split;
    private final Map<String, List<ObjectNode>> rows = new LinkedHashMap<>();
    private final List<ObjectNode> training = new ArrayList<>();

    public TaskFiles(Path dir, String city, String split) {
        this.dir = dir;
        this.city = city;
        this.split = split;
    }

    public Path dir() {
        return dir;
    }

    /** A placeholder file (the harness hashes files; only the embedders that decode them care about the format). */
    public String file(String relative, String content) throws IOException {
        Path p = dir.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
        return relative;
    }

    /** A row with the given modes and query; candidates and answer are added by the caller. */
    public ObjectNode row(String task, List<String> modes, String image, String graph, String text) {
        ObjectNode row = JSON.createObjectNode();
        List<ObjectNode> list = rows.computeIfAbsent(task, t -> new ArrayList<>());
        row.put("id", city + "-" + task + "-" + list.size());
        row.put("task", task);
        row.put("city", city);
        row.put("split", split);
        ArrayNode m = row.putArray("modes");
        modes.forEach(m::add);
        row.put("synthetic", true);
        ObjectNode q = row.putObject("query");
        if (image != null) {
            q.put("image", image);
        }
        if (graph != null) {
            q.put("graph", graph);
        }
        if (text != null) {
            q.put("text", text);
        }
        q.put("lon", 7.42);
        q.put("lat", 43.73);
        row.putArray("candidates");
        list.add(row);
        return row;
    }

    public static ObjectNode textCandidate(ObjectNode row, String id, String text) {
        ObjectNode c = ((ArrayNode) row.get("candidates")).addObject();
        c.put("id", id);
        c.put("text", text);
        return c;
    }

    public static ObjectNode imageCandidate(ObjectNode row, String id, String image) {
        ObjectNode c = ((ArrayNode) row.get("candidates")).addObject();
        c.put("id", id);
        c.put("image", image);
        return c;
    }

    /** A stage 1 training row on the given image (written to {@code stage1.jsonl} by {@link #write}). */
    public void trainingRow(String image, String caption) {
        ObjectNode row = JSON.createObjectNode();
        row.putArray("messages").addObject().put("role", "user").put("content", "<image> Describe this street view.");
        row.putArray("positive_messages").addArray().addObject().put("role", "user").put("content", caption);
        row.putArray("images").add(image);
        row.putArray("graphs");
        row.put("pair_type", "stage1_image_only");
        row.put("label", 1);
        row.put("synthetic", true);
        row.putObject("meta").put("city", city).put("split", "train");
        training.add(row);
    }

    /** Writes the manifest and every task file. */
    public Path write() throws IOException {
        Files.createDirectories(dir.resolve("bench"));
        ObjectNode m = JSON.createObjectNode();
        m.put("format", "ugdata-1");
        m.put("city", city);
        m.put("city_name", city.substring(0, 1).toUpperCase() + city.substring(1));
        m.put("split", split);
        m.put("attribution", "Map data © OpenStreetMap contributors, ODbL 1.0.");
        ObjectNode bench = m.putObject("bench");
        for (Map.Entry<String, List<ObjectNode>> e : rows.entrySet()) {
            bench.put(e.getKey(), e.getValue().size());
            StringBuilder s = new StringBuilder();
            for (ObjectNode r : e.getValue()) {
                s.append(JSON.writeValueAsString(r)).append('\n');
            }
            Files.writeString(dir.resolve("bench").resolve(e.getKey() + ".jsonl"), s.toString());
        }
        if (!training.isEmpty()) {
            StringBuilder s = new StringBuilder();
            for (ObjectNode r : training) {
                s.append(JSON.writeValueAsString(r)).append('\n');
            }
            Files.writeString(dir.resolve("stage1.jsonl"), s.toString());
        }
        Files.writeString(dir.resolve("manifest.json"), JSON.writeValueAsString(m));
        return dir;
    }
}
