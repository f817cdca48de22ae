package org.urbangraph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.ugbench.TestCities;
import org.urbangraph.ugbench.task.TaskFiles;
import org.urbangraph.uge.TinyWorld;
import org.urbangraph.uge.model.UgeModels;
import org.urbangraph.ugdata.dataset.BenchSample;
import org.urbangraph.ugdata.dataset.UgDataset;
import org.urbangraph.ugdata.dataset.UgeSample;
import picocli.CommandLine;

/**
 * {@code ug train} records each stage's training data in the model directory, and {@code ug bench --adapter} refuses a
 * benchmark image with the bytes of a training image and a held-out dataset of a trained city, and warns (without
 * failing) for a model directory that records no training data.
 */
class BenchTrainingDataCommandTest {
    @TempDir
    static Path tmp;

    /** Stage 1 and stage 2 trained by ug train on the tiny Monaco build (one step each). */
    static Path stage1;
    static Path stage2;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void train() {
        String monaco = TinyWorld.monaco().toString();
        StringWriter log = new StringWriter();
        assertEquals(0, execute(log, new StringWriter(), "train", "--stage", "1", "--data", monaco, "--model",
                TinyWorld.backbone().toString(), "--out", tmp.resolve("run1").toString(), "--steps", "1",
                "--batch-size", "4", "--max-graph-nodes", "24", "--seed", "3"), log.toString());
        stage1 = tmp.resolve("run1").resolve("model");
        assertEquals(0, execute(log, new StringWriter(), "train", "--stage", "2", "--data", monaco, "--model",
                stage1.toString(), "--out", tmp.resolve("run2").toString(), "--steps", "1", "--batch-size", "4",
                "--seed", "3"), log.toString());
        stage2 = tmp.resolve("run2").resolve("model");
    }

