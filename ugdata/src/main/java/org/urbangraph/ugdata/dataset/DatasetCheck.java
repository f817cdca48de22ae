package org.urbangraph.ugdata.dataset;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.urbangraph.ugdata.graph.GraphFile;

/**
 * Checks a whole UGData dataset directory, as {@code ug data check} does before training or benchmarking: every key
 * of {@code manifest.json}; every row of {@code stage1.jsonl}, {@code stage2.jsonl} and each task file the manifest's
 * {@code bench} lists (types, the images and graphs they name exist); {@code graph.json} and every graph file a row
 * names parse as graphs; and the row counts equal the manifest's. Images are checked to exist, not decoded.
 *
 * <p>Every problem found is collected, each naming the file, and the line where there is one; reading goes on past a
 * bad row (the first {@value #BAD_ROWS_SHOWN} bad rows of a file are reported one by one, the rest counted).
 */
public final class DatasetCheck {

    /**
     * What a check found.
     *
     * @param dir the dataset directory
     * @param manifest the manifest, or null if it could not be read
     * @param problems one message per problem, each naming its file; empty if the dataset is good
     * @param stage1Rows rows read from {@code stage1.jsonl} (0 if it could not be read)
     * @param stage2Rows rows read from {@code stage2.jsonl} (0 if it could not be read)
     * @param graphFiles graph files read, {@code graph.json} included
     * @param benchRows rows read per task file, in the manifest's order
     */
    public record Result(Path dir, DatasetManifest manifest, List<String> problems, int stage1Rows, int stage2Rows,
            int graphFiles, Map<String, Integer> benchRows) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    static final int BAD_ROWS_SHOWN = 10;

    /** Keys every manifest has, with the JSON type of each. */
    private static final Map<String, Kind> MANIFEST_KEYS = keys(
            "format", Kind.TEXT, "generator", Kind.TEXT, "city", Kind.TEXT, "city_name", Kind.TEXT,
            "split", Kind.TEXT, "seed", Kind.WHOLE, "attribution", Kind.TEXT, "sources", Kind.LIST,
            "settings", Kind.OBJECT, "counts", Kind.OBJECT, "bench", Kind.OBJECT, "issues", Kind.OBJECT,
            "files", Kind.OBJECT);

    /** Keys of {@code counts} (see {@link DatasetManifest.Counts}). */
    private static final Map<String, Kind> COUNT_KEYS = keys(
            "nodes", Kind.OBJECT, "edges", Kind.OBJECT, "images", Kind.COUNT, "synthetic_images", Kind.COUNT,
            "real_images", Kind.COUNT, "synthetic_placement", Kind.COUNT, "train_images", Kind.COUNT,
            "eval_images", Kind.COUNT, "pair_views", Kind.COUNT, "stage1_rows", Kind.COUNT, "stage2_rows", Kind.COUNT,
            "subgraphs", Kind.COUNT, "reasoning_paths", Kind.COUNT, "osm_nodes", Kind.COUNT, "osm_ways", Kind.COUNT,
            "osm_relations", Kind.COUNT);

    /** Keys of {@code issues}. */
    private static final Map<String, Kind> ISSUE_KEYS = keys("counts", Kind.OBJECT, "examples", Kind.LIST);

    private enum Kind {
        TEXT("a string"), WHOLE("a whole number"), COUNT("a whole number, 0 or more"), OBJECT("an object"),
        LIST("a list");

        final String label;

        Kind(String label) {
            this.label = label;
        }

        boolean matches(JsonNode v) {
            return switch (this) {
                case TEXT -> v.isTextual();
                case WHOLE -> v.isIntegralNumber();
                case COUNT -> v.isIntegralNumber() && v.canConvertToLong() && v.asLong() >= 0;
                case OBJECT -> v.isObject();
                case LIST -> v.isArray();
            };
        }
    }

    private DatasetCheck() {}

