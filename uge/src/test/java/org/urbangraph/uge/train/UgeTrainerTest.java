package org.urbangraph.uge.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Parameter;
import org.urbangraph.uge.TinyWorld;
import org.urbangraph.uge.model.UgeCheckpoint;
import org.urbangraph.uge.model.UgeModel;
import org.urbangraph.uge.model.UgeModels;
import org.urbangraph.ugdata.dataset.UgDataset;

/** Training on a tiny backbone and a small Monaco build: learning happens, resumes are exact, divergence stops. */
class UgeTrainerTest {

    static List<TrainingExample> stage1() throws Exception {
        return TrainingExample.of(UgDataset.open(TinyWorld.monaco()).stage1());
    }

    @Test
    void lossFallsOnAFixedSmallBatch(@TempDir Path out) throws Exception {
        List<TrainingExample> data = stage1().subList(0, 4);
        UgeModel m = UgeModels.stage1(TinyWorld.backbone(), true, 1, 24);
        TrainConfig cfg = TrainConfig.uge(1, 4, 30, 3, out).withLr(2e-3).withWarmup(0).withTau(0.05);
        UgeTrainer t = new UgeTrainer(m, data, cfg);
        t.run(null);
        List<String> lines = Files.readAllLines(out.resolve("train_log.jsonl"));
        assertEquals(30, lines.size());
        ObjectMapper json = new ObjectMapper();
        double first = json.readTree(lines.get(0)).get("loss").asDouble();
        double last = 0;
        for (String l : lines.subList(25, 30)) {
            last += json.readTree(l).get("loss").asDouble() / 5;
        }
        assertTrue(last < 0.5 * first, "loss fell from " + first + " to " + last);
        assertTrue(Files.size(out.resolve("loss_curve.png")) > 1000, "a loss curve was drawn");
        assertTrue(Files.isRegularFile(out.resolve("model").resolve("uge.json")));
        assertTrue(Files.isRegularFile(out.resolve("model").resolve("backbone").resolve("model.safetensors")),
                "the trained base weights are saved with the model");
        UgeTrainer again = new UgeTrainer(UgeModels.stage1(TinyWorld.backbone(), true, 1, 24), data, cfg);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> again.run(null));
        assertTrue(e.getMessage().contains("already holds a training run (checkpoints/step-000030)"), e.getMessage());
        assertEquals(30, Files.readAllLines(out.resolve("train_log.jsonl")).size(), "the first run's log is kept");
    }

    @Test
    void resumingFromACheckpointEndsWithTheSameBits(@TempDir Path tmp) throws Exception {
        List<TrainingExample> data = stage1();
        TrainConfig a = TrainConfig.uge(1, 4, 6, 11, tmp.resolve("straight")).withCheckpointEvery(2).withLr(1e-3);
        UgeModel ma = UgeModels.stage1(TinyWorld.backbone(), true, 2, 24);
        UgeTrainer ta = new UgeTrainer(ma, data, a);
        ta.run(null);

        // the same run, as if it had died after writing its step-4 checkpoint (later files removed), then resumed by a
        // fresh trainer in a fresh model (a real kill of a running process is tested with `ug train`)
        Path out = tmp.resolve("resumed");
        TrainConfig c = TrainConfig.uge(1, 4, 6, 11, out).withCheckpointEvery(2).withLr(1e-3);
        new UgeTrainer(UgeModels.stage1(TinyWorld.backbone(), true, 2, 24), data, c).run(null);
        Checkpoints.deleteTree(out.resolve("checkpoints").resolve("step-000006"));
        Checkpoints.deleteTree(out.resolve("model"));
        Files.writeString(out.resolve("checkpoints").resolve("latest"), "step-000006\n");
        UgeModel mc = UgeModels.stage1(TinyWorld.backbone(), true, 2, 24);
        UgeTrainer tc = new UgeTrainer(mc, data, c);
        assertTrue(tc.resume(), "a checkpoint was found");
        assertEquals(4, tc.state().step());
        tc.run(null);
        assertSameWeights(ta.parameters(), tc.parameters());
        assertEquals(6, Files.readAllLines(out.resolve("train_log.jsonl")).size(), "the log has each step once");
    }

    static void assertSameWeights(Map<String, Parameter> a, Map<String, Parameter> b) {
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k).tensor().toFloatArray(), b.get(k).tensor().toFloatArray(), k);
        }
    }

    @Test
    void aNonFiniteLossStopsTheRunNamingTheStepAndTheCheckpoint(@TempDir Path out) throws Exception {
        List<TrainingExample> data = stage1();
        UgeModel m = UgeModels.stage1(TinyWorld.backbone(), false, 4, 24);
        TrainConfig cfg = TrainConfig.uge(1, 4, 5, 1, out).withCheckpointEvery(1);
        new UgeTrainer(m, data, cfg).run(null);
        // as if the run had died after its step-4 checkpoint; resumed, then one LoRA weight poisoned
        Checkpoints.deleteTree(out.resolve("checkpoints").resolve("step-000005"));
        Files.writeString(out.resolve("checkpoints").resolve("latest"), "step-000004\n");
        UgeTrainer t2 = new UgeTrainer(m, data, cfg);
        assertTrue(t2.resume());
        try (NoGrad g = NoGrad.enter()) {
            Parameter p = m.lora().parameters().values().iterator().next();
            p.tensor().copyFrom(Tensor.full(Double.NaN, p.shape()));
        }
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> t2.run(null));
        assertEquals(5, e.step());
        assertEquals(4, e.batch().size());
        assertNotNull(e.lastGoodCheckpoint());
        assertTrue(e.getMessage().contains("step-000004"), e.getMessage());
    }

    @Test
    void aResumeWithOtherSettingsIsRefusedAndLeavesTheRunAsItWas(@TempDir Path out) throws Exception {
        List<TrainingExample> data = stage1();
        TrainConfig cfg = TrainConfig.uge(1, 4, 2, 1, out).withCheckpointEvery(1);
        new UgeTrainer(UgeModels.stage1(TinyWorld.backbone(), false, 4, 24), data, cfg).run(null);
        Path state = out.resolve("checkpoints").resolve("step-000002").resolve("trainer").resolve("trainer_state.json");
        String stateBefore = Files.readString(state);
        List<String> logBefore = Files.readAllLines(out.resolve("train_log.jsonl"));

        UgeTrainer other = new UgeTrainer(UgeModels.stage1(TinyWorld.backbone(), false, 4, 24), data,
                TrainConfig.uge(1, 2, 2, 1, out).withCheckpointEvery(1).withLr(1e-3));
        ResumeSettingsException e = assertThrows(ResumeSettingsException.class, other::resume);
        assertEquals(List.of("batch_size", "lr"), e.changes().stream().map(ResumeSettingsException.Change::setting)
                .toList());
        assertTrue(e.getMessage().contains("batch_size 4 (now 2), lr 0.00005 (now 0.001)")
                && e.getMessage().contains("resume with the original settings"), e.getMessage());
        assertEquals(stateBefore, Files.readString(state), "the checkpoint is untouched");
        assertEquals(logBefore, Files.readAllLines(out.resolve("train_log.jsonl")), "the log is untouched");

        // a checkpoint from before the settings were recorded resumes as it did, flagged as unchecked
        ObjectMapper json = new ObjectMapper();
        var node = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(state.toFile());
        node.remove("settings");
        Files.writeString(state, json.writeValueAsString(node));
        UgeTrainer old = new UgeTrainer(UgeModels.stage1(TinyWorld.backbone(), false, 4, 24), data,
                TrainConfig.uge(1, 4, 3, 1, out));
        assertTrue(old.resume());
        assertTrue(old.settingsUnchecked());
        assertEquals(2, old.state().step());
    }

    /** A stage-2 trainer (on the Monaco stage-2 rows) of a stage-1 model trained two steps under tmp/s1. */
    static UgeTrainer stageTwo(Path tmp, TrainConfig cfg) throws Exception {
        UgeModel s1 = UgeModels.stage1(TinyWorld.backbone(), true, 1, 24);
        new UgeTrainer(s1, stage1(), TrainConfig.uge(1, 4, 2, 1, tmp.resolve("s1"))).run(null);
        UgeModel s2 = UgeModels.stage2(tmp.resolve("s1").resolve("model"), null, 9);
        return new UgeTrainer(s2, TrainingExample.of(UgDataset.open(TinyWorld.monaco()).stage2()), cfg);
    }

    @Test
    void biasesAndNormWeightsTakeNoWeightDecay(@TempDir Path tmp) throws Exception {
        UgeTrainer t = stageTwo(tmp, TrainConfig.uge(2, 4, 1, 1, tmp.resolve("s2")));
        Map<String, Double> decayOf = new java.util.HashMap<>();
        Map<String, String> groupOf = new java.util.HashMap<>();
        for (var g : t.groups()) {
            assertEquals(g.name().endsWith(UgeTrainer.NO_DECAY) ? 0.0 : 0.1, g.weightDecay(), g.name());
            g.params().forEach((k, p) -> {
                decayOf.put(k, g.weightDecay());
                groupOf.put(k, g.name());
            });
        }
        assertEquals(t.parameters().keySet(), decayOf.keySet(), "every trainable parameter in exactly one group");
        assertEquals(List.of("lora", "lora.no_decay", "graph_encoder", "graph_encoder.no_decay"),
                t.groups().stream().map(g -> g.name()).toList());
        // in this model the biases and norm weights are exactly its vectors: projections, LoRA factors, embedding
        // rows and the attention vectors of GATv2 (heads x channels) all have two or more dimensions
        int exempt = 0;
        for (Map.Entry<String, Double> e : decayOf.entrySet()) {
            boolean vector = t.parameters().get(e.getKey()).shape().length == 1;
            assertEquals(vector ? 0.0 : 0.1, e.getValue(), e.getKey());
            exempt += vector ? 1 : 0;
        }
        assertTrue(exempt > 10, exempt + " exempt parameters");
        assertTrue(decayOf.keySet().stream().anyMatch(k -> k.startsWith("base.") && k.endsWith("norm.weight")
                && decayOf.get(k) == 0.0), "the decoder's RMSNorm weights are exempt: " + decayOf.keySet());
        assertEquals("lora", groupOf.get("new_token_rows.weight"));
        assertTrue(decayOf.keySet().stream().anyMatch(k -> k.startsWith("graph_encoder.") && k.endsWith(".bias")
                && decayOf.get(k) == 0.0), "graph-encoder biases are exempt");
        assertTrue(decayOf.keySet().stream().anyMatch(k -> k.contains("lora_A") && decayOf.get(k) == 0.1),
                "LoRA factors decay");
    }

    @Test
    void stageTwoStartsFromStageOneAndTrainsTheGraphEncoderFaster(@TempDir Path tmp) throws Exception {
        stageTwo(tmp, TrainConfig.uge(2, 4, 2, 1, tmp.resolve("s2")).withWarmup(0)).run(null);
        var log = new ObjectMapper().readTree(Files.readAllLines(tmp.resolve("s2").resolve("train_log.jsonl")).get(0));
        double ge = log.get("lr").get("graph_encoder").asDouble();
        double rest = log.get("lr").get("lora").asDouble();
        assertEquals(10 * rest, ge, 1e-12, "graph encoder at the base rate, the rest at a tenth");
        UgeModel loaded = UgeCheckpoint.load(tmp.resolve("s2").resolve("model"), null);
        assertNotNull(loaded.graphEncoder());
        assertEquals(2, UgeCheckpoint.info(tmp.resolve("s2").resolve("model")).stage());
        assertEquals(8, UgeCheckpoint.load(tmp.resolve("s2").resolve("model"), null, true, 7).graphEncoder().rng()
                .seed(), "loaded for training, the encoder's dropout is seeded as a fresh stage 2 would seed it");
        java.io.IOException e = assertThrows(java.io.IOException.class,
                () -> UgeModels.stage2(tmp.resolve("s2").resolve("model"), null, 9));
        assertTrue(e.getMessage().contains("a stage-2 model"), e.getMessage());
    }
}
