package org.urbangraph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.uge.TinyWorld;
import org.urbangraph.ugdata.dataset.BundledFiles;

/**
 * The tiny backbone's tokenizer folder: the bundled one is found as the bundled cities are, from the jar when ug runs
 * in a directory outside the repository; one given with --tokenizer is taken as given; a missing one stops
 * {@code ug quickstart} before anything is built.
 */
class BundledTokenizerTest {

    /** ug.jar of this checkout, where the launcher builds it (the search only walks up from it). */
    private static Path jar() {
        return Fixtures.root().getParent().resolve("cli").resolve("target").resolve("ug.jar");
    }

    @Test
    void theBundledTokenizerIsFoundFromTheJarWhenTheWorkingDirectoryIsElsewhere(@TempDir Path elsewhere)
            throws Exception {
        List<Path> starts = List.of(elsewhere, jar());
        assertEquals(Fixtures.path("tokenizer", "qwen2").toRealPath(),
                BundledTokenizer.resolve(null, starts).toRealPath());
        // the cities are found the same way, by the same search
        assertEquals(Fixtures.path("data").toRealPath(), BundledFiles.find(starts, Path.of("fixtures", "data"),
                d -> Files.isDirectory(d.resolve("cities")), null).orElseThrow().toRealPath());
    }

    @Test
    void withoutTheRepositoryTheMessageSaysToGiveTheFolder(@TempDir Path elsewhere) {
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> BundledTokenizer.resolve(null, List.of(elsewhere)));
        assertTrue(e.getMessage().contains(BundledTokenizer.DEFAULT) && e.getMessage().contains("--tokenizer"),
                e.getMessage());
    }

    @Test
    void aGivenFolderIsTakenAsGivenAndMustHoldTheTokenizer(@TempDir Path elsewhere) throws Exception {
        Path qwen2 = Fixtures.path("tokenizer", "qwen2");
        assertEquals(qwen2, BundledTokenizer.resolve(qwen2, List.of(elsewhere)));
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> BundledTokenizer.resolve(elsewhere, List.of(jar())));
        assertTrue(e.getMessage().contains(elsewhere.resolve("tokenizer.json").toString()), e.getMessage());
        // relative to the working directory (the cli module under Maven), never looked for next to the jar
        Path relative = Path.of(BundledTokenizer.DEFAULT);
        assumeFalse(Files.exists(relative), "runs in a working directory other than the repository root");
        assertThrows(NoSuchFileException.class, () -> BundledTokenizer.resolve(relative, List.of(jar())));
    }

    @Test
    void trainTinyFindsTheBundledTokenizerOutsideTheRepositoryRoot(@TempDir Path tmp) throws Exception {
        assumeFalse(Files.exists(Path.of(BundledTokenizer.DEFAULT)),
                "runs in a working directory other than the repository root");
        StringWriter stderr = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(stderr));
        int code = cl.execute("train", "--stage", "1", "--data", TinyWorld.monaco().toString(), "--tiny", "--out",
                tmp.resolve("run").toString(), "--steps", "1", "--batch-size", "4", "--max-graph-nodes", "24");
        assertEquals(0, code, stderr.toString());
        assertEquals(-1L, Files.mismatch(Fixtures.path("tokenizer", "qwen2", "tokenizer.json"),
                tmp.resolve("run").resolve("tiny-backbone").resolve("tokenizer.json")));
    }

    @Test
    void quickstartChecksTheTokenizerBeforeBuildingAnything(@TempDir Path tmp) {
        Path out = tmp.resolve("out");
        StringWriter stderr = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(stderr));
        int code = cl.execute("quickstart", "--out", out.toString(), "--views", "4", "--tokenizer",
                tmp.resolve("no-tokenizer").toString());
        assertEquals(1, code, stderr.toString());
        assertTrue(stderr.toString().startsWith("ug quickstart: ")
                && stderr.toString().contains(tmp.resolve("no-tokenizer").resolve("tokenizer.json").toString()),
                stderr.toString());
        assertFalse(Files.exists(out), "nothing was built");
    }
}