    /** Checks {@code dir}; never throws for a damaged dataset, the problems are in the result. */
    public static Result run(Path dir) {
        List<String> problems = new ArrayList<>();
        Path manifestFile = dir.resolve("manifest.json");
        UgDataset ds;
        JsonNode tree;
        try {
            ds = UgDataset.open(dir);
            tree = UgDataset.manifestTree(manifestFile);
        } catch (IOException e) {
            problems.add(e.getMessage());
            return new Result(dir, null, problems, 0, 0, 0, Map.of());
        }
        checkKeys(tree, "", MANIFEST_KEYS, manifestFile, problems);
        checkKeys(tree.path("counts"), "counts.", COUNT_KEYS, manifestFile, problems);
        checkKeys(tree.path("issues"), "issues.", ISSUE_KEYS, manifestFile, problems);
        if (tree.path("split").isTextual()) {
            try {
                Split.fromLabel(tree.get("split").asText());
            } catch (IllegalArgumentException e) {
                problems.add(manifestFile + ": key 'split': " + e.getMessage());
            }
        }
        JsonNode counts = tree.path("counts");

        // rows, and the graphs they name (each graph file is read once)
        Set<Path> graphs = new LinkedHashSet<>();
        int s1 = rows(ds, "stage1.jsonl", "stage1_rows", counts, graphs, problems);
        int s2 = rows(ds, "stage2.jsonl", "stage2_rows", counts, graphs, problems);
        Map<String, Integer> benchRows = new LinkedHashMap<>();
        Path benchDir = dir.resolve("bench");
        Map<String, Integer> listed = ds.manifest().bench();
        if (!listed.isEmpty() && !Files.isDirectory(benchDir)) {
            problems.add(benchDir + ": missing; manifest.json lists " + listed.size() + " benchmark task files ("
                    + String.join(", ", listed.keySet()) + ")");
        } else {
            for (Map.Entry<String, Integer> task : listed.entrySet()) {
                Path file = benchDir.resolve(task.getKey() + ".jsonl");
                if (!Files.isRegularFile(file)) {
                    problems.add(file + ": missing; manifest.json lists benchmark task '" + task.getKey() + "' with "
                            + task.getValue() + " rows");
                    continue;
                }
                try {
                    List<String> bad = new ArrayList<>();
                    List<BenchSample> rows = ds.benchRows(task.getKey(), bad);
                    badRows(file, bad, problems);
                    int n = rows.size() + bad.size();
                    benchRows.put(task.getKey(), n);
                    if (n != task.getValue()) {
                        problems.add(file + ": " + rows(n) + ", but manifest.json key 'bench." + task.getKey()
                                + "' says " + task.getValue());
                    }
                    for (BenchSample r : rows) {
                        addIfPresent(graphs, r.query().graph());
                        for (BenchSample.Candidate c : r.candidates()) {
                            addIfPresent(graphs, c.graph());
                        }
                    }
                } catch (IOException e) {
                    problems.add(e.getMessage());
                }
            }
        }

        int read = 0;
        for (Path g : graphFiles(dir, graphs)) {
            try {
                GraphFile.read(g);
                read++;
            } catch (IOException e) {
                problems.add(e.getMessage());
            } catch (RuntimeException e) {
                problems.add(g + ": not a readable graph (" + e + ")");
            }
        }
        return new Result(dir, ds.manifest(), List.copyOf(problems), s1, s2, read,
                Collections.unmodifiableMap(benchRows));
    }

    /** {@code graph.json} first, then the graphs the rows name. */
    private static List<Path> graphFiles(Path dir, Set<Path> named) {
        Set<Path> all = new LinkedHashSet<>();
        all.add(dir.resolve("graph.json").normalize());
        named.forEach(p -> all.add(p.normalize()));
        return List.copyOf(all);
    }

    private static void addIfPresent(Set<Path> set, Path p) {
        if (p != null) {
            set.add(p);
        }
    }

    /** Reads a stage file; its row count must equal {@code counts.<key>}. Returns the rows read. */
    private static int rows(UgDataset ds, String file, String key, JsonNode counts, Set<Path> graphs,
            List<String> problems) {
        List<UgeSample> rows;
        List<String> bad = new ArrayList<>();
        try {
            rows = ds.stageRows(file, bad);
        } catch (IOException e) {
            problems.add(e.getMessage());
            return 0;
        }
        badRows(ds.dir().resolve(file), bad, problems);
        rows.forEach(r -> graphs.addAll(r.graphs()));
        int n = rows.size() + bad.size();
        JsonNode expected = counts.path(key);
        if (expected.isIntegralNumber() && expected.asLong() != n) {
            problems.add(ds.dir().resolve(file) + ": " + rows(n) + ", but manifest.json key 'counts." + key
                    + "' says " + expected.asLong());
        }
        return n;
    }

    private static void badRows(Path file, List<String> bad, List<String> problems) {
        problems.addAll(bad.subList(0, Math.min(bad.size(), BAD_ROWS_SHOWN)));
        if (bad.size() > BAD_ROWS_SHOWN) {
            problems.add(file + ": " + (bad.size() - BAD_ROWS_SHOWN) + " more bad rows");
        }
    }

    private static String rows(int n) {
        return n + (n == 1 ? " row" : " rows");
    }

    private static void checkKeys(JsonNode obj, String prefix, Map<String, Kind> keys, Path file,
            List<String> problems) {
        if (!obj.isObject()) {
            return; // the parent key is reported
        }
        for (Map.Entry<String, Kind> k : keys.entrySet()) {
            JsonNode v = obj.get(k.getKey());
            if (v == null || v.isNull()) {
                problems.add(file + ": missing key '" + prefix + k.getKey() + "'");
            } else if (!k.getValue().matches(v)) {
                problems.add(file + ": key '" + prefix + k.getKey() + "' must be " + k.getValue().label + ", got "
                        + shown(v));
            }
        }
    }

    /** A JSON value for a message, cut short. */
    private static String shown(JsonNode v) {
        String s = v.toString();
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    private static Map<String, Kind> keys(Object... pairs) {
        Map<String, Kind> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], (Kind) pairs[i + 1]);
        }
        return m;
    }
}
