package org.urbangraph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.ugdata.dataset.BundledCities;
import org.urbangraph.ugdata.dataset.DatasetManifest;
import org.urbangraph.ugdata.dataset.Split;
import org.urbangraph.ugdata.dataset.UgDataset;
import picocli.CommandLine;

/** {@code ug data build} and {@code ug data check}, run in process. */
class DataCommandTest {
    @TempDir
    Path tmp;

    /** A small Berlin dataset built once; the check tests damage copies of it. */
    @TempDir
    static Path shared;

    static Path built;

    @BeforeAll
    static void buildOnce() {
        built = shared.resolve("berlin");
        StringWriter log = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(log, true));
        cl.setErr(new PrintWriter(log, true));
        assertEquals(0, cl.execute("data", "build", "--osm", Fixtures.path("data", "cities", "berlin-tiergarten.osm.gz")
                .toString(), "--render", "5", "--eval-fraction", "0.4", "--out", built.toString(), "--seed", "2",
                "--size", "64x48", "--candidates", "3", "--quiet"), log.toString());
    }

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void buildsADatasetAndChecksIt() throws Exception {
        Path osm = Fixtures.path("data", "cities", "berlin-tiergarten.osm.gz");
        Path dir = tmp.resolve("berlin");
        int code = run("data", "build", "--osm", osm.toString(), "--render", "3", "--out", dir.toString(), "--seed", "5",
                "--size", "160x120", "--candidates", "3", "--quiet");
        assertEquals(0, code, err.toString());
        assertTrue(out.toString().contains("Berlin Tiergarten: 3 images (3 rendered, 0 photos placed synthetically)"), out.toString());
        UgDataset ds = UgDataset.open(dir);
        assertEquals(5, ds.manifest().seed());
        assertEquals(160, ds.manifest().settings().get("image_width"));
        assertEquals(3, ds.manifest().counts().images());
        assertEquals(0, run("data", "check", dir.toString()), err.toString());
        assertTrue(out.toString().contains(dir + " (Berlin Tiergarten, train): 3 images"), out.toString());
    }

    @Test
    void badInputGivesAClearMessageAndExitCodeOne() {
        Path missing = tmp.resolve("nowhere.osm.pbf");
        assertEquals(1, run("data", "build", "--osm", missing.toString(), "--out", tmp.resolve("x").toString(), "-q"));
        assertTrue(err.toString().contains("nowhere.osm.pbf"), err.toString());
        // reported as every command reports bad input, with the hint of UG_DEBUG
        assertTrue(err.toString().startsWith("ug data build: ") && err.toString().contains("UG_DEBUG=1"),
                err.toString());
        assertFalse(Files.exists(tmp.resolve("x")));
        assertEquals(1, run("data", "check", tmp.toString()));
        assertTrue(err.toString().contains("manifest.json is missing"), err.toString());
    }

    @Test
    void overwriteRefusesADirectoryThatIsNotADataset() throws Exception {
        Path osm = Fixtures.path("data", "cities", "berlin-tiergarten.osm.gz");
        Path project = tmp.resolve("project");
        Files.createDirectories(project.resolve("src"));
        Files.writeString(project.resolve("src/Main.java"), "class Main {}");
        assertEquals(1, run("data", "build", "--osm", osm.toString(), "--render", "5", "--out", project.toString(),
                "--overwrite", "-q"));
        assertTrue(err.toString().contains(project + ": not replaced") && err.toString().contains("not a UGData dataset"),
                err.toString());
        assertEquals("class Main {}", Files.readString(project.resolve("src/Main.java")));
    }

    @Test
    void anExistingOutIsKeptAndTheMessageNamesOverwrite() throws Exception {
        Path osm = Fixtures.path("data", "cities", "berlin-tiergarten.osm.gz");
        String before = Files.readString(built.resolve("manifest.json"));
        assertEquals(1, run("data", "build", "--osm", osm.toString(), "--render", "5", "--out", built.toString(), "-q"));
        assertTrue(err.toString().startsWith("ug data build: " + built + ": already exists; remove it, or add "
                + "--overwrite"), err.toString());
        assertEquals(before, Files.readString(built.resolve("manifest.json")));
    }

    @Test
    void usageErrorsAreRejectedBeforeAnyWork() {
        assertEquals(2, run("data", "build", "--out", tmp.resolve("y").toString()));
        assertTrue(err.toString().contains("exactly one of --osm FILE and --bundled"), err.toString());
        assertEquals(2, run("data", "build", "--osm", "a.pbf", "--out", "y", "--size", "big"));
        assertTrue(err.toString().contains("--size must look like 448x448"), err.toString());
        assertEquals(2, run("data", "build", "--osm", "a.pbf", "--out", "y", "--split", "test"));
        assertTrue(err.toString().contains("unknown split 'test'"), err.toString());
    }

    @Test
    void outOfRangeOptionValuesAreUsageErrors() {
        String[][] cases = {
            {"--radius", "NaN", "--radius must be a positive, finite number of metres, got NaN"},
            {"--radius", "Infinity", "--radius must be a positive, finite number of metres, got Infinity"},
            {"--radius", "0", "--radius must be a positive, finite number of metres, got 0.0"},
            {"--render", "-5", "--render must be 0 or more, got -5"},
            {"--candidates", "1", "--candidates must be at least 2"},
            {"--size", "0x0", "--size must be 16..8192 pixels a side, got 0x0"},
            {"--size", "10", "--size must look like 448x448"},
            {"--eval-fraction", "2", "--eval-fraction must be between 0 and 1, got 2.0"},
            {"--eval-fraction", "NaN", "--eval-fraction must be between 0 and 1, got NaN"},
            {"--max-nodes", "0", "--max-nodes must be at least 1, got 0"},
            {"--bench-max", "-1", "--bench-max must be 0 or more, got -1"},
        };
        Path osm = Fixtures.path("data", "cities", "berlin-tiergarten.osm.gz");
        for (String[] c : cases) {
            err.getBuffer().setLength(0);
            Path dir = tmp.resolve("out");
            List<String> args = new ArrayList<>(List.of("data", "build", "--osm", osm.toString(), "--out", dir.toString(),
                    "-q", c[0], c[1]));
            if (!c[0].equals("--render")) {
                args.addAll(List.of("--render", "2")); // a small build, should a check be missing
            }
            assertEquals(2, run(args.toArray(String[]::new)), c[0] + " " + c[1] + ": " + err);
            assertTrue(err.toString().contains(c[2]), err.toString());
            assertFalse(Files.exists(dir), "nothing is built");
        }
    }

    @Test
    void bundledHeldOutCitiesKeepEveryImageForTheBenchmarkWhateverTheEvalFraction() throws Exception {
        // the small Berlin extract stands in for every bundled city (the reader tells formats apart by content)
        Path cities = Files.createDirectories(tmp.resolve("data").resolve("cities"));
        for (BundledCities.City c : BundledCities.DEFAULT) {
            Files.copy(Fixtures.path("data", "cities", "berlin-tiergarten.osm.gz"), cities.resolve(c.file()));
        }
        Path out = tmp.resolve("bundled");
        String before = System.getProperty(BundledCities.PROPERTY);
        System.setProperty(BundledCities.PROPERTY, cities.getParent().toString());
        try {
            assertEquals(0, run("data", "build", "--bundled", "--render", "4", "--eval-fraction", "0.5", "--size",
                    "160x120", "--candidates", "3", "--out", out.toString(), "-q"), err.toString());
        } finally {
            if (before == null) {
                System.clearProperty(BundledCities.PROPERTY);
            } else {
                System.setProperty(BundledCities.PROPERTY, before);
            }
        }
        for (BundledCities.City c : BundledCities.DEFAULT) {
            DatasetManifest m = UgDataset.open(out.resolve(c.id())).manifest();
            assertEquals(4, m.counts().images(), c.id());
            if (c.split() == Split.HELD_OUT) {
                assertEquals(4, m.counts().evalImages(), c.id() + ": every image is a benchmark image");
                assertEquals(0, m.counts().stage1Rows() + m.counts().stage2Rows(), c.id() + ": no training rows");
                assertEquals(1.0, ((Number) m.settings().get("eval_fraction")).doubleValue(), c.id());
            } else {
                assertEquals(2, m.counts().evalImages(), c.id() + ": --eval-fraction 0.5");
                assertTrue(m.counts().stage1Rows() > 0, c.id());
            }
        }
        assertEquals(2, run("data", "build", "--osm", "a.pbf", "--out", "y", "--split", "held-out", "--eval-fraction",
                "0.5"));
        assertTrue(err.toString().contains("--eval-fraction applies to training cities"), err.toString());
    }

    // ---- ug data check on damaged datasets: every problem named with its file (and line), exit code 1 ----

    /** A fresh copy of the built dataset, to damage. */
    private Path copy(String name) throws IOException {
        Path to = tmp.resolve(name);
        try (Stream<Path> files = Files.walk(built)) {
            for (Path p : files.sorted(Comparator.naturalOrder()).toList()) {
                Files.copy(p, to.resolve(built.relativize(p).toString()));
            }
        }
        return to;
    }

    /** Runs {@code ug data check} on the directories; it must fail, and every error line names the command. */
    private String checkFails(Path... dirs) {
        List<String> args = new ArrayList<>(List.of("data", "check"));
        for (Path d : dirs) {
            args.add(d.toString());
        }
        assertEquals(1, run(args.toArray(String[]::new)), "out: " + out + "\nerr: " + err);
        String e = err.toString();
        assertFalse(e.contains("\tat ") || e.contains("Exception"), e);
        e.lines().forEach(l -> assertTrue(l.startsWith("ug data check: "), l));
        return e;
    }

    /** Graph files named by the rows of a file (relative to the dataset). */
    private static Set<String> graphsNamedIn(Path file) throws IOException {
        Set<String> out = new LinkedHashSet<>();
        Matcher m = Pattern.compile("\"(graphs/[^\"]+\\.json)\"").matcher(Files.readString(file));
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static void rewriteLine(Path file, int line, String from, String to) throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(file));
        assertTrue(lines.get(line - 1).contains(from), lines.get(line - 1));
        lines.set(line - 1, lines.get(line - 1).replace(from, to));
        Files.write(file, lines);
    }

    @Test
    void aGoodDatasetPassesTheCheck() {
        assertEquals(0, run("data", "check", built.toString()), err.toString());
        assertEquals("", err.toString());
        assertTrue(out.toString().startsWith(built + " (Berlin Tiergarten, train): 5 images"), out.toString());
        assertTrue(out.toString().contains("bench: geolocation "), out.toString());
    }

    @Test
    void checkRejectsACityGraphThatIsNotJson() throws IOException {
        Path d = copy("garbage-graph");
        Files.writeString(d.resolve("graph.json"), "garbage");
        assertTrue(checkFails(d).contains(d.resolve("graph.json") + ": not valid JSON"), err.toString());
    }

    @Test
    void checkReadsTheSubgraphsOnlyTheBenchmarkNames() throws IOException {
        Path d = copy("truncated-subgraph");
        Set<String> benchOnly = new LinkedHashSet<>();
        try (Stream<Path> tasks = Files.list(d.resolve("bench"))) {
            for (Path t : tasks.toList()) {
                benchOnly.addAll(graphsNamedIn(t));
            }
        }
        benchOnly.removeAll(graphsNamedIn(d.resolve("stage2.jsonl")));
        assertFalse(benchOnly.isEmpty(), "the benchmark images have subgraphs no training row names");
        Path g = d.resolve(benchOnly.iterator().next());
        String text = Files.readString(g);
        Files.writeString(g, text.substring(0, text.length() / 2));
        assertTrue(checkFails(d).contains(g + ": not valid JSON"), err.toString());
    }

    @Test
    void checkRequiresEveryTaskFileTheManifestLists() throws IOException {
        Path noBench = copy("no-bench");
        try (Stream<Path> files = Files.list(noBench.resolve("bench"))) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(noBench.resolve("bench"));
        assertTrue(checkFails(noBench).contains(noBench.resolve("bench") + ": missing; manifest.json lists"),
                err.toString());

        err.getBuffer().setLength(0);
        Path noTask = copy("no-task");
        Files.delete(noTask.resolve("bench/geolocation.jsonl"));
        assertTrue(checkFails(noTask).contains(noTask.resolve("bench/geolocation.jsonl") + ": missing; manifest.json"
                + " lists benchmark task 'geolocation'"), err.toString());

        err.getBuffer().setLength(0);
        Path shortTask = copy("short-task");
        Path task = shortTask.resolve("bench/text_to_image.jsonl");
        List<String> rows = Files.readAllLines(task);
        assertTrue(rows.size() >= 2, "rows: " + rows.size());
        Files.write(task, rows.subList(0, rows.size() - 1));
        String left = (rows.size() - 1) + (rows.size() == 2 ? " row" : " rows");
        assertTrue(checkFails(shortTask).contains(task + ": " + left + ", but manifest.json key 'bench.text_to_image'"
                + " says " + rows.size()), err.toString());
    }

    @Test
    void checkComparesTheRowCountsWithTheManifest() throws IOException {
        Path d = copy("short-stages");
        Path s1 = d.resolve("stage1.jsonl");
        List<String> rows = Files.readAllLines(s1);
        assertTrue(rows.size() > 2, "rows: " + rows.size());
        Files.write(s1, rows.subList(0, 2));
        Files.writeString(d.resolve("stage2.jsonl"), "");
        String e = checkFails(d);
        assertTrue(e.contains(s1 + ": 2 rows, but manifest.json key 'counts.stage1_rows' says " + rows.size()), e);
        assertTrue(e.contains(d.resolve("stage2.jsonl") + ": 0 rows, but manifest.json key 'counts.stage2_rows'"), e);
        assertTrue(e.contains(d + ": 2 problems"), e);
    }

    @Test
    void checkNamesTheMissingManifestKeyInsteadOfFailingOnIt() throws IOException {
        for (String key : List.of("bench", "counts", "split")) {
            err.getBuffer().setLength(0);
            Path d = copy("no-" + key);
            Path m = d.resolve("manifest.json");
            String text = Files.readString(m);
            String without = text.replaceFirst("(?s)\n  \"" + key + "\" : (\\{.*?\n  \\}|[^\n]*),", "");
            assertFalse(without.equals(text), key);
            Files.writeString(m, without);
            assertTrue(checkFails(d).contains(m + ": missing key '" + key + "'"), err.toString());
        }
    }

    @Test
    void checkNamesTheFileAndLineOfAMalformedRowAndChecksTheOtherDirectories() throws IOException {
        Path bad = copy("bad-meta");
        Path s1 = bad.resolve("stage1.jsonl");
        List<String> lines = new ArrayList<>(Files.readAllLines(s1));
        lines.set(1, lines.get(1).replaceFirst("\"meta\":\\{.*}}$", "\"meta\":\"oops\"}"));
        assertTrue(lines.get(1).endsWith("\"meta\":\"oops\"}"), lines.get(1));
        lines.set(2, lines.get(2).replaceFirst("\"images\":\\[[^]]*]", "\"images\":7"));
        assertTrue(lines.get(2).contains("\"images\":7"), lines.get(2));
        Files.write(s1, lines);
        Path noImage = copy("no-image");
        Path image = noImage.resolve(firstImage(noImage.resolve("stage1.jsonl")));
        Files.delete(image);
        Path missing = tmp.resolve("not-a-dataset");
        String e = checkFails(bad, built, noImage, missing);
        assertTrue(e.contains(s1 + ": line 2: 'meta' must be an object, got \"oops\""), e);
        assertTrue(e.contains(s1 + ": line 3: 'images' must be a list of paths"), e);
        assertTrue(e.contains(noImage.resolve("stage1.jsonl") + ": line 1: image '"), e);
        assertTrue(e.contains(image + ")"), e);
        assertTrue(e.contains(missing + " is not a UGData dataset: manifest.json is missing"), e);
        assertTrue(out.toString().startsWith(built + " (Berlin Tiergarten, train)"),
                "the good one is still checked: " + out);
    }

    /** The first image the first row of a stage file names. */
    private static String firstImage(Path stage) throws IOException {
        Matcher m = Pattern.compile("\"(images/[^\"]+)\"").matcher(Files.readAllLines(stage).getFirst());
        assertTrue(m.find());
        return m.group(1);
    }

    @Test
    void errorsOfNestedCommandsCarryTheFullCommandName() {
        CommandLine ug = Main.commandLine();
        StringWriter sink = new StringWriter();
        ug.setErr(new PrintWriter(sink, true));
        CommandLine check = ug.getSubcommands().get("data").getSubcommands().get("check");
        CommandLine train = ug.getSubcommands().get("train");
        assertEquals(1, new ErrorReport().handleExecutionException(new IOException("broken"), check, null));
        assertEquals(1, new ErrorReport().handleExecutionException(new IOException("broken"), train, null));
        assertEquals(1, new ErrorReport().handleExecutionException(new IOException("broken"), ug, null));
        List<String> lines = sink.toString().lines().filter(l -> l.contains("broken")).toList();
        assertEquals(List.of("ug data check: broken", "ug train: broken", "ug: broken"), lines);
    }

    @Test
    void withDebugBadInputIsReportedInItsLinesAndThenTheStackTrace() {
        CommandLine ug = Main.commandLine();
        StringWriter sink = new StringWriter();
        ug.setErr(new PrintWriter(sink, true));
        CommandLine train = ug.getSubcommands().get("train");
        IOException e = new IOException("broken", new IllegalStateException("underneath"));
        assertEquals(1, new ErrorReport(() -> true).handleExecutionException(e, train, null));
        List<String> lines = sink.toString().lines().toList();
        assertEquals(List.of("ug train: broken", "  caused by: underneath", "java.io.IOException: broken"),
                lines.subList(0, 3), sink.toString());
        assertTrue(lines.get(3).startsWith("\tat "), sink.toString());
        assertTrue(lines.contains("Caused by: java.lang.IllegalStateException: underneath"), sink.toString());
        assertFalse(sink.toString().contains("set UG_DEBUG=1"), "the trace is there: " + sink);

        sink.getBuffer().setLength(0);
        assertEquals(1, new ErrorReport(() -> false).handleExecutionException(e, train, null));
        assertEquals(List.of("ug train: broken", "  caused by: underneath", "  (set UG_DEBUG=1 for the stack trace)"),
                sink.toString().lines().toList());
    }
}
