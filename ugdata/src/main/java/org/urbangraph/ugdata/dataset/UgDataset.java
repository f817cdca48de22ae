package org.urbangraph.ugdata.dataset;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
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

    /**
     * Opens a dataset: reads {@code manifest.json}, which must be a JSON object of this format whose {@code bench}
     * maps each task to its row count, and whose keys have the types {@link DatasetManifest} gives them. The rows
     * are read on demand; {@link DatasetCheck} checks the whole directory.
     */
    public static UgDataset open(Path dir) throws IOException {
        Path m = dir.resolve("manifest.json");
        if (!Files.isRegularFile(m)) {
            throw new IOException(dir + " is not a UGData dataset: manifest.json is missing");
        }
        JsonNode tree = manifestTree(m);
        JsonNode format = tree.get("format");
        if (format == null || format.isNull()) {
            throw new IOException(m + ": missing key 'format' (expected '" + DatasetManifest.FORMAT + "')");
        }
        if (!DatasetManifest.FORMAT.equals(format.asText())) {
            throw new IOException(m + ": dataset format '" + format.asText() + "', expected '" + DatasetManifest.FORMAT + "'");
        }
        JsonNode bench = tree.get("bench");
        if (bench == null || bench.isNull()) {
            throw new IOException(m + ": missing key 'bench' (rows per benchmark task file)");
        }
        if (!bench.isObject()) {
            throw new IOException(m + ": key 'bench' must be an object of task names to row counts, got " + bench);
        }
        for (Map.Entry<String, JsonNode> e : bench.properties()) {
            JsonNode n = e.getValue();
            if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 0) {
                throw new IOException(m + ": key 'bench." + e.getKey() + "' must be a row count (a whole number, 0 or"
                        + " more), got " + n);
            }
        }
        DatasetManifest manifest;
        try {
            manifest = UgDataJson.MAPPER.treeToValue(tree, DatasetManifest.class);
        } catch (JsonMappingException e) {
            String key = keyPath(e.getPath());
            throw new IOException(m + ": " + (key.isEmpty() ? "" : "key '" + key + "' ") + "has the wrong type ("
                    + firstLine(e.getOriginalMessage()) + ")", e);
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException(m + ": unreadable manifest (" + firstLine(e.getMessage()) + ")", e);
        }
        return new UgDataset(dir, manifest);
    }

    /** {@code manifest.json} as a JSON object. */
    static JsonNode manifestTree(Path m) throws IOException {
        JsonNode tree;
        try {
            tree = UgDataJson.MAPPER.readTree(m.toFile());
        } catch (IOException e) {
            throw new IOException(m + ": unreadable manifest (" + firstLine(e.getMessage()) + ")", e);
        }
        if (tree == null || !tree.isObject()) {
            throw new IOException(m + ": unreadable manifest (expected a JSON object)");
        }
        return tree;
    }

    /** A Jackson reference path as dotted keys and [indices], e.g. {@code counts.images}. */
    private static String keyPath(List<JsonMappingException.Reference> path) {
        StringBuilder s = new StringBuilder();
        for (JsonMappingException.Reference r : path) {
            if (r.getFieldName() != null) {
                s.append(s.isEmpty() ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                s.append('[').append(r.getIndex()).append(']');
            }
        }
        return s.toString();
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("");
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
        return readRows(dir.resolve("stage1.jsonl"), null);
    }

    public List<UgeSample> stage2() throws IOException {
        return readRows(dir.resolve("stage2.jsonl"), null);
    }

    /**
     * The rows of {@code stage1.jsonl} or {@code stage2.jsonl}, read on past bad rows: the good rows are returned and
     * each bad row's message (file and line) is added to {@code badRows}.
     */
    List<UgeSample> stageRows(String file, List<String> badRows) throws IOException {
        return readRows(dir.resolve(file), badRows);
    }

    /** The whole city graph ({@code graph.json}). */
    public GraphFile cityGraph() throws IOException {
        return GraphFile.read(dir.resolve("graph.json"));
    }

    /** A graph file named relative to the dataset directory. */
    public GraphFile graph(String relative) throws IOException {
        return GraphFile.read(resolve(relative, "graph file", "?"));
    }

    /**
     * Names of the benchmark tasks the manifest lists, in its order. Each has a file under {@code bench/};
     * {@link #bench} says so when one is missing, so that a damaged dataset is not benchmarked on fewer tasks.
     */
    public List<String> benchTasks() {
        return List.copyOf(manifest.bench().keySet());
    }

    public List<BenchSample> bench(String task) throws IOException {
        return benchRows(task, null);
    }

    /**
     * The rows of a task file; with {@code badRows} null the first bad row throws, else reading goes on and each bad
     * row's message (file and line) is added to it.
     */
    List<BenchSample> benchRows(String task, List<String> badRows) throws IOException {
        Path file = benchFile(task);
        if (!Files.isRegularFile(file)) {
            throw new IOException(dir + ": no benchmark task '" + task + "' (expected " + file + ")");
        }
        List<BenchSample> out = new ArrayList<>();
        forEachLine(file, (node, where) -> out.add(benchSample(node, where)), badRows);
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

    /** Reads each non-blank line as a row; a bad row throws, or with {@code badRows} given is added to it. */
    private static void forEachLine(Path file, RowHandler h, List<String> badRows) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int line = 0;
            while (true) {
                String s;
                try {
                    s = r.readLine();
                } catch (CharacterCodingException e) {
                    throw new IOException(file + ": line " + (line + 1) + ": not UTF-8 text", e);
                }
                if (s == null) {
                    break;
                }
                line++;
                if (s.isBlank()) {
                    continue;
                }
                try {
                    row(s, file + ": line " + line, h);
                } catch (IOException e) {
                    if (badRows == null) {
                        throw e;
                    }
                    badRows.add(e.getMessage());
                }
            }
        }
    }

    private static void row(String s, String where, RowHandler h) throws IOException {
        JsonNode node;
        try {
            node = UgDataJson.MAPPER.readTree(s);
        } catch (IOException e) {
            throw new IOException(where + ": not valid JSON (" + firstLine(e.getMessage()) + ")", e);
        }
        if (!node.isObject()) {
            throw new IOException(where + ": expected a JSON object");
        }
        try {
            h.accept(node, where);
        } catch (RuntimeException e) {
            // a value of the wrong JSON type that a conversion after the checks tripped over
            throw new IOException(where + ": malformed row (" + firstLine(e.getMessage()) + ")", e);
        }
    }

    private List<UgeSample> readRows(Path file, List<String> badRows) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(dir + ": " + file.getFileName() + " is missing");
        }
        List<UgeSample> out = new ArrayList<>();
        forEachLine(file, (row, where) -> out.add(sample(row, where)), badRows);
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
        JsonNode metaNode = row.get("meta");
        if (metaNode != null && !metaNode.isNull() && !metaNode.isObject()) {
            throw new IOException(where + ": 'meta' must be an object, got " + metaNode);
        }
        Map<String, Object> meta = metaNode == null || metaNode.isNull() ? Map.of()
                : UgDataJson.MAPPER.convertValue(metaNode, new TypeReference<Map<String, Object>>() {});
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
        if (!v.isTextual()) {
            throw new IOException(where + ": '" + field + "' must be a path string, got " + v);
        }
        return resolve(v.asText(), field, where);
    }
}
