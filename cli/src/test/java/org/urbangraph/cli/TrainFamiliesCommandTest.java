package org.urbangraph.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.urbangraph.tensor.io.SafetensorsFile;
import org.urbangraph.testkit.Approx;
import org.urbangraph.ugbench.TestCities;
import org.urbangraph.uge.FamilyBackbones;
import org.urbangraph.uge.TinyWorld;
import org.urbangraph.uge.embed.EmbedInput;
import org.urbangraph.uge.embed.UgeEmbedder;
import org.urbangraph.uge.model.UgeCheckpoint;
import org.urbangraph.ugdata.dataset.UgDataset;
import org.urbangraph.ugdata.dataset.UgeSample;

/**
 * {@code ug train} (stage 1, then stage 2), {@code ug embed --adapter --graph} and {@code ug bench --adapter} on tiny
 * LLaVA-NeXT (Mistral), Phi-3-V and Qwen2.5-VL model directories ({@link FamilyBackbones}): the family comes from the
 * directory's config.json, both stages train (finite losses, adapter and graph-token rows moved), the saved model and
 * the run's last checkpoint embed the same bits, the command's embeddings are the library's, UGBench runs the stage-2
 * model in the image and image+graph modes with the capped question counts, and a backbone of another family is
 * refused by name.
 */
class TrainFamiliesCommandTest {

    enum Family {
        LLAVA_NEXT("llava_next", FamilyBackbones::llavaNext, 64, "LoRA r 16 on model\\.language_model"),
        PHI3_V("phi3_v", FamilyBackbones::phi3V, 32, "LoRA r 16 on qkv_proj"),
        QWEN2_5_VL("qwen2_5_vl", FamilyBackbones::qwen25VL, 128, "LoRA r 16 on q_proj, v_proj");

        final String modelType;
        final Supplier<Path> backbone;
        final int hidden;
        final String loraLine;

        Family(String modelType, Supplier<Path> backbone, int hidden, String loraLine) {
            this.modelType = modelType;
            this.backbone = backbone;
            this.hidden = hidden;
            this.loraLine = loraLine;
        }
    }

    @TempDir
    static Path root;

    /** Each family's run directories (stage 1, stage 2) and stage-1 log, trained once through the command. */
    record Run(Path s1, Path s2, String stage1Log) {}

    static final Map<Family, Run> RUNS = new EnumMap<>(Family.class);

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

    static synchronized Run trained(Family f) throws IOException {
        Run r = RUNS.get(f);
        if (r == null) {
            Path s1 = root.resolve(f.modelType).resolve("s1");
            Path s2 = root.resolve(f.modelType).resolve("s2");
            StringWriter err = new StringWriter();
            assertEquals(0, run(new StringWriter(), err, train(1, f.backbone.get(), s1)), err.toString());
            String log = err.toString();
            err = new StringWriter();
            assertEquals(0, run(new StringWriter(), err, train(2, s1.resolve("model"), s2)), err.toString());
            r = new Run(s1, s2, log);
            RUNS.put(f, r);
        }
        return r;
    }

