package org.urbangraph.uge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Parameter;
import org.urbangraph.testkit.Approx;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.uge.model.UgeCheckpoint;
import org.urbangraph.uge.model.UgeInput;
import org.urbangraph.uge.model.UgeModel;
import org.urbangraph.uge.model.UgeModels;
import org.urbangraph.uge.train.InfoNce;
import org.urbangraph.uge.train.TrainConfig;
import org.urbangraph.uge.train.TrainingExample;
import org.urbangraph.uge.train.UgeTrainer;
import org.urbangraph.ugdata.dataset.UgDataset;
import org.urbangraph.ugdata.dataset.UgeSample;
import org.urbangraph.vlm.chat.Qwen2VLChatFormat;
import org.urbangraph.vlm.embed.EncodedInput;
import org.urbangraph.vlm.image.Images;

/**
 * UGE on the LLaVA-NeXT (Mistral), Phi-3-V and Qwen2.5-VL backbones, as on Qwen2-VL: the family's chat layout with
 * graph spans, the family's LoRA targets, stage-1 training lowers the loss, stage 2 injects each sample's own graph and
 * sends gradients into the graph encoder, each input of a mixed batch embeds as it does alone, and a saved model
 * embeds bit for bit as the one in memory. Tiny random backbones with real tokenizers ({@link FamilyBackbones};
 * Phi-3-V's may be Mistral's vocabulary with Phi-3-V's added tokens, see there; Qwen2.5-VL's is the real Qwen2
 * tokenizer) and the tiny Monaco build of {@link TinyWorld}.
 */
class UgeFamiliesTest {

    enum Family {
        LLAVA_NEXT(FamilyBackbones::llavaNext, 64, "llava_next"), PHI3_V(FamilyBackbones::phi3V, 32, "phi3_v"),
        QWEN2_5_VL(FamilyBackbones::qwen25VL, 128, "qwen2_5_vl");

        final Supplier<Path> dir;
        final int hidden;
        final String modelType;

        Family(Supplier<Path> dir, int hidden, String modelType) {
            this.dir = dir;
            this.hidden = hidden;
            this.modelType = modelType;
        }
    }

    static final int STEPS = 8;
    static final String INSTRUCTION = "Where was this photo taken?";
    @TempDir
    static Path root;
    static final Map<Family, UgeModel> TRAINED = new EnumMap<>(Family.class);

    static Path root() {
        return root;
    }

    static Path out(Family f) throws IOException {
        return root().resolve(f.name().toLowerCase());
    }

    /**
     * Stage 1 once per family: the base trains too (the backbone is random), on one fixed batch of four examples,
     * with the quickstart's learning rate and temperature, so that a few steps show learning.
     */
    static synchronized UgeModel stageOne(Family f) throws IOException {
        UgeModel m = TRAINED.get(f);
        if (m == null) {
            List<TrainingExample> data = TrainingExample.of(UgDataset.open(TinyWorld.monaco()).stage1()).subList(0, 4);
            m = UgeModels.stage1(f.dir.get(), true, 1, 24);
            TrainConfig cfg = TrainConfig.uge(1, 4, STEPS, 3, out(f).resolve("s1")).withLr(2e-3).withWarmup(0)
                    .withTau(0.05);
            new UgeTrainer(m, data, cfg).run(null);
            TRAINED.put(f, m);
        }
        return m;
    }

    static List<UgeSample> stage2Rows() throws IOException {
        return UgDataset.open(TinyWorld.monaco()).stage2();
    }

    static UgeInput query(UgeSample s, Path graph) {
        return new UgeInput(s.query(), s.images(), List.of(graph));
    }

