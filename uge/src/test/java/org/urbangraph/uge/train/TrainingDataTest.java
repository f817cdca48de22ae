package org.urbangraph.uge.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.uge.TinyWorld;
import org.urbangraph.uge.model.TrainingData;
import org.urbangraph.uge.model.UgeCheckpoint;
import org.urbangraph.uge.model.UgeModel;
import org.urbangraph.uge.model.UgeModels;
import org.urbangraph.ugdata.dataset.UgDataset;
import org.urbangraph.ugdata.dataset.UgeSample;

/**
 * The record of what a model trained on: written into the model directory (and its checkpoints) by the trainer, kept
 * and added to by stage 2, absent (unknown) in directories written without it, which still load.
 */
class TrainingDataTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void stageOneRecordsItsDatasetAndImagesAndStageTwoAddsItsOwn(@TempDir Path tmp) throws Exception {
        UgDataset ds = UgDataset.open(TinyWorld.monaco());
        List<UgeSample> rows1 = ds.stage1();
        List<UgeSample> rows2 = ds.stage2();
        String manifestSha = sha256(TinyWorld.monaco().resolve("manifest.json"));

        UgeModel m1 = UgeModels.stage1(TinyWorld.backbone(), false, 1, 24);
        new UgeTrainer(m1, TrainingExample.of(rows1), TrainConfig.uge(1, 4, 1, 1, tmp.resolve("s1")),
                TrainingData.of(1, ds, rows1)).run(null);
        Path s1 = tmp.resolve("s1").resolve("model");
        JsonNode uge1 = JSON.readTree(s1.resolve("uge.json").toFile());
        JsonNode d1 = uge1.get("training_data");
        assertEquals(1, d1.size(), d1.toString());
        assertRecord(d1.get(0), 1, manifestSha, distinctImages(rows1).size());
        assertEquals(TrainingData.IMAGES_FILE, uge1.path("training_images").path("file").asText());
        assertEquals(hashes(distinctImages(rows1)), lines(s1.resolve(TrainingData.IMAGES_FILE)),
                "one hash per distinct training image, sorted");
        assertEquals(distinctImages(rows1).size(), uge1.path("training_images").path("count").asInt());
        // the checkpoint's model directory records the same
        Path ckpt = tmp.resolve("s1").resolve("checkpoints").resolve("step-000001").resolve("model");
        assertEquals(UgeCheckpoint.trainingData(s1), UgeCheckpoint.trainingData(ckpt));

        UgeModel m2 = UgeModels.stage2(s1, null, 2);
        assertEquals(UgeCheckpoint.trainingData(s1), m2.trainingData(), "stage 2 starts with stage 1's records");
        new UgeTrainer(m2, TrainingExample.of(rows2), TrainConfig.uge(2, 4, 1, 2, tmp.resolve("s2")),
                TrainingData.of(2, ds, rows2)).run(null);
        Path s2 = tmp.resolve("s2").resolve("model");
        JsonNode d2 = JSON.readTree(s2.resolve("uge.json").toFile()).get("training_data");
        assertEquals(2, d2.size(), d2.toString());
        assertRecord(d2.get(0), 1, manifestSha, distinctImages(rows1).size());
        assertRecord(d2.get(1), 2, manifestSha, distinctImages(rows2).size());
        Set<Path> both = new LinkedHashSet<>(distinctImages(rows1));
        both.addAll(distinctImages(rows2));
        assertEquals(hashes(both), lines(s2.resolve(TrainingData.IMAGES_FILE)), "both stages' images, each once");
        TrainingData read = UgeCheckpoint.trainingData(s2);
        assertEquals(Set.of(1, 2), read.stages());
        assertEquals(2, read.datasetsOf("monaco").size());
        assertEquals(both.size(), read.imageHashes().size());
    }

    @Test
    void aDirectoryWithoutRecordsLoadsAsUnknownAndADamagedHashFileIsNamed(@TempDir Path tmp) throws Exception {
        Path old = tmp.resolve("old");
        UgeModels.stage1(TinyWorld.backbone(), false, 1, 24).save(old); // as a model written before the records
        assertFalse(JSON.readTree(old.resolve("uge.json").toFile()).has("training_data"));
        assertFalse(Files.exists(old.resolve(TrainingData.IMAGES_FILE)));
        assertTrue(UgeCheckpoint.trainingData(old).isEmpty());
        assertTrue(UgeCheckpoint.load(old, null).trainingData().isEmpty(), "it loads, its training data unknown");

        // stage 2 on such a model records its own stage only: stage 1's data stays unknown
        UgDataset ds = UgDataset.open(TinyWorld.monaco());
        UgeModel m2 = UgeModels.stage2(old, null, 2);
        new UgeTrainer(m2, TrainingExample.of(ds.stage2()), TrainConfig.uge(2, 4, 1, 2, tmp.resolve("s2")),
                TrainingData.of(2, ds, ds.stage2())).run(null);
        assertEquals(Set.of(2), UgeCheckpoint.trainingData(tmp.resolve("s2").resolve("model")).stages());

        Path hashes = tmp.resolve("s2").resolve("model").resolve(TrainingData.IMAGES_FILE);
        List<String> kept = Files.readAllLines(hashes);
        Files.write(hashes, kept.subList(1, kept.size()));
        IOException e = assertThrows(IOException.class,
                () -> UgeCheckpoint.trainingData(tmp.resolve("s2").resolve("model")));
        assertTrue(e.getMessage().contains(hashes.toString()) && e.getMessage().contains("incomplete"),
                e.getMessage());

        // records of another stage than the run's are refused
        UgeModel m1 = UgeModels.stage1(TinyWorld.backbone(), false, 1, 24);
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> new UgeTrainer(m1,
                TrainingExample.of(ds.stage1()), TrainConfig.uge(1, 4, 1, 1, tmp.resolve("x")),
                TrainingData.of(2, ds, ds.stage2())));
        assertTrue(wrong.getMessage().contains("stage 2"), wrong.getMessage());
    }

    private static void assertRecord(JsonNode d, int stage, String manifestSha, int images) {
        assertEquals(stage, d.path("stage").asInt(), d.toString());
        assertEquals("monaco", d.path("city").asText(), d.toString());
        assertEquals("train", d.path("split").asText(), d.toString());
        assertEquals(manifestSha, d.path("manifest_sha256").asText(), d.toString());
        assertEquals(TinyWorld.monaco().toAbsolutePath().normalize().toString(), d.path("dataset").asText());
        assertEquals(images, d.path("images").asInt(), d.toString());
    }

    private static Set<Path> distinctImages(List<UgeSample> rows) {
        Set<Path> out = new LinkedHashSet<>();
        rows.forEach(r -> r.images().forEach(i -> out.add(i.toAbsolutePath().normalize())));
        assertTrue(out.size() > 3, "the rows name images: " + out);
        return out;
    }

    /** The sorted hashes of the files; as many as files, since no two training images have the same bytes. */
    private static List<String> hashes(Set<Path> files) throws Exception {
        Set<String> s = new TreeSet<>();
        for (Path f : files) {
            s.add(sha256(f));
        }
        assertEquals(files.size(), s.size(), "distinct images have distinct bytes");
        return new ArrayList<>(s);
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.readAllLines(file);
    }

    private static String sha256(Path f) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }
}
