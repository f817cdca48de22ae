package org.urbangraph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.testkit.Approx;
import org.urbangraph.uge.FamilyBackbones;
import org.urbangraph.uge.TinyWorld;
import org.urbangraph.uge.embed.EmbedInput;
import org.urbangraph.uge.embed.UgeEmbedder;
import org.urbangraph.uge.model.UgeCheckpoint;
import org.urbangraph.ugdata.dataset.UgDataset;
import org.urbangraph.ugdata.dataset.UgeSample;

/**
 * {@code ug train} (stage 1, then stage 2) and {@code ug embed --adapter --graph} on a tiny LLaVA-NeXT (Mistral)
 * model directory ({@link FamilyBackbones}): the family comes from the directory's config.json, the command's
 * embeddings are the library's, and a backbone of another family is refused by name.
 */
class TrainFamiliesCommandTest {

    static int run(StringWriter out, StringWriter err, String... args) {
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    static String[] train(int stage, Path model, Path out) {
        return new String[] {"train", "--stage", Integer.toString(stage), "--data", TinyWorld.monaco().toString(),
            "--model", model.toString(), "--out", out.toString(), "--steps", "2", "--batch-size", "4", "--seed", "3",
            "--max-graph-nodes", "24"};
    }

    @Test
    void llavaNextTrainsBothStagesAndEmbedsWithItsGraphs(@TempDir Path tmp) throws Exception {
        Path backbone = FamilyBackbones.llavaNext();
        StringWriter err = new StringWriter();
        assertEquals(0, run(new StringWriter(), err, train(1, backbone, tmp.resolve("s1"))), err.toString());
        assertTrue(err.toString().contains("llava_next backbone; LoRA r 16 on model\\.language_model"), err.toString());
        JsonNode info = new ObjectMapper().readTree(tmp.resolve("s1").resolve("model").resolve("uge.json").toFile());
        assertEquals("llava_next", info.get("backbone_family").asText());
        assertEquals(backbone.toAbsolutePath().toString(), info.get("backbone").asText());
        assertEquals(2, Files.readAllLines(tmp.resolve("s1").resolve("train_log.jsonl")).size());

        err = new StringWriter();
        assertEquals(0, run(new StringWriter(), err, train(2, tmp.resolve("s1").resolve("model"), tmp.resolve("s2"))),
                err.toString());
        Path s2 = tmp.resolve("s2").resolve("model");
        assertEquals(2, UgeCheckpoint.info(s2).stage());

        UgeSample s = UgDataset.open(TinyWorld.monaco()).stage2().get(0);
        Path image = s.images().get(0);
        Path graph = s.graphs().get(0);
        StringWriter out = new StringWriter();
        err = new StringWriter();
        assertEquals(0, run(out, err, "embed", "--model", backbone.toString(), "--adapter", s2.toString(), "--image",
                image.toString(), "--graph", graph.toString(), "--image", image.toString(), "--text",
                "A quiet street.", "--instruction", "Where was this taken?"), err.toString());
        String[] lines = out.toString().strip().split("\n");
        assertEquals(3, lines.length);
        ObjectMapper json = new ObjectMapper();
        JsonNode first = json.readTree(lines[0]);
        assertEquals(graph.toString(), first.get("graph").asText());
        assertEquals(64, first.get("dim").asInt());
        UgeEmbedder e = new UgeEmbedder(UgeCheckpoint.load(s2, null), "test", 4);
        float[][] ref = e.embed(List.of(EmbedInput.imageWithGraph(image, graph, "Where was this taken?"),
                EmbedInput.image(image, "Where was this taken?"),
                new EmbedInput(null, null, "A quiet street.", "Where was this taken?")));
        for (int i = 0; i < 3; i++) {
            Approx.assertClose("input " + i, ref[i], EmbedUgeCommandTest.vector(json.readTree(lines[i])), 1e-6, 0);
        }
        assertTrue(Approx.maxAbsDiff(ref[0], ref[1]) > 1e-4, "the graph changes the embedding");

        // a stage-1 model records its backbone; another family's directory in its place is refused by name
        err = new StringWriter();
        int code = run(new StringWriter(), err, "embed", "--model", FamilyBackbones.phi3V().toString(), "--adapter",
                tmp.resolve("s1").resolve("model").toString(), "--text", "x");
        assertEquals(1, code, "bad input exits with 1");
        assertTrue(err.toString().startsWith("ug embed: ") && err.toString().contains("trained on a llava_next backbone")
                && err.toString().contains("phi3_v"), err.toString());
        assertTrue(!err.toString().contains("\tat org."), "bad input gets its message, not a stack trace: " + err);
    }
}
