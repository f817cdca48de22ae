package org.urbangraph.ugbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.ugbench.cache.InputHasher;
import org.urbangraph.ugbench.task.BenchData;
import org.urbangraph.ugbench.task.TaskFiles;
import org.urbangraph.uge.embed.EmbedInput;
import org.urbangraph.uge.embed.Embedder;
import org.urbangraph.uge.embed.TrainedOn;
import org.urbangraph.uge.model.TrainingData;
import org.urbangraph.ugdata.dataset.UgDataset;

/**
 * A variant whose model records its training data is not benchmarked on its training images (found by their bytes,
 * in another build of the city) nor on a held-out dataset of a city it trained on; one without records is run, with
 * a warning in the report's notes. Nothing is embedded before the check.
 */
class TrainingDataCheckTest {
    @TempDir
    Path tmp;

    /** Embeds every input as the same vector and counts the inputs it was given. */
    private static final class Counting implements Embedder {
        final AtomicInteger embedded = new AtomicInteger();
        private final TrainedOn trainedOn;

        Counting(TrainedOn trainedOn) {
            this.trainedOn = trainedOn;
        }

        @Override
        public String id() {
            return "counting";
        }

        @Override
        public int dimension() {
            return 2;
        }

        @Override
        public float[][] embed(List<EmbedInput> inputs) {
            embedded.addAndGet(inputs.size());
            float[][] out = new float[inputs.size()][];
            Arrays.setAll(out, i -> new float[] {1, 0});
            return out;
        }

        @Override
        public TrainedOn trainedOn() {
            return trainedOn;
        }
    }

    /** The first build of "town": stage-1 rows on two images; the model trained on these rows. */
    private TrainingData firstBuild() throws IOException {
        TaskFiles f = new TaskFiles(tmp.resolve("town-seed-1"), "town", "train");
        f.trainingRow(f.file("images/t1.png", "pixels of view one"), "On Main Street.");
        f.trainingRow(f.file("images/t2.png", "pixels of view two"), "On Side Street.");
        ObjectNode r = f.row("text_to_image", List.of("text"), null, null, "a street");
        TaskFiles.imageCandidate(r, "a", f.file("images/e1.png", "pixels of view three"));
        TaskFiles.imageCandidate(r, "b", f.file("images/e2.png", "pixels of view four"));
        r.put("answer", 0);
        UgDataset ds = UgDataset.open(f.write());
        return TrainingData.of(1, ds, ds.stage1());
    }

    /**
     * A build of the given city and split with one text-to-image question; its second candidate has the given bytes
     * (a training image of the first build where {@code secondBytes} is one).
     */
    private Path build(String name, String city, String split, String secondBytes) throws IOException {
        TaskFiles f = new TaskFiles(tmp.resolve(name), city, split);
        ObjectNode r = f.row("text_to_image", List.of("text"), null, null, "a street");
        TaskFiles.imageCandidate(r, "a", f.file("images/x1.png", "pixels of view five"));
        TaskFiles.imageCandidate(r, "b", f.file("images/x2.png", secondBytes));
        r.put("answer", 0);
        return f.write();
    }

    private static BenchResults run(Path dataset, Embedder e) throws IOException {
        BenchConfig cfg = BenchConfig.builder(List.of(dataset)).bootstrap(100).build();
        return UgBench.run(cfg, List.of(BenchVariant.of("stage 1 (run)", e)));
    }

    @Test
    void aTrainingImageAsACandidateOfARebuiltDatasetIsRefused() throws Exception {
        Counting model = new Counting(new TrainedOn("/models/run/model", 1, firstBuild()));
        // the rebuild split the city's images otherwise: t1's bytes are a benchmark image here
        Path rebuilt = build("town-seed-2", "town", "train", "pixels of view one");
        IOException e = assertThrows(IOException.class, () -> run(rebuilt, model));
        String m = e.getMessage();
        assertTrue(m.contains("dataset " + rebuilt), m);
        assertTrue(m.contains(rebuilt.resolve("bench").resolve("text_to_image.jsonl") + ": line 1"), m);
        assertTrue(m.contains("candidates[1] (b), the image " + Path.of("images", "x2.png")), m);
        assertTrue(m.contains("/models/run/model") && m.contains("training image"), m);
        assertEquals(0, model.embedded.get(), "refused before anything was embedded");

        // a build whose images the model never saw is benchmarked, its city a training city
        Path other = build("town-seed-3", "town", "train", "pixels of view six");
        assertEquals(1, run(other, model).cities().size());
        assertTrue(model.embedded.get() > 0);
    }

