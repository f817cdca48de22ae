package org.urbangraph.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.uge.TinyWorld;

/** {@code ug train} end to end, including a run killed mid-way (a real process) and resumed to the same bits. */
class TrainCommandTest {

    static String[] args(Path out, int steps, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--stage", "1", "--data", TinyWorld.monaco().toString(),
                "--model", TinyWorld.backbone().toString(), "--out", out.toString(), "--steps", Integer.toString(steps),
                "--batch-size", "4", "--checkpoint-every", "2", "--seed", "5", "--lr", "1e-3", "--warmup", "0",
                "--max-graph-nodes", "24"));
        a.addAll(List.of(extra));
        return a.toArray(new String[0]);
    }

    static int run(StringWriter err, String... args) {
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void aKilledRunResumesToTheSameBits(@TempDir Path tmp) throws Exception {
        int steps = 14;
        StringWriter err = new StringWriter();
        assertEquals(0, run(err, args(tmp.resolve("straight"), steps)), err.toString());

        Path out = tmp.resolve("killed");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args(out, steps)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("killed.log").toFile()).start();
        Path latest = out.resolve("checkpoints").resolve("latest");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (System.nanoTime() < deadline && p.isAlive()) {
            if (Files.isRegularFile(latest) && Files.readString(latest).trim().compareTo("step-000004") >= 0) {
                break;
            }
            Thread.sleep(20);
        }
        assertTrue(p.isAlive(), "the run was still going when killed; log: " + Files.readString(tmp.resolve("killed.log")));
        p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        assertFalse(Files.exists(out.resolve("model").resolve("uge.json")), "the killed run never finished");

        StringWriter err2 = new StringWriter();
        assertEquals(0, run(err2, args(out, steps, "--resume")), err2.toString());
        assertTrue(err2.toString().contains("resumed at step"), err2.toString());
        for (String f : List.of("adapter/adapter_model.safetensors", "new_token_rows.safetensors")) {
            assertArrayEquals(Files.readAllBytes(tmp.resolve("straight").resolve("model").resolve(f)),
                    Files.readAllBytes(out.resolve("model").resolve(f)), f + " equals the uninterrupted run's");
        }
        assertEquals(steps, Files.readAllLines(out.resolve("train_log.jsonl")).size());

        // a fresh run into the same --out would mix its checkpoints and log with this one's
        StringWriter err3 = new StringWriter();
        assertEquals(2, run(err3, args(out, steps)), err3.toString());
        assertTrue(err3.toString().contains("already holds a training run (checkpoints/step-000014)")
                && err3.toString().contains("--resume"), err3.toString());
        assertEquals(steps, Files.readAllLines(out.resolve("train_log.jsonl")).size(), "the log is untouched");
    }

    @Test
    void aResumeWithOtherSettingsIsAUsageErrorThatLeavesTheCheckpointAsItWas(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("run");
        StringWriter err = new StringWriter();
        assertEquals(0, run(err, args(out, 2)), err.toString());
        Path ckpt = out.resolve("checkpoints").resolve("step-000002");
        byte[] state = Files.readAllBytes(ckpt.resolve("trainer").resolve("trainer_state.json"));
        byte[] adapter = Files.readAllBytes(ckpt.resolve("model").resolve("adapter").resolve("adapter_model.safetensors"));
        List<String> log = Files.readAllLines(out.resolve("train_log.jsonl"));

        StringWriter bad = new StringWriter();
        assertEquals(2, run(bad, "train", "--stage", "1", "--data", TinyWorld.monaco().toString(), "--model",
                TinyWorld.backbone().toString(), "--out", out.toString(), "--steps", "2", "--batch-size", "2",
                "--checkpoint-every", "2", "--seed", "5", "--lr", "1e-4", "--warmup", "0", "--max-graph-nodes", "24",
                "--resume"), bad.toString());
        assertTrue(bad.toString().contains("--batch-size 4 (now 2)") && bad.toString().contains("--lr 0.001 (now 0.0001)")
                && bad.toString().contains("start a new run in another --out"), bad.toString());
        assertArrayEquals(state, Files.readAllBytes(ckpt.resolve("trainer").resolve("trainer_state.json")));
        assertArrayEquals(adapter,
                Files.readAllBytes(ckpt.resolve("model").resolve("adapter").resolve("adapter_model.safetensors")));
        assertEquals(log, Files.readAllLines(out.resolve("train_log.jsonl")), "the log is untouched");
    }

    @Test
    void numericOptionsOutOfRangeAreUsageErrorsBeforeAnyWork(@TempDir Path tmp) {
        String[][] cases = {
            {"--lr", "--stage", "1", "--lr", "0"},
            {"--lr", "--stage", "1", "--lr", "-1e-4"},
            {"--tau", "--stage", "1", "--tau", "0"},
            {"--warmup", "--stage", "1", "--warmup", "2"},
            {"--steps", "--stage", "1", "--steps", "0", "--epochs", "0"},
            {"--accumulation", "--stage", "1", "--batch-size", "4", "--accumulation", "3"},
            {"--stage", "--stage", "3"},
            {"--grad-cache", "--stage", "1", "--grad-cache", "-1"},
            {"--checkpoint-every", "--stage", "1", "--checkpoint-every", "-1"},
            {"--max-graph-nodes", "--stage", "1", "--max-graph-nodes", "-1"},
            {"--batch-size", "--stage", "1", "--batch-size", "1"},
        };
        for (int i = 0; i < cases.length; i++) {
            Path out = tmp.resolve("bad" + i);
            List<String> a = new ArrayList<>(List.of("train", "--data", TinyWorld.monaco().toString(), "--model",
                    TinyWorld.backbone().toString(), "--out", out.toString()));
            a.addAll(List.of(cases[i]).subList(1, cases[i].length));
            StringWriter err = new StringWriter();
            assertEquals(2, run(err, a.toArray(new String[0])), String.join(" ", a) + ": " + err);
            assertTrue(err.toString().contains(cases[i][0] + " must") || err.toString().contains("give " + cases[i][0]),
                    String.join(" ", a) + ": " + err);
            assertFalse(Files.exists(out), "nothing was written for " + String.join(" ", a));
        }
    }

    @Test
    void stageTwoTrainsAnAblatedGraphEncoderWhenAsked(@TempDir Path tmp) throws Exception {
        org.urbangraph.uge.model.UgeModels.stage1(TinyWorld.backbone(), false, 1, 24).save(tmp.resolve("s1"));
        StringWriter err = new StringWriter();
        assertEquals(0, run(err, "train", "--stage", "2", "--data", TinyWorld.monaco().toString(), "--model",
                tmp.resolve("s1").toString(), "--out", tmp.resolve("s2").toString(), "--steps", "1", "--batch-size",
                "4", "--encoder", "node-encoder-only", "--max-graph-nodes", "12"), err.toString());
        assertEquals(12, new com.fasterxml.jackson.databind.ObjectMapper().readTree(tmp.resolve("s2").resolve("model")
                .resolve("uge.json").toFile()).path("max_graph_nodes").asInt(), "the given cap replaces stage 1's 24");
        var config = org.urbangraph.graph.GraphEncoder.load(tmp.resolve("s2").resolve("model")
                .resolve("graph_encoder.safetensors")).config();
        assertEquals(0, config.numLayers(), "no message passing");
        StringWriter bad = new StringWriter();
        assertEquals(2, run(bad, "train", "--stage", "2", "--data", TinyWorld.monaco().toString(), "--model",
                tmp.resolve("s1").toString(), "--out", tmp.resolve("s3").toString(), "--encoder", "no-graph"));
        assertTrue(bad.toString().contains("--encoder 'no-graph'"), bad.toString());
        assertEquals(2, run(bad, args(tmp.resolve("s4"), 1, "--encoder", "no-coordinates")));
        assertTrue(bad.toString().contains("--encoder is for stage 2"), bad.toString());
    }

    @Test
    void heldOutCitiesAndMissingModelsAreRefused(@TempDir Path tmp) throws Exception {
        StringWriter err = new StringWriter();
        int code = run(err, "train", "--stage", "2", "--data", TinyWorld.monaco().toString(), "--out", tmp.toString());
        assertEquals(2, code);
        assertTrue(err.toString().contains("stage 2 needs --model"), err.toString());
    }
}
