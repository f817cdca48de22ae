package org.urbangraph.cli;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.ugbench.TestCities;
import org.urbangraph.uge.model.TinyBackbone;
import picocli.CommandLine;

/**
 * {@code ug bench} in process on two small datasets with a tiny random Qwen2-VL backbone and the baselines: exit codes,
 * the report files, the cache on a rerun, and usage errors before any work.
 */
class BenchCommandTest {
    @TempDir
    static Path tmp;

    static Path model;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void writeModel() throws Exception {
        model = TinyBackbone.create(tmp.resolve("tiny-qwen2vl"), Fixtures.path("tokenizer", "qwen2"), 5);
    }

    private int run(String... args) {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    private String[] dataArgs() {
        List<Path> dirs = TestCities.dirs();
        return new String[] {"--data", dirs.get(0).toString(), dirs.get(1).toString()};
    }

    @Test
    void benchmarksTheBackboneAndTheBaselinesAndWritesTheReports() throws Exception {
        Path reports = tmp.resolve("reports");
        Path cache = tmp.resolve("cache");
        String[] common = {"bench", "--model", model.toString(), "--baseline", "random", "--baseline", "oracle",
            "--out", reports.toString(), "--cache", cache.toString(), "--tasks", "geolocation,perception_street_class",
            "--max-per-task", "4", "--bootstrap", "200", "-q"};
        String[] args = concat(concat(new String[] {common[0]}, dataArgs()), java.util.Arrays.copyOfRange(common, 1,
                common.length));
        assertEquals(0, run(args), err.toString());
        String table = out.toString();
        assertTrue(table.contains("Geolocation ranking") && table.contains("zero-shot · image")
                && table.contains("oracle · image+graph"), table);
        assertTrue(table.contains("Reports: " + reports.resolve("results.json")), table);
        assertFalse(table.contains("zero-shot · image+graph"), "a raw backbone ignores graphs: " + table);

        JsonNode json = new ObjectMapper().readTree(reports.resolve("results.json").toFile());
        Set<String> variants = new HashSet<>();
        for (JsonNode row : json.get("rows")) {
            variants.add(row.get("variant").asText());
            assertTrue(row.get("n").asInt() <= 4, "the cap per task and city holds");
            if (row.get("variant").asText().equals("oracle")) {
                assertEquals(1.0, row.get("hit@1").asDouble(), row.toString());
            }
            double h1 = row.get("hit@1").asDouble();
            assertTrue(h1 >= 0 && h1 <= 1);
        }
        assertEquals(Set.of("zero-shot", "random", "oracle"), variants);
        assertTrue(Files.isRegularFile(reports.resolve("results.md")));
        assertTrue(Files.readString(reports.resolve("report.html")).contains("<table class=\"results\">"));
        JsonNode zeroShot = json.get("variants").get(0);
        assertTrue(zeroShot.get("embedder").asText().startsWith("qwen2vl-backbone-tiny-qwen2vl-"));
        assertTrue(zeroShot.get("vectors_computed").asInt() > 0);
        try (var entries = Files.walk(cache)) {
            assertTrue(entries.filter(Files::isRegularFile).count() > 10, "the cache is where --cache says");
        }

        // a rerun takes every vector from the cache and gives the same rows
        out.getBuffer().setLength(0);
        assertEquals(0, run(args), err.toString());
        JsonNode again = new ObjectMapper().readTree(reports.resolve("results.json").toFile());
        assertEquals(0, again.get("variants").get(0).get("vectors_computed").asInt());
        assertEquals(json.get("rows"), again.get("rows"));
    }

    @Test
    void badDataFailsWithTheFileNamed() {
        Path missing = tmp.resolve("no-such-dataset");
        assertEquals(1, run("bench", "--data", missing.toString(), "--baseline", "random", "--out",
                tmp.resolve("x").toString(), "--no-cache", "-q"));
        assertTrue(err.toString().contains("no-such-dataset") && err.toString().contains("manifest.json is missing"),
                err.toString());
        // reported as every command reports bad input: one line naming the command, no stack trace
        assertTrue(err.toString().startsWith("ug bench: ") && err.toString().contains("UG_DEBUG=1"), err.toString());
        assertFalse(err.toString().contains("\tat "), err.toString());
        assertFalse(Files.exists(tmp.resolve("x").resolve("results.json")));
    }

    @Test
    void usageErrorsAreRejectedBeforeAnyWork() {
        String data = TestCities.dirs().get(0).toString();
        String o = tmp.resolve("y").toString();
        assertEquals(2, run("bench", "--data", data, "--out", o));
        assertTrue(err.toString().contains("nothing to evaluate"), err.toString());
        assertEquals(2, run("bench", "--data", data, "--out", o, "--baseline", "perfect"));
        assertTrue(err.toString().contains("unknown --baseline 'perfect'"), err.toString());
        assertEquals(2, run("bench", "--data", data, "--out", o, "--baseline", "random", "--tasks", "geolocaton"));
        assertTrue(err.toString().contains("unknown task 'geolocaton'"), err.toString());
        assertEquals(2, run("bench", "--data", data, "--out", o, "--baseline", "random", "--max-per-task", "900"));
        assertTrue(err.toString().contains("1..700"), err.toString());
        assertFalse(Files.exists(Path.of(o)));
        // an --out that is a file is refused before any work
        Path file = tmp.resolve("a-file");
        assertDoesNotThrow(() -> Files.writeString(file, "x"));
        assertEquals(2, run("bench", "--data", data, "--out", file.toString(), "--baseline", "random"));
        assertTrue(err.toString().contains("is a file"), err.toString());
    }

    @Test
    void outOfRangeOptionValuesAreUsageErrorsNamingTheOption() {
        String[][] cases = {
            {"--max-per-task", "0", "--max-per-task must lie in 1..700, got 0"},
            {"--max-per-task", "701", "--max-per-task must lie in 1..700, got 701"},
            {"--bootstrap", "50", "--bootstrap must be at least 100 resamples, got 50"},
            {"--batch", "0", "--batch must be at least 1, got 0"},
            {"--maps", "-1", "--maps must be 0 or more, got -1"},
        };
        String data = TestCities.dirs().get(0).toString();
        String o = tmp.resolve("ranges").toString();
        for (String[] c : cases) {
            err.getBuffer().setLength(0);
            assertEquals(2, run("bench", "--data", data, "--out", o, "--baseline", "random", c[0], c[1]), c[0]);
            assertTrue(err.toString().startsWith(c[2]), err.toString());
        }
        assertFalse(Files.exists(Path.of(o)));
        // the lowest values in range are taken
        assertEquals(0, run("bench", "--data", data, "--out", o, "--baseline", "random", "--max-per-task", "1",
                "--bootstrap", "100", "--batch", "1", "--maps", "0", "--no-cache", "-q"), err.toString());
    }

    @Test
    void anAdapterThatIsNotAUgeModelIsBadInputBeforeAnyWork() {
        String data = TestCities.dirs().get(0).toString();
        String o = tmp.resolve("z").toString();
        Path notUge = tmp.resolve("not-a-uge-model");
        assertEquals(1, run("bench", "--data", data, "--out", o, "--model", model.toString(), "--adapter",
                notUge.toString()));
        assertTrue(err.toString().startsWith("ug bench: --adapter " + notUge + " is not a UGE model directory "
                + "(no uge.json)"), err.toString());
        assertFalse(err.toString().contains("Usage:"), "bad input, not a usage error: " + err);
        assertFalse(Files.exists(Path.of(o)));
    }

    @Test
    void aDatasetWithoutQuestionsIsAFailureNotAnEmptyReport() throws Exception {
        Path empty = new org.urbangraph.ugbench.task.TaskFiles(tmp.resolve("empty"), "town", "train").write();
        assertEquals(1, run("bench", "--data", empty.toString(), "--baseline", "random", "--out",
                tmp.resolve("e").toString(), "--no-cache", "-q"));
        assertTrue(err.toString().contains("no benchmark question"), err.toString());
        assertFalse(Files.exists(tmp.resolve("e").resolve("results.json")));
    }

    @Test
    void twoAdaptersOfOneStageAreNamedByTheirRunsAndRunOnTheGivenBackbone() throws Exception {
        Path runs = tmp.resolve("runs");
        for (String run : new String[] {"run-a", "run-b"}) {
            org.urbangraph.uge.model.UgeModels.stage1(model, false, run.equals("run-a") ? 1 : 2, 24)
                    .save(runs.resolve(run).resolve("model"));
        }
        assertEquals("stage 1 (run-a)", BenchCommand.adapterName(runs.resolve("run-a").resolve("model")));
        Path reports = tmp.resolve("two");
        String[] args = concat(concat(new String[] {"bench"}, dataArgs()), new String[] {"--model", model.toString(),
            "--adapter", runs.resolve("run-a").resolve("model").toString(), "--adapter",
            runs.resolve("run-b").resolve("model").toString(), "--out", reports.toString(), "--no-cache", "--tasks",
            "geolocation", "--max-per-task", "2", "--bootstrap", "100", "-q"});
        assertEquals(0, run(args), err.toString());
        JsonNode json = new ObjectMapper().readTree(reports.resolve("results.json").toFile());
        List<String> names = new java.util.ArrayList<>();
        json.get("variants").forEach(v -> names.add(v.get("name").asText()));
        assertEquals(List.of("zero-shot", "stage 1 (run-a)", "stage 1 (run-b)"), names);
    }

    private static String[] concat(String[] a, String[] b) {
        String[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
