package org.urbangraph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.testkit.Fixtures;
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
}
