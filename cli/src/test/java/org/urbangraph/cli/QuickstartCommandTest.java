package org.urbangraph.cli;

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
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.testkit.Fixtures;

/**
 * The main job end to end at a few steps: every bundled city built, both stages trained, UGBench run for the three
 * variants on training and held-out cities, the table printed and the report written where the output says.
 */
class QuickstartCommandTest {

    @Test
    void runsEveryStageAndSaysWhereTheReportIs(@TempDir Path out) throws Exception {
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(stdout));
        cl.setErr(new PrintWriter(stderr));
        int code = cl.execute("quickstart", "--out", out.toString(), "--views", "10", "--stage1-steps", "3",
                "--stage2-steps", "3", "--batch-size", "4", "--bench-max", "4", "--tokenizer",
                Fixtures.path("tokenizer", "qwen2").toString());
        assertEquals(0, code, stderr.toString());
        String text = stdout.toString();
        assertTrue(text.contains("Report: " + out.resolve("report").resolve("report.html").toAbsolutePath()), text);
        assertTrue(text.contains("Copenhagen (held-out)") && text.contains("Monaco (train)"), text);
        assertTrue(stderr.toString().contains("base weights train too"), "the run says the base trains too");
        JsonNode rows = new ObjectMapper().readTree(out.resolve("report").resolve("results.json").toFile()).get("rows");
        Set<String> variants = new HashSet<>();
        Set<String> splits = new HashSet<>();
        for (JsonNode r : rows) {
            variants.add(r.get("variant").asText());
            splits.add(r.get("split").asText());
            double h1 = r.get("hit@1").asDouble();
            assertTrue(h1 >= 0 && h1 <= 1 && r.get("mrr").asDouble() >= h1, r.toString());
        }
        assertEquals(Set.of("untrained", "stage 1", "stage 1+2"), variants);
        assertEquals(Set.of("train", "held-out"), splits);
        for (String city : new String[] {"monaco", "andorra", "liechtenstein", "copenhagen"}) {
            assertTrue(Files.isRegularFile(out.resolve("data").resolve(city).resolve("manifest.json")), city);
        }
        assertTrue(Files.isRegularFile(out.resolve("stage2").resolve("model").resolve("graph_encoder.safetensors")));
        assertTrue(Files.size(out.resolve("report").resolve("report.html")) > 10_000);
        // questions of more than 10 candidates (the grounding tasks draw up to 20 places from the map; the image tasks
        // of a training city only its few benchmark images), so that Hit@10 is not 1 by construction
        boolean informativeHit10 = false;
        for (JsonNode r : rows) {
            informativeHit10 |= r.get("city").asText().equals("monaco") && r.get("chance").get("hit@10").asDouble() < 1;
        }
        assertTrue(informativeHit10, "some questions have more than 10 candidates");
        // the models record what they trained on (the three training cities, each stage), and UGBench, which checks
        // them against every benchmark image and the held-out city, ran
        JsonNode trained = new ObjectMapper().readTree(out.resolve("stage2").resolve("model").resolve("uge.json")
                .toFile()).get("training_data");
        Set<String> records = new HashSet<>();
        trained.forEach(d -> records.add(d.get("stage").asInt() + " " + d.get("city").asText() + " "
                + d.get("split").asText()));
        assertEquals(Set.of("1 monaco train", "1 andorra train", "1 liechtenstein train", "2 monaco train",
                "2 andorra train", "2 liechtenstein train"), records);
        assertTrue(Files.size(out.resolve("stage2").resolve("model").resolve("training_images.txt")) > 0);
        assertFalse(Files.readString(out.resolve("report").resolve("results.json")).contains("records no training"),
                "every variant's training data is known");

        // a second run into the same folder starts again rather than mixing with the first, but keeps the identical
        // backbone (and so the untrained variant's cached embeddings)
        java.nio.file.attribute.FileTime made = Files.getLastModifiedTime(out.resolve("tiny-backbone")
                .resolve("model.safetensors"));
        StringWriter again = new StringWriter();
        cl.setErr(new PrintWriter(again));
        code = cl.execute("quickstart", "--out", out.toString(), "--views", "10", "--stage1-steps", "2",
                "--stage2-steps", "2", "--batch-size", "4", "--bench-max", "4", "--tokenizer",
                Fixtures.path("tokenizer", "qwen2").toString());
        assertEquals(0, code, again.toString());
        assertTrue(again.toString().contains("replacing the previous run's"), again.toString());
        for (String stage : new String[] {"stage1", "stage2"}) {
            assertEquals(2, Files.readAllLines(out.resolve(stage).resolve("train_log.jsonl")).size(), stage);
        }
        assertEquals(made, Files.getLastModifiedTime(out.resolve("tiny-backbone").resolve("model.safetensors")),
                "the identical backbone was kept");
        JsonNode variants2 = new ObjectMapper().readTree(out.resolve("report").resolve("results.json").toFile())
                .get("variants");
        assertEquals(0, variants2.get(0).get("vectors_computed").asInt(), "the untrained variant's vectors came from the cache: "
                + variants2.get(0));
    }

    @Test
    void optionsOutOfRangeAreUsageErrorsBeforeAnythingIsBuilt(@TempDir Path out) {
        String[][] bad = {{"--views", "0"}, {"--eval-fraction", "1"}, {"--eval-fraction", "0"},
            {"--stage1-steps", "0"}, {"--batch-size", "1"}, {"--lr", "NaN"}, {"--tau", "-1"}, {"--bench-max", "0"},
            {"--max-graph-nodes", "0"}};
        for (String[] opt : bad) {
            StringWriter stderr = new StringWriter();
            var cl = Main.commandLine();
            cl.setOut(new PrintWriter(new StringWriter()));
            cl.setErr(new PrintWriter(stderr));
            Path dir = out.resolve("run" + opt[0] + opt[1]);
            int code = cl.execute("quickstart", "--out", dir.toString(), opt[0], opt[1]);
            assertEquals(2, code, String.join(" ", opt) + ": " + stderr);
            assertTrue(stderr.toString().contains(opt[0] + " must be"), stderr.toString());
            assertTrue(!Files.exists(dir), "nothing was built for " + String.join(" ", opt));
        }
    }
}