    static List<Double> losses(Path run) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<Double> out = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("train_log.jsonl"))) {
            out.add(json.readTree(line).get("loss").asDouble());
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void bothStagesTrainOnTheFamilysBackbone(Family f) throws Exception {
        Run r = trained(f);
        assertTrue(r.stage1Log().contains(f.modelType + " backbone; " + f.loraLine), r.stage1Log());
        JsonNode info = new ObjectMapper().readTree(r.s1().resolve("model").resolve("uge.json").toFile());
        assertEquals(f.modelType, info.get("backbone_family").asText());
        assertEquals(f.backbone.get().toAbsolutePath().toString(), info.get("backbone").asText());
        assertEquals(1, info.get("stage").asInt());
        for (Path run : List.of(r.s1(), r.s2())) {
            List<Double> losses = losses(run);
            assertEquals(2, losses.size(), run + ": one log line per step");
            for (double l : losses) {
                assertTrue(Double.isFinite(l) && l > 0, run + ": loss " + l);
            }
        }
        UgeCheckpoint.Info s2 = UgeCheckpoint.info(r.s2().resolve("model"));
        assertEquals(2, s2.stage());
        assertEquals(f.modelType, s2.backboneFamily());
        assertEquals(24, s2.maxGraphNodes());
        assertTrue(Files.isRegularFile(r.s2().resolve("model").resolve("graph_encoder.safetensors")));

        // stage 1 moved LoRA's B matrices off their zero start, and stage 2 moved the adapter and graph-token rows on
        SafetensorsFile a1 = SafetensorsFile.open(r.s1().resolve("model").resolve("adapter")
                .resolve("adapter_model.safetensors"));
        SafetensorsFile a2 = SafetensorsFile.open(r.s2().resolve("model").resolve("adapter")
                .resolve("adapter_model.safetensors"));
        double b1 = 0;
        double moved = 0;
        for (String name : a1.names()) {
            float[] x = a1.tensor(name).toFloatArray();
            float[] y = a2.tensor(name).toFloatArray();
            if (name.contains("lora_B")) {
                for (float v : x) {
                    b1 = Math.max(b1, Math.abs(v));
                }
            }
            moved = Math.max(moved, Approx.maxAbsDiff(x, y));
        }
        assertTrue(b1 > 0, f + ": stage 1 trained LoRA B");
        assertTrue(moved > 0, f + ": stage 2 trained the adapter");
        float[] rows1 = SafetensorsFile.open(r.s1().resolve("model").resolve("new_token_rows.safetensors"))
                .tensor("weight").toFloatArray();
        float[] rows2 = SafetensorsFile.open(r.s2().resolve("model").resolve("new_token_rows.safetensors"))
                .tensor("weight").toFloatArray();
        assertTrue(Approx.maxAbsDiff(rows1, rows2) > 0, f + ": stage 2 trained the graph-token rows");
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void theSavedModelAndTheLastCheckpointEmbedTheSameBits(Family f) throws Exception {
        Run r = trained(f);
        Path model = r.s2().resolve("model");
        Path checkpoint = r.s2().resolve("checkpoints").resolve("step-000002").resolve("model");
        UgeSample s = UgDataset.open(TinyWorld.monaco()).stage2().get(0);
        List<EmbedInput> in = List.of(EmbedInput.imageWithGraph(s.images().get(0), s.graphs().get(0), "Where?"),
                EmbedInput.image(s.images().get(0), "Where?"), EmbedInput.text("A quiet street."));
        float[][] a = new UgeEmbedder(UgeCheckpoint.load(model, null), "model", 4).embed(in);
        float[][] b = new UgeEmbedder(UgeCheckpoint.load(checkpoint, null), "checkpoint", 4).embed(in);
        for (int i = 0; i < in.size(); i++) {
            assertEquals(f.hidden, a[i].length);
            assertArrayEquals(a[i], b[i], f + ": input " + i);
        }
        assertTrue(Approx.maxAbsDiff(a[0], a[1]) > 1e-4, f + ": the graph changes the embedding");
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void embedWithTheAdapterGivesTheLibrarysEmbeddings(Family f) throws Exception {
        Path s2 = trained(f).s2().resolve("model");
        UgeSample s = UgDataset.open(TinyWorld.monaco()).stage2().get(0);
        Path image = s.images().get(0);
        Path graph = s.graphs().get(0);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(0, run(out, err, "embed", "--model", f.backbone.get().toString(), "--adapter", s2.toString(),
                "--image", image.toString(), "--graph", graph.toString(), "--image", image.toString(), "--text",
                "A quiet street.", "--instruction", "Where was this taken?"), err.toString());
        String[] lines = out.toString().strip().split("\n");
        assertEquals(3, lines.length);
        ObjectMapper json = new ObjectMapper();
        JsonNode first = json.readTree(lines[0]);
        assertEquals(graph.toString(), first.get("graph").asText());
        assertEquals(f.hidden, first.get("dim").asInt());
        UgeEmbedder e = new UgeEmbedder(UgeCheckpoint.load(s2, null), "test", 4);
        float[][] ref = e.embed(List.of(EmbedInput.imageWithGraph(image, graph, "Where was this taken?"),
                EmbedInput.image(image, "Where was this taken?"),
                new EmbedInput(null, null, "A quiet street.", "Where was this taken?")));
        for (int i = 0; i < 3; i++) {
            Approx.assertClose(f + ": input " + i, ref[i], EmbedUgeCommandTest.vector(json.readTree(lines[i])), 1e-6,
                    0);
        }
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void benchRunsTheStageTwoModelInBothModesWithTheCappedQuestionCounts(Family f) throws Exception {
        Path s2 = trained(f).s2().resolve("model");
        Path reports = root.resolve(f.modelType).resolve("bench");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(0, run(out, err, "bench", "--data", TestCities.dirs().get(0).toString(), "--model",
                f.backbone.get().toString(), "--adapter", s2.toString(), "--out", reports.toString(), "--no-cache",
                "--tasks", "geolocation", "--max-per-task", "2", "--bootstrap", "100", "-q"), err.toString());
        JsonNode json = new ObjectMapper().readTree(reports.resolve("results.json").toFile());
        List<String> names = new java.util.ArrayList<>();
        json.get("variants").forEach(v -> names.add(v.get("name").asText()));
        assertEquals(2, names.size(), names.toString());
        assertEquals("zero-shot", names.get(0));
        JsonNode adapter = json.get("variants").get(1);
        assertTrue(adapter.get("embedder").asText().startsWith("uge-"), adapter.toString());
        assertTrue(adapter.get("uses_graphs").asBoolean());
        assertEquals(f.hidden, adapter.get("dimension").asInt());
        assertTrue(adapter.get("vectors_computed").asInt() > 0);
        Set<String> rows = new TreeSet<>();
        for (JsonNode row : json.get("rows")) {
            rows.add(row.get("variant").asText() + " / " + row.get("mode").asText());
            assertEquals("geolocation", row.get("task").asText());
            assertEquals(2, row.get("n").asInt(), f + ": --max-per-task 2 questions: " + row);
            double h1 = row.get("hit@1").asDouble();
            assertTrue(h1 >= 0 && h1 <= 1, row.toString());
        }
        assertEquals(Set.of("zero-shot / image", names.get(1) + " / image", names.get(1) + " / image+graph"), rows);
    }

    @Test
    void aBackboneOfAnotherFamilyIsRefusedByName() throws Exception {
        // a stage-1 model records its backbone; another family's directory in its place is refused by name
        Path s1 = trained(Family.LLAVA_NEXT).s1().resolve("model");
        StringWriter err = new StringWriter();
        int code = run(new StringWriter(), err, "embed", "--model", FamilyBackbones.phi3V().toString(), "--adapter",
                s1.toString(), "--text", "x");
        assertEquals(1, code, "bad input exits with 1");
        assertTrue(err.toString().startsWith("ug embed: ") && err.toString().contains("trained on a llava_next backbone")
                && err.toString().contains("phi3_v"), err.toString());
        assertTrue(!err.toString().contains("\tat org."), "bad input gets its message, not a stack trace: " + err);
    }
}