    private static int execute(StringWriter err, StringWriter out, String... args) {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    private int run(String... args) {
        return execute(err, out, args);
    }

    @Test
    void ugTrainRecordsEachStagesDatasetsAndImages() throws Exception {
        UgDataset ds = UgDataset.open(TinyWorld.monaco());
        String manifestSha = sha256(TinyWorld.monaco().resolve("manifest.json"));
        Set<Path> images1 = images(ds.stage1());
        Set<Path> images2 = images(ds.stage2());

        JsonNode uge1 = JSON.readTree(stage1.resolve("uge.json").toFile());
        assertEquals(1, uge1.get("training_data").size(), uge1.toString());
        assertRecord(uge1.get("training_data").get(0), 1, manifestSha, images1.size());
        assertEquals(hashes(images1), Files.readAllLines(stage1.resolve("training_images.txt")));

        JsonNode uge2 = JSON.readTree(stage2.resolve("uge.json").toFile());
        assertEquals(2, uge2.get("training_data").size(), "stage 1's record kept, stage 2's added: " + uge2);
        assertRecord(uge2.get("training_data").get(0), 1, manifestSha, images1.size());
        assertRecord(uge2.get("training_data").get(1), 2, manifestSha, images2.size());
        Set<Path> both = new LinkedHashSet<>(images1);
        both.addAll(images2);
        List<String> lines = Files.readAllLines(stage2.resolve("training_images.txt"));
        assertEquals(hashes(both), lines, "every training image of both stages, once, sorted");
        assertEquals(both.size(), uge2.path("training_images").path("count").asInt());
    }

    @Test
    void aTrainingImageAsACandidateOfARebuiltDatasetIsRefused() throws Exception {
        UgDataset ds = UgDataset.open(TinyWorld.monaco());
        Path trainingImage = ds.stage1().getFirst().images().getFirst();
        BenchSample q = ds.bench("text_to_image").getFirst();
        Path benchImage = q.candidates().get(0).image();
        Path otherBenchImage = q.candidates().get(1).image();

        // Monaco built again (as with another seed): one of the old build's training images is a benchmark image
        Path rebuilt = rebuilt("monaco-rebuilt", benchImage, trainingImage);
        Path reports = tmp.resolve("refused");
        assertEquals(1, run("bench", "--data", rebuilt.toString(), "--model", TinyWorld.backbone().toString(),
                "--adapter", stage2.toString(), "--out", reports.toString(), "--no-cache", "--bootstrap", "100",
                "-q"), err.toString());
        String e = err.toString();
        assertTrue(e.startsWith("ug bench: dataset " + rebuilt + ": "), e);
        assertTrue(e.contains(rebuilt.resolve("bench").resolve("text_to_image.jsonl") + ": line 1"), e);
        assertTrue(e.contains("candidates[1] (b), the image " + Path.of("images", "view-b.png")), e);
        assertTrue(e.contains("training image of the model " + stage2), e);
        assertFalse(Files.exists(reports.resolve("results.json")));

        // the same question on images the model did not train on runs
        Path clean = rebuilt("monaco-clean", benchImage, otherBenchImage);
        err.getBuffer().setLength(0);
        assertEquals(0, run("bench", "--data", clean.toString(), "--model", TinyWorld.backbone().toString(),
                "--adapter", stage2.toString(), "--out", tmp.resolve("clean").toString(), "--no-cache",
                "--bootstrap", "100", "-q"), err.toString());
        assertFalse(err.toString().contains("warning"), err.toString());
    }

    /**
     * A hand-made training-split Monaco dataset with one text-to-image question: candidate a (images/view-a.png)
     * has the bytes of {@code a}, candidate b (images/view-b.png) those of {@code b}.
     */
    private static Path rebuilt(String name, Path a, Path b) throws Exception {
        TaskFiles f = new TaskFiles(tmp.resolve(name), "monaco", "train");
        ObjectNode row = f.row("text_to_image", List.of("text"), null, null, "a street by the harbour");
        Files.createDirectories(f.dir().resolve("images"));
        Files.copy(a, f.dir().resolve("images").resolve("view-a.png"));
        Files.copy(b, f.dir().resolve("images").resolve("view-b.png"));
        TaskFiles.imageCandidate(row, "a", "images/view-a.png");
        TaskFiles.imageCandidate(row, "b", "images/view-b.png");
        row.put("answer", 0);
        return f.write();
    }

    @Test
    void aHeldOutDatasetOfATrainedCityIsRefused() throws Exception {
        List<Path> cities = TestCities.dirs(); // Berlin for training, Monaco held out
        Path reports = tmp.resolve("held-out");
        assertEquals(1, run("bench", "--data", cities.get(0).toString(), cities.get(1).toString(), "--model",
                TinyWorld.backbone().toString(), "--adapter", stage1.toString(), "--out", reports.toString(),
                "--no-cache", "--tasks", "geolocation", "--max-per-task", "2", "--bootstrap", "100", "-q"),
                err.toString());
        String e = err.toString();
        assertTrue(e.contains(cities.get(1) + " is a held-out dataset of city 'monaco'"), e);
        assertTrue(e.contains("the model " + stage1) && e.contains("was trained on monaco"), e);
        assertFalse(Files.exists(reports.resolve("results.json")));
    }

    @Test
    void aModelWithoutRecordsIsBenchmarkedWithOneWarning() throws Exception {
        Path old = tmp.resolve("old").resolve("model");
        UgeModels.stage1(TinyWorld.backbone(), false, 1, 24).save(old); // as a directory written before the records
        assertFalse(Files.exists(old.resolve("training_images.txt")));
        List<Path> cities = TestCities.dirs();
        Path reports = tmp.resolve("old-reports");
        assertEquals(0, run("bench", "--data", cities.get(0).toString(), cities.get(1).toString(), "--model",
                TinyWorld.backbone().toString(), "--adapter", old.toString(), "--out", reports.toString(),
                "--no-cache", "--tasks", "geolocation", "--max-per-task", "2", "--bootstrap", "100", "-q"),
                err.toString());
        List<String> warnings = err.toString().lines().filter(l -> l.contains("warning")).toList();
        assertEquals(1, warnings.size(), err.toString());
        assertTrue(warnings.getFirst().startsWith("ug bench: warning: the UGE model " + old
                + " records no training data"), warnings.getFirst());
        assertTrue(Files.readString(reports.resolve("results.md")).contains("records no training data"),
                "the report says so too");
    }

    private static void assertRecord(JsonNode d, int stage, String manifestSha, int images) {
        assertEquals(stage, d.path("stage").asInt(), d.toString());
        assertEquals("monaco", d.path("city").asText(), d.toString());
        assertEquals("train", d.path("split").asText(), d.toString());
        assertEquals(manifestSha, d.path("manifest_sha256").asText(), d.toString());
        assertEquals(images, d.path("images").asInt(), d.toString());
    }

    private static Set<Path> images(List<UgeSample> rows) {
        Set<Path> out = new LinkedHashSet<>();
        rows.forEach(r -> r.images().forEach(i -> out.add(i.toAbsolutePath().normalize())));
        assertTrue(out.size() > 3, out.toString());
        return out;
    }

    private static List<String> hashes(Set<Path> files) throws Exception {
        Set<String> s = new TreeSet<>();
        for (Path f : files) {
            s.add(sha256(f));
        }
        assertEquals(files.size(), s.size(), "distinct images have distinct bytes");
        return List.copyOf(s);
    }

    private static String sha256(Path f) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }
}