    @Test
    void aHeldOutDatasetOfATrainedCityIsRefused() throws Exception {
        Counting model = new Counting(new TrainedOn("/models/run/model", 1, firstBuild()));
        Path heldOut = build("town-held-out", "town", "held-out", "pixels of view six");
        IOException e = assertThrows(IOException.class, () -> run(heldOut, model));
        String m = e.getMessage();
        assertTrue(m.contains(heldOut + " is a held-out dataset of city 'town'"), m);
        assertTrue(m.contains("/models/run/model") && m.contains("was trained on town"), m);
        assertTrue(m.contains(tmp.resolve("town-seed-1").toAbsolutePath().normalize().toString()),
                "names the dataset it trained on: " + m);
        assertEquals(0, model.embedded.get());

        // held out for a model trained elsewhere
        Path village = build("village", "village", "held-out", "pixels of view one x");
        assertEquals(1, run(village, model).cities().size());
    }

    @Test
    void aModelWithoutRecordsIsRunWithAWarningAndABackboneWithoutOne() throws Exception {
        Path heldOut = build("town-held-out", "town", "held-out", "pixels of view one");
        BenchResults r = run(heldOut, new Counting(new TrainedOn("/models/old/model", 1, TrainingData.NONE)));
        assertTrue(r.notes().stream().anyMatch(n -> n.startsWith("Variant 'stage 1 (run)': ")
                && n.contains("/models/old/model records no training data")), r.notes().toString());
        BenchResults plain = run(heldOut, new Counting(null));
        assertTrue(plain.notes().stream().noneMatch(n -> n.contains("training data")), plain.notes().toString());
    }

    @Test
    void eachBenchmarkImageIsHashedOncePerRun() throws Exception {
        TrainingData trained = firstBuild();
        Path other = build("town-seed-3", "town", "train", "pixels of view six");
        BenchConfig cfg = BenchConfig.builder(List.of(other)).bootstrap(100).build();
        BenchData data = UgBench.load(cfg);
        List<BenchVariant> variants = List.of(
                BenchVariant.of("stage 1", new Counting(new TrainedOn("/models/a/model", 1, trained))),
                BenchVariant.of("stage 2", new Counting(new TrainedOn("/models/b/model", 2, trained))));

        // the check digests with the function it is given, each image once for all variants
        InputHasher hasher = new InputHasher();
        Map<Path, Integer> calls = new HashMap<>();
        TrainingDataCheck.check(data, variants, f -> {
            calls.merge(f, 1, Integer::sum);
            return hasher.fileDigest(f);
        }, null);
        assertEquals(2, calls.size(), calls.toString());
        assertTrue(calls.values().stream().allMatch(n -> n == 1), calls.toString());

        // a run reads each of the two candidate images once: the check and the cache keys share one hasher
        InputHasher run = new InputHasher();
        UgBench.run(cfg, data, variants, run);
        assertEquals(2, run.filesRead());

        // the check hashes with the run's hasher: a refused run, which embeds nothing, has read the images through it
        Path rebuilt = build("town-seed-2", "town", "train", "pixels of view one");
        BenchConfig refusedCfg = BenchConfig.builder(List.of(rebuilt)).bootstrap(100).build();
        InputHasher refused = new InputHasher();
        assertThrows(IOException.class, () -> UgBench.run(refusedCfg, UgBench.load(refusedCfg), variants, refused));
        assertEquals(2, refused.filesRead());
    }
}
