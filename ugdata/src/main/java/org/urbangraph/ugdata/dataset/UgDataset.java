package org.urbangraph.ugdata.dataset;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.urbangraph.ugdata.graph.GraphFile;

/**
 * Reads a UGData dataset directory: the manifest, the stage-1 and stage-2 rows, graph files and benchmark
 * tasks, validating as it goes. Every error names the file and line (or node) and says what was expected;
 * every referenced image and graph must exist.
 */
public final class UgDataset {
    private final Path dir;
    private final DatasetManifest manifest;

    private UgDataset(Path dir, DatasetManifest manifest) {
        this.dir = dir;
        this.manifest = manifest;
    }

    public static UgDataset open(Path dir) throws IOException {
        Path m = dir.resolve("manifest.json");
        if (!Files.isRegularFile(m)) {
            throw new IOException(dir + " is not a UGData dataset: manifest.json is missing");
        }
        DatasetManifest manifest;
        try {
            manifest = UgDataJson.MAPPER.readValue(m.toFile(), DatasetManifest.class);
        } catch (IOException e) {
            throw new IOException(m + ": unreadable manifest (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
        }
        if (!DatasetManifest.FORMAT.equals(manifest.format())) {
            throw new IOException(m + ": dataset format '" + manifest.format() + "', expected '" + DatasetManifest.FORMAT + "'");
        }
        return new UgDataset(dir, manifest);
    }

    public Path dir() {
        return dir;
    }

    public DatasetManifest manifest() {
        return manifest;
    }

    public String city() {
        return manifest.city();
    }

    public Split split() {
        return Split.fromLabel(manifest.split());
    }

    public List<UgeSample> stage1() throws IOException {
        return readRows(dir.resolve("stage1.jsonl"));
    }

    public List<UgeSample> stage2() throws IOException {
        return readRows(dir.resolve("stage2.jsonl"));
    }

    /** The whole city graph ({@code graph.json}). */
    public GraphFile cityGraph() throws IOException {
        return GraphFile.read(dir.resolve("graph.json"));
    }

    /** A graph file named relative to the dataset directory. */
    public GraphFile graph(String relative) throws IOException {
        return GraphFile.read(resolve(relative, "graph file", "?"));
    }

    /** Names of the benchmark tasks present (files under {@code bench/}), in the manifest's order. */
    public List<String> benchTasks() {
        return manifest.bench().keySet().stream().filter(t -> Files.isRegularFile(benchFile(t))).toList();
    }

    public List<BenchSample> bench(String task) throws IOException {
        Path file = benchFile(task);
        if (!Files.isRegularFile(file)) {
            throw new IOException(dir + ": no benchmark task '" + task + "' (expected " + file + ")");
        }
        List<BenchSample> out = new ArrayList<>();
        forEachLine(file, (node, where) -> out.add(benchSample(node, where)));
        return out;
    }

    private Path benchFile(String task) {
        return dir.resolve("bench").resolve(task + ".jsonl");
    }

    /** A path relative to the dataset directory; it must exist and stay inside the directory. */
    public Path resolve(String relative, String what, String where) throws IOException {
        Path p = dir.resolve(relative).normalize();
        if (!p.startsWith(dir.normalize())) {
            throw new IOException(where + ": " + what + " '" + relative + "' points outside the dataset directory");
        }
        if (!Files.isRegularFile(p)) {
            throw new IOException(where + ": " + what + " '" + relative + "' does not exist (" + p + ")");
        }
        return p;
    }

    // ---- rows ----

    private interface RowHandler {
        void accept(JsonNode row, String where) throws IOException;
    }

    private static void forEachLine(Path file, RowHandler h) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int line = 0;
            for (String s = r.readLine(); s != null; s = r.readLine()) {
                line++;
                if (s.isBlank()) {
                    continue;
                }
                String where = file + ": line " + line;
                JsonNode node;
                try {
                    node = UgDataJson.MAPPER.readTree(s);
                } catch (IOException e) {
                    throw new IOException(where + ": not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
                }
                if (!node.isObject()) {
                    throw new IOException(where + ": expected a JSON object");
                }
                h.accept(node, where);
            }
        }
    }

