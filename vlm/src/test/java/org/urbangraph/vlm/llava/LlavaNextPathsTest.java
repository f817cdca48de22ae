package org.urbangraph.vlm.llava;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.kernels.DType;
import org.urbangraph.tensor.Functional;
import org.urbangraph.tensor.Layout;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.io.SafetensorsWriter;
import org.urbangraph.tensor.nn.Init;
import org.urbangraph.tensor.nn.Rng;
import org.urbangraph.testkit.Approx;
import org.urbangraph.testkit.Fixtures;

/**
 * Paths of LLaVA-NeXT that the golden model (one feature layer, separate lm_head, multi-tile images) does not take:
 * a list of {@code vision_feature_layer}s, {@code tie_word_embeddings}, and the packing of an image with only its
 * base tile. Tiny random models with the golden model's shapes (64-wide Mistral, 3-layer 32-wide CLIP on 112-pixel
 * tiles).
 */
class LlavaNextPathsTest {

    @TempDir
    Path tmp;

    /** The golden tiny model's config.json, edited, with seeded random F32 weights, in eval mode. */
    LlavaNextForConditionalGeneration model(String name, Consumer<ObjectNode> edit, long seed) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) json.readTree(Fixtures.golden("llava_next_mistral", "config.json").toFile());
        edit.accept(cfg);
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.writeString(dir.resolve("config.json"), json.writeValueAsString(cfg));
        LlavaNextForConditionalGeneration m = new LlavaNextForConditionalGeneration(
                LlavaNextConfig.read(dir.resolve("config.json")), new Rng(seed));
        Init.randomize(m, seed, DType.F32);
        m.eval();
        return m;
    }

    static Tensor random(long seed, int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return Tensor.of(v, shape);
    }

    /**
     * With {@code vision_feature_layer: [-3, -1]} the projector reads CLIP hidden states 1 and 3 (of 0..3) without
     * CLS, concatenated along the feature dimension in that order: the projected features equal the projector applied
     * by hand to the two single-layer outputs computed separately and concatenated.
     */
    @Test
    void aListOfFeatureLayersConcatenatesTheirFeaturesInOrder() throws Exception {
        LlavaNextForConditionalGeneration m = model("layers", c -> c.putArray("vision_feature_layer").add(-3).add(-1),
                3);
        assertArrayEquals(new int[] {-3, -1}, m.config().visionFeatureLayers());
        Map<String, Tensor> w = m.stateDict();
        assertArrayEquals(new int[] {64, 2 * 32}, w.get("model.multi_modal_projector.linear_1.weight").shape(),
                "linear_1 takes both layers' 32 features");
        int tiles = m.config().tiles(80, 100);
        assertEquals(3, tiles, "an 80x100 image: the base tile and a 1x2 grid");
        Tensor pixels = random(7, tiles, 3, 112, 112);
        try (NoGrad g = NoGrad.enter()) {
            Map<String, Tensor> trace = new HashMap<>();
            Tensor packed = m.imageFeatures(pixels, new int[][] {{80, 100}}, trace);
            List<Tensor> states = m.visionTower().hiddenStates(pixels, 3);
            assertEquals(4, states.size());
            Tensor layerMinus3 = states.get(1).narrow(1, 1, 64);
            Tensor layerMinus1 = states.get(3).narrow(1, 1, 64);
            Tensor features = Layout.cat(List.of(layerMinus3, layerMinus1), 2);
            assertArrayEquals(new int[] {3, 64, 64}, features.shape());
            Tensor expected = Functional.linear(Functional.gelu(Functional.linear(features,
                    w.get("model.multi_modal_projector.linear_1.weight"),
                    w.get("model.multi_modal_projector.linear_1.bias"))),
                    w.get("model.multi_modal_projector.linear_2.weight"),
                    w.get("model.multi_modal_projector.linear_2.bias"));
            Approx.assertClose("projected features of layers -3 and -1", expected.toFloatArray(),
                    trace.get("vision.projected").toFloatArray(), 1e-6, 1e-6);
            // the other order is another input to linear_1: the order of the list matters
            Tensor swapped = Functional.linear(Functional.gelu(Functional.linear(
                    Layout.cat(List.of(layerMinus1, layerMinus3), 2),
                    w.get("model.multi_modal_projector.linear_1.weight"),
                    w.get("model.multi_modal_projector.linear_1.bias"))),
                    w.get("model.multi_modal_projector.linear_2.weight"),
                    w.get("model.multi_modal_projector.linear_2.bias"));
            assertTrue(Approx.maxAbsDiff(swapped.toFloatArray(), trace.get("vision.projected").toFloatArray()) > 1e-3);
            // and they are packed as usual: 8 x 8 base features, then the unpadded 1x2 grid with a newline per row
            int tokens = org.urbangraph.vlm.image.AnyRes.imageTokens(80, 100, m.config().imageGridPinpoints(), 112,
                    112, 14, false);
            assertEquals(tokens, packed.size(0));
            Approx.assertClose("the base tile comes first", expected.select(0, 0).toFloatArray(),
                    packed.narrow(0, 0, 64).toFloatArray(), 1e-6, 1e-6);
        }
    }

    /**
     * {@code tie_word_embeddings: true}: no {@code lm_head} parameter, the logits are the final hidden states times
     * the token-embedding table transposed, and a checkpoint without {@code lm_head.weight} loads to the same numbers.
     */
    @Test
    void tiedWordEmbeddingsUseTheEmbeddingTableAsTheHead() throws Exception {
        LlavaNextForConditionalGeneration m = model("tied", c -> c.put("tie_word_embeddings", true), 5);
        assertTrue(m.config().text().tieWordEmbeddings());
        Map<String, Tensor> w = m.stateDict();
        assertFalse(w.containsKey("lm_head.weight"), "no lm_head of its own");
        float[] embed = w.get("model.language_model.embed_tokens.weight").toFloatArray();
        int vocab = 512;
        int hidden = 64;
        assertEquals(vocab * hidden, embed.length);
        Tensor h = random(11, 1, 3, hidden);
        float[] hv = h.toFloatArray();
        float[] expected = new float[3 * vocab];
        for (int t = 0; t < 3; t++) {
            for (int v = 0; v < vocab; v++) {
                double s = 0;
                for (int i = 0; i < hidden; i++) {
                    s += (double) hv[t * hidden + i] * embed[v * hidden + i];
                }
                expected[t * vocab + v] = (float) s;
            }
        }
        long[][] ids = {{1, 5, 9, 300, 42}};
        long[][] mask = {{1, 1, 1, 1, 1}};
        try (NoGrad g = NoGrad.enter()) {
            Tensor logits = m.logits(h);
            assertArrayEquals(new int[] {1, 3, vocab}, logits.shape());
            Approx.assertClose("logits = hidden @ embed_tokens^T", expected, logits.toFloatArray(), 1e-5, 1e-5);
            Path dir = tmp.resolve("tied");
            SafetensorsWriter.write(dir.resolve("model.safetensors"), w, Map.of("format", "pt"));
            LlavaNextForConditionalGeneration loaded = LlavaNextForConditionalGeneration.load(dir);
            org.urbangraph.vlm.MultimodalBatch b = org.urbangraph.vlm.MultimodalBatch.textOnly(ids, mask);
            Tensor hidden1 = m.encode(b, null);
            Approx.assertClose("the reloaded tied model", m.logits(hidden1).toFloatArray(),
                    loaded.logits(loaded.encode(b, null)).toFloatArray(), 0, 0);
        }
        // an untied model keeps its own head, which differs from the table
        LlavaNextForConditionalGeneration untied = model("untied", c -> { }, 5);
        assertTrue(untied.stateDict().containsKey("lm_head.weight"));
        try (NoGrad g = NoGrad.enter()) {
            assertTrue(Approx.maxAbsDiff(expected, untied.logits(h).toFloatArray()) > 1e-3);
        }
    }

    /**
     * An image given as its base tile only is that tile's features followed by one {@code image_newline}, as
     * transformers' {@code pack_image_features} does when {@code image_feature.shape[0] == 1}; no grid is consulted.
     */
    @Test
    void aSingleTileIsItsFeaturesThenOneNewline() {
        int gg = 4;
        int h = 3;
        float[] base = new float[gg * h];
        for (int i = 0; i < base.length; i++) {
            base[i] = i + 1;
        }
        Tensor newline = Tensor.of(new float[] {-1, -2, -3}, h);
        Tensor packed = AnyResPacking.pack(Tensor.of(base, 1, gg, h), 80, 100, LlavaNextConfig.DEFAULT_PINPOINTS, 336,
                newline);
        assertArrayEquals(new int[] {gg + 1, h}, packed.shape());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, -1, -2, -3}, packed.toFloatArray());
        // a tile count that is neither one nor the base plus the pinpoint's grid is refused
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AnyResPacking.pack(
                Tensor.of(new float[2 * gg * h], 2, gg, h), 80, 100, LlavaNextConfig.DEFAULT_PINPOINTS, 336, newline));
        assertTrue(e.getMessage().contains("1x2 tile grid, but 1 grid tiles were given"), e.getMessage());
        // a non-square feature count is not a patch grid
        e = assertThrows(IllegalArgumentException.class, () -> AnyResPacking.pack(Tensor.of(new float[5 * h], 1, 5, h),
                80, 100, LlavaNextConfig.DEFAULT_PINPOINTS, 336, newline));
        assertTrue(e.getMessage().contains("5 tokens, not a square patch grid"), e.getMessage());
    }
}