    static float[] row(float[] flat, int r, int h) {
        return Arrays.copyOfRange(flat, r * h, (r + 1) * h);
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void aFewStageOneStepsOnAFixedBatchLowerTheLoss(Family f) throws Exception {
        stageOne(f);
        List<String> lines = Files.readAllLines(out(f).resolve("s1").resolve("train_log.jsonl"));
        assertEquals(STEPS, lines.size());
        ObjectMapper json = new ObjectMapper();
        double first = json.readTree(lines.get(0)).get("loss").asDouble();
        double last = (json.readTree(lines.get(STEPS - 2)).get("loss").asDouble()
                + json.readTree(lines.get(STEPS - 1)).get("loss").asDouble()) / 2;
        assertTrue(Double.isFinite(first) && first > 0.1, f + ": first loss " + first);
        assertTrue(last < 0.7 * first, f + ": the loss fell from " + first + " to " + last);
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void aSavedStageOneModelEmbedsBitForBitAsTheOneInMemory(Family f) throws Exception {
        UgeModel trained = stageOne(f);
        Path dir = out(f).resolve("s1").resolve("model");
        JsonNode info = new ObjectMapper().readTree(dir.resolve("uge.json").toFile());
        assertEquals(f.modelType, info.get("backbone_family").asText());
        UgeModel loaded = UgeCheckpoint.load(dir, null);
        UgeSample s = stage2Rows().get(0);
        List<UgeInput> inputs = List.of(new UgeInput("<image>" + INSTRUCTION, s.images(), List.of()),
                UgeInput.text("A quiet street near the harbour."));
        trained.train(false);
        try (NoGrad g = NoGrad.enter()) {
            float[] a = trained.embed(inputs).toFloatArray();
            float[] b = loaded.embed(inputs).toFloatArray();
            assertEquals(2 * f.hidden, a.length);
            assertArrayEquals(a, b, f + ": embeddings after save and load");
            assertTrue(Approx.maxAbsDiff(row(a, 0, f.hidden), row(a, 1, f.hidden)) > 1e-3);
        }
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void theLoraTargetsAreTheFamilysAttentionProjectionsOfTheDecoder(Family f) throws Exception {
        UgeModel m = stageOne(f);
        Set<String> want = new TreeSet<>();
        for (int layer = 0; layer < 2; layer++) {
            if (f == Family.LLAVA_NEXT || f == Family.QWEN2_5_VL) {
                // Qwen2.5-VL's vision blocks have fused qkv projections: only the decoder has these names
                want.add("model.language_model.layers." + layer + ".self_attn.q_proj");
                want.add("model.language_model.layers." + layer + ".self_attn.v_proj");
            } else {
                want.add("model.layers." + layer + ".self_attn.qkv_proj");
            }
        }
        assertEquals(want, new TreeSet<>(m.lora().layers().keySet()));
        assertEquals(16, m.lora().config().r());
        JsonNode adapter = new ObjectMapper().readTree(
                out(f).resolve("s1").resolve("model").resolve("adapter").resolve("adapter_config.json").toFile());
        assertEquals(m.lora().config().targetRegex() != null, adapter.get("target_modules").isTextual());
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void anInputIsTheFamilysUserTurnWithOneGraphPadPerNode(Family f) throws Exception {
        UgeModel m = stageOne(f);
        Path image = stage2Rows().get(0).images().get(0);
        EncodedInput ours = m.backbone().encode(new UgeInput("<image>" + INSTRUCTION, List.of(image), List.of()),
                new int[0]);
        EncodedInput pipeline = m.backbone().pipeline().encodeQuery(List.of(Images.read(image)), INSTRUCTION);
        assertArrayEquals(pipeline.ids(), ours.ids(), f + ": an image query is the pipeline's query");
        assertArrayEquals(pipeline.pixels(), ours.pixels());

        EncodedInput withGraph = m.backbone().encode(new UgeInput("<graph><image>" + INSTRUCTION, List.of(image),
                List.of(Path.of("g.json"))), new int[] {5});
        long start = m.backbone().pipeline().tokenizer().tokenToId(Qwen2VLChatFormat.GRAPH_START);
        long pad = m.backbone().pipeline().tokenizer().tokenToId(Qwen2VLChatFormat.GRAPH_PAD);
        long end = m.backbone().pipeline().tokenizer().tokenToId(Qwen2VLChatFormat.GRAPH_END);
        assertArrayEquals(m.newTokens().ids(), new long[] {start, pad, end});
        int at = indexOf(withGraph.ids(), start);
        assertTrue(at > 0, f + ": the graph span is inside the user turn");
        for (int k = 1; k <= 5; k++) {
            assertEquals(pad, withGraph.ids()[at + k], "pad " + k);
        }
        assertEquals(end, withGraph.ids()[at + 6]);
        assertEquals(pipeline.ids().length + 7, withGraph.ids().length, f + ": the span adds 7 tokens, nothing else");
    }

    static int indexOf(int[] ids, long id) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == id) {
                return i;
            }
        }
        return -1;
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void stageTwoInjectsEachSamplesOwnGraphAndTrainsTheGraphEncoder(Family f) throws Exception {
        stageOne(f);
        UgeModel s2 = UgeModels.stage2(out(f).resolve("s1").resolve("model"), null, 3);
        List<UgeSample> rows = stage2Rows();
        UgeSample a = rows.get(0);
        UgeSample b = rows.stream().filter(r -> !r.graphs().get(0).equals(a.graphs().get(0))).findFirst()
                .orElseThrow();

        // gradients of one InfoNCE step reach every graph-encoder weight, finite
        s2.train(true);
        Tensor loss = InfoNce.loss(s2.embed(List.of(query(a, a.graphs().get(0)), query(b, b.graphs().get(0)))),
                s2.embed(List.of(UgeInput.text(a.positives().get(0)), UgeInput.text(b.positives().get(0)))),
                InfoNce.diagonal(2), 0.05);
        loss.backward();
        double squares = 0;
        for (Map.Entry<String, Parameter> e : s2.parameterGroups().get("graph_encoder").entrySet()) {
            Tensor g = e.getValue().tensor().grad();
            assertNotNull(g, f + ": " + e.getKey() + " has a gradient");
            for (float v : g.toFloatArray()) {
                assertTrue(Float.isFinite(v), f + ": " + e.getKey() + " gradient is finite");
                squares += (double) v * v;
            }
        }
        assertTrue(squares > 1e-12, f + ": the graph encoder's gradient norm is " + Math.sqrt(squares));
        double rows2 = 0;
        for (float v : s2.newTokens().weight().tensor().grad().toFloatArray()) {
            rows2 += (double) v * v;
        }
        assertTrue(rows2 > 0, f + ": the graph-token rows get gradients");

        // evaluation: changing sample 1's graph moves sample 1 only; a saved stage-2 model embeds the same bits
        s2.train(false);
        Path saved = out(f).resolve("s2");
        s2.save(saved);
        UgeModel loaded = UgeCheckpoint.load(saved, null);
        try (NoGrad g = NoGrad.enter()) {
            List<UgeInput> before = List.of(query(a, a.graphs().get(0)), query(b, b.graphs().get(0)));
            float[] x = s2.embed(before).toFloatArray();
            float[] y = s2.embed(List.of(query(a, a.graphs().get(0)), query(b, a.graphs().get(0)))).toFloatArray();
            int h = f.hidden;
            Approx.assertClose(f + ": sample 0 keeps its embedding", row(x, 0, h), row(y, 0, h), 1e-6, 0);
            double moved = Approx.maxAbsDiff(row(x, 1, h), row(y, 1, h));
            assertTrue(moved > 1e-4, f + ": sample 1 moved with its graph by " + moved);
            assertArrayEquals(x, loaded.embed(before).toFloatArray(), f + ": stage 2 after save and load");
        }
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void eachInputOfAMixedBatchEmbedsAsItDoesAlone(Family f) throws Exception {
        stageOne(f);
        UgeModel m = UgeModels.stage2(out(f).resolve("s1").resolve("model"), null, 2);
        m.train(false);
        Path a = Fixtures.golden("llava_next_mistral", "image_a_gradient_100x80.png");
        Path b = Fixtures.golden("llava_next_mistral", "image_b_checker_300x200.png");
        List<UgeSample> rows = stage2Rows();
        Path graph0 = rows.get(0).graphs().get(0);
        Path graph1 = rows.stream().map(r -> r.graphs().get(0)).filter(g -> !g.equals(graph0)).findFirst()
                .orElseThrow();
        // graphs of different sizes, images of different shapes, a text alone, two images: rows of unequal lengths
        List<UgeInput> inputs = List.of(
                new UgeInput("<graph><image>Where?", List.of(a), List.of(graph0)),
                new UgeInput("<graph><image>Where is this photo from, roughly?", List.of(b), List.of(graph1)),
                UgeInput.text("A quiet street."),
                new UgeInput("<image><image>two", List.of(a, b), List.of()));
        try (NoGrad g = NoGrad.enter()) {
            float[] batch = m.embed(inputs).toFloatArray();
            for (int i = 0; i < inputs.size(); i++) {
                float[] alone = m.embed(List.of(inputs.get(i))).toFloatArray();
                Approx.assertClose(f + ": input " + i + " alone vs in the batch", alone, row(batch, i, f.hidden),
                        1e-5, 0);
            }
        }
    }

    @Test
    void aModelLoadedOverAnotherFamilysBackboneIsRefusedNamingBoth() throws Exception {
        stageOne(Family.LLAVA_NEXT);
        Path dir = out(Family.LLAVA_NEXT).resolve("s1").resolve("model");
        // a stage-1 model whose base did not train records the backbone directory, which a user may override
        UgeModels.stage1(FamilyBackbones.llavaNext(), false, 2, 24).save(root().resolve("frozen"));
        IOException e = assertThrows(IOException.class,
                () -> UgeCheckpoint.load(root().resolve("frozen"), FamilyBackbones.phi3V()));
        assertTrue(e.getMessage().contains("llava_next") && e.getMessage().contains("phi3_v")
                && e.getMessage().contains(FamilyBackbones.phi3V().toString()), e.getMessage());
        assertEquals("llava_next", UgeCheckpoint.info(dir).backboneFamily());

        // a model written before the family was recorded was trained on Qwen2-VL: another family is refused too
        Path old = root().resolve("before-families");
        UgeModels.stage1(TinyWorld.backbone(), false, 2, 24).save(old);
        ObjectNode json = (ObjectNode) new ObjectMapper().readTree(old.resolve("uge.json").toFile());
        json.remove("backbone_family");
        Files.writeString(old.resolve("uge.json"), json.toString());
        IOException legacy = assertThrows(IOException.class, () -> UgeCheckpoint.load(old, FamilyBackbones.llavaNext()));
        assertTrue(legacy.getMessage().contains("qwen2_vl") && legacy.getMessage().contains("llava_next"),
                legacy.getMessage());
        assertNotNull(UgeCheckpoint.load(old, TinyWorld.backbone()));
    }

    @Test
    void aTableWithoutSpareRowsTakesTheGraphTokensBesideIt() throws Exception {
        Path backbone = FamilyBackbones.llavaNextWithoutSpareRows();
        Path s1 = root().resolve("no-spare-rows");
        UgeModels.stage1(backbone, false, 4, 24).save(s1);
        UgeModel s2 = UgeModels.stage2(s1, null, 5);
        int rows = s2.model().tokenEmbeddings().weight().tensor().size(0);
        assertEquals(32002, rows);
        assertArrayEquals(new long[] {32002, 32003, 32004}, s2.newTokens().ids(), "ids past the table");
        UgeSample a = stage2Rows().get(0);
        List<UgeInput> withGraph = new ArrayList<>(List.of(query(a, a.graphs().get(0))));
        s2.train(true);
        Tensor e = s2.embed(withGraph);
        e.mul(Tensor.randn(9, e.shape())).sum().backward();
        double squares = 0;
        for (float v : s2.newTokens().weight().tensor().grad().toFloatArray()) {
            assertTrue(Float.isFinite(v));
            squares += (double) v * v;
        }
        assertTrue(squares > 0, "the graph-token rows past the table train");
        s2.train(false);
        try (NoGrad g = NoGrad.enter()) {
            float[] with = s2.embed(withGraph).toFloatArray();
            float[] without = s2.embed(List.of(new UgeInput(a.query().replace("<graph>", ""), a.images(), List.of())))
                    .toFloatArray();
            assertTrue(Approx.maxAbsDiff(with, without) > 1e-4, "the graph changes the embedding");
        }
    }
}
