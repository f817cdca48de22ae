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
import java.util.List;
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
        assertTrue(out.toString().contains("Berlin Tiergarten: 3 images (3 synthetic)"), out.toString());
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
}