    private List<UgeSample> readRows(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(dir + ": " + file.getFileName() + " is missing");
        }
        List<UgeSample> out = new ArrayList<>();
        forEachLine(file, (row, where) -> out.add(sample(row, where)));
        return out;
    }

    private UgeSample sample(JsonNode row, String where) throws IOException {
        String query = userText(row.get("messages"), "messages", where);
        List<String> positives = conversations(row.get("positive_messages"), "positive_messages", where, true);
        List<String> negatives = row.has("negative_messages")
                ? conversations(row.get("negative_messages"), "negative_messages", where, false) : List.of();
        List<Path> images = paths(row.get("images"), "image", where);
        List<Path> graphs = paths(row.get("graphs"), "graph", where);
        int imageTags = count(query, "<image>");
        if (imageTags != images.size()) {
            throw new IOException(where + ": the query has " + imageTags + " <image> tags but 'images' lists "
                    + images.size() + " files");
        }
        int graphTags = count(query, "<graph>");
        if (graphTags != graphs.size()) {
            throw new IOException(where + ": the query has " + graphTags + " <graph> tags but 'graphs' lists "
                    + graphs.size() + " files");
        }
        Map<String, Object> meta = row.has("meta")
                ? UgDataJson.MAPPER.convertValue(row.get("meta"), new TypeReference<Map<String, Object>>() {})
                : Map.of();
        return new UgeSample(where, query, positives, negatives, images, graphs, row.path("pair_type").asText(""),
                row.path("synthetic").asBoolean(false), meta);
    }

    private static int count(String s, String tag) {
        int n = 0;
        for (int i = s.indexOf(tag); i >= 0; i = s.indexOf(tag, i + tag.length())) {
            n++;
        }
        return n;
    }

    private static String userText(JsonNode conv, String field, String where) throws IOException {
        if (conv == null || !conv.isArray() || conv.isEmpty()) {
            throw new IOException(where + ": '" + field + "' must be a non-empty list of messages");
        }
        for (JsonNode m : conv) {
            if ("user".equals(m.path("role").asText()) && m.path("content").isTextual()) {
                return m.get("content").asText();
            }
        }
        throw new IOException(where + ": '" + field + "' has no user message with text content");
    }

    private static List<String> conversations(JsonNode list, String field, String where, boolean required)
            throws IOException {
        if (list == null || !list.isArray() || (required && list.isEmpty())) {
            throw new IOException(where + ": '" + field + "' must be a " + (required ? "non-empty " : "")
                    + "list of conversations (lists of messages)");
        }
        List<String> out = new ArrayList<>();
        int i = 0;
        for (JsonNode conv : list) {
            out.add(userText(conv, field + "[" + i++ + "]", where));
        }
        return out;
    }

    private List<Path> paths(JsonNode list, String what, String where) throws IOException {
        if (list == null || !list.isArray()) {
            throw new IOException(where + ": '" + what + "s' must be a list of paths");
        }
        List<Path> out = new ArrayList<>();
        for (JsonNode p : list) {
            if (!p.isTextual()) {
                throw new IOException(where + ": '" + what + "s' holds a non-string entry " + p);
            }
            out.add(resolve(p.asText(), what, where));
        }
        return out;
    }

    // ---- benchmark rows ----

    private BenchSample benchSample(JsonNode row, String where) throws IOException {
        JsonNode q = row.get("query");
        JsonNode cands = row.get("candidates");
        if (q == null || !q.isObject()) {
            throw new IOException(where + ": 'query' must be an object");
        }
        if (cands == null || !cands.isArray() || cands.size() < 2) {
            throw new IOException(where + ": 'candidates' must list at least two candidates");
        }
        JsonNode a = row.get("answer");
        if (a == null || !a.isInt() || a.asInt() < 0 || a.asInt() >= cands.size()) {
            throw new IOException(where + ": 'answer' must be an index into the " + cands.size() + " candidates, got " + a);
        }
        Path qImage = optionalPath(q, "image", where);
        Path qGraph = optionalPath(q, "graph", where);
        String qText = q.hasNonNull("text") ? q.get("text").asText() : null;
        if (qImage == null && qText == null) {
            throw new IOException(where + ": the query has neither an image nor a text");
        }
        BenchSample.Query query = new BenchSample.Query(qImage, qGraph, qText, q.path("image_id").asText(null),
                q.hasNonNull("node") ? q.get("node").asInt() : null, q.path("lon").asDouble(Double.NaN),
                q.path("lat").asDouble(Double.NaN), q.path("heading_deg").asDouble(Double.NaN));
        List<BenchSample.Candidate> list = new ArrayList<>();
        int i = 0;
        for (JsonNode c : cands) {
            String cw = where + ": candidates[" + i++ + "]";
            Path img = optionalPath(c, "image", cw);
            String text = c.hasNonNull("text") ? c.get("text").asText() : null;
            Integer node = c.hasNonNull("node") ? c.get("node").asInt() : null;
            if (img == null && text == null && node == null) {
                throw new IOException(cw + ": a candidate needs a text, an image or a node");
            }
            list.add(new BenchSample.Candidate(c.path("id").asText(""), text, img, optionalPath(c, "graph", cw), node,
                    c.path("lon").asDouble(Double.NaN), c.path("lat").asDouble(Double.NaN)));
        }
        List<String> modes = new ArrayList<>();
        row.path("modes").forEach(m -> modes.add(m.asText()));
        return new BenchSample(where, row.path("id").asText(""), row.path("task").asText(""),
                row.path("city").asText(""), row.path("split").asText(""), List.copyOf(modes), query, List.copyOf(list),
                a.asInt(), row.path("label_set").asText(null), row.path("label").asText(null),
                row.path("fold").asText(null), row.path("synthetic").asBoolean(false));
    }

    private Path optionalPath(JsonNode obj, String field, String where) throws IOException {
        JsonNode v = obj.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        return resolve(v.asText(), field, where);
    }
}
