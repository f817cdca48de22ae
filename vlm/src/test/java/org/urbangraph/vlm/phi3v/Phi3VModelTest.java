package org.urbangraph.vlm.phi3v;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.kernels.DType;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.io.CheckpointMismatchException;
import org.urbangraph.tensor.io.SafetensorsWriter;
import org.urbangraph.testkit.Approx;
import org.urbangraph.vlm.MultimodalBatch;
import org.urbangraph.vlm.config.ConfigException;
import org.urbangraph.vlm.generation.GenerationOptions;
import org.urbangraph.vlm.generation.Generator;
import org.urbangraph.vlm.generation.GreedyByRecomputation;
import org.urbangraph.vlm.image.Phi3VImageProcessor;
import org.urbangraph.vlm.image.RgbImage;

/**
 * A tiny random Phi-3-V end to end (no numerical golden exists for this family): embeddings of image + text and
 * text-only prompts are the same alone and in a left-padded batch, cached generation picks what recomputation
 * picks, a saved checkpoint loads back to the same numbers, and bad configs name the file and the key.
 */
class Phi3VModelTest {

    @TempDir
    Path tmp;

    Phi3VForCausalLM model;
    Phi3VImageProcessor.Output images;
    List<long[]> rows;

    static RgbImage noise(int w, int h, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] px = new byte[w * h * 3];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) r.nextInt(256);
        }
        return new RgbImage(w, h, px);
    }

    static long[] row(long[] before, int imageTokens, long[] after) {
        long[] out = new long[before.length + imageTokens + after.length];
        System.arraycopy(before, 0, out, 0, before.length);
        Arrays.fill(out, before.length, before.length + imageTokens, -1);
        System.arraycopy(after, 0, out, before.length + imageTokens, after.length);
        return out;
    }

    @BeforeEach
    void build() {
        model = Phi3VTiny.random(tmp, 21);
        images = Phi3VTiny.processor().preprocess(List.of(noise(90, 50, 1), noise(40, 70, 2)),
                model.config().tokensPerCropSide());
        rows = new ArrayList<>();
        // every row is longer than original_max_position_embeddings (16): the long rotary factors throughout
        rows.add(row(new long[] {1, 5, 6}, images.imageTokens()[0], new long[] {7, 8, 9, 10}));
        rows.add(row(new long[] {1, 12}, images.imageTokens()[1], new long[] {13, 14, 15, 16, 17, 18, 19, 20, 21}));
        long[] text = new long[18];
        for (int i = 0; i < text.length; i++) {
            text[i] = 1 + (i * 7) % 60;
        }
        rows.add(text);
    }

    Tensor pixels(int image) {
        return images.pixelValuesTensor().narrow(0, image, 1);
    }

    MultimodalBatch alone(int r) {
        long[][] ids = {rows.get(r)};
        long[][] mask = {new long[ids[0].length]};
        Arrays.fill(mask[0], 1);
        return r < 2 ? new MultimodalBatch(ids, mask, pixels(r), new int[][] {images.imageSizes()[r]})
                : MultimodalBatch.textOnly(ids, mask);
    }

    MultimodalBatch batch() {
        return MultimodalBatch.leftPadded(rows, 0, images.pixelValuesTensor(), images.imageSizes());
    }

    @Test
    void embeddingsAreTheSameAloneAndInALeftPaddedBatch() {
        // 90x50 with 4 crops of 56 px: scale 2 -> 112 x int(62.2), padded to 112, so 2x2 crops of 2x2 tokens
        assertEquals((4 + 1) * 4 + 1 + (2 + 1) * 2, images.imageTokens()[0]);
        assertArrayEquals(new int[] {112, 112}, images.imageSizes()[0]);
        try (NoGrad g = NoGrad.enter()) {
            Tensor batched = model.embed(batch(), null);
            for (int r = 0; r < 3; r++) {
                Tensor single = model.embed(alone(r), null);
                Approx.assertClose("row " + r, single.toFloatArray(),
                        batched.narrow(0, r, 1).toFloatArray(), 1e-5, 0);
            }
            // and the images matter: swapping them changes the embeddings of both image rows
            Tensor swapped = model.embed(MultimodalBatch.leftPadded(List.of(rows.get(0)), 0, pixels(0).add(0.5),
                    new int[][] {images.imageSizes()[0]}), null);
            assertTrue(Approx.maxAbsDiff(swapped.toFloatArray(), batched.narrow(0, 0, 1).toFloatArray()) > 1e-3);
        }
    }

    /**
     * The reference picks the rotary factors once per call from the batch's largest position, so a short row
     * left-padded next to a row past original_max_position_embeddings (16) would take the long factors; here each row
     * takes the factors of its own length and embeds as it does alone.
     */
    @Test
    void aShortRowEmbedsAsAloneNextToARowPastTheRotaryLimit() {
        long[] shortRow = {1, 9, 23, 41, 7, 3};
        long[] longRow = rows.get(2);
        assertTrue(shortRow.length <= 16 && longRow.length > 16);
        try (NoGrad g = NoGrad.enter()) {
            float[] alone = model.embed(MultimodalBatch.leftPadded(List.of(shortRow), 0, null, null), null)
                    .toFloatArray();
            Tensor together = model.embed(MultimodalBatch.leftPadded(List.of(shortRow, longRow), 0, null, null), null);
            Approx.assertClose("the short row alone vs next to a long one", alone,
                    together.narrow(0, 0, 1).toFloatArray(), 1e-5, 0);
            float[] longAlone = model.embed(MultimodalBatch.leftPadded(List.of(longRow), 0, null, null), null)
                    .toFloatArray();
            Approx.assertClose("the long row alone vs next to a short one", longAlone,
                    together.narrow(0, 1, 1).toFloatArray(), 1e-5, 0);
            // and the factors matter: the short row with the long factors (as the reference's batch would give it)
            // embeds differently
            Phi3VForCausalLM longFactors = Phi3VTiny.random(tmp.resolve("long"), Phi3VTiny.CONFIG.replace(
                    "\"short_factor\": [1.0, 1.5, 2.0, 3.0]", "\"short_factor\": [2.0, 3.0, 5.0, 8.0]"), 21);
            float[] withLong = longFactors.embed(MultimodalBatch.leftPadded(List.of(shortRow), 0, null, null), null)
                    .toFloatArray();
            assertTrue(Approx.maxAbsDiff(alone, withLong) > 1e-3, "short and long factors give different numbers");
        }
    }

    static long[] greedyByRecomputation(Phi3VForCausalLM m, MultimodalBatch p, int row, int steps, Set<Long> stop) {
        return GreedyByRecomputation.decode(p.inputIds()[row], p.attentionMask()[row], steps, stop, (ids, mask) -> {
            MultimodalBatch b = row < 2
                    ? new MultimodalBatch(new long[][] {ids}, new long[][] {mask},
                            p.pixelValues().narrow(0, row, 1), new int[][] {p.imageGrids()[row]})
                    : MultimodalBatch.textOnly(new long[][] {ids}, new long[][] {mask});
            Tensor h = m.encode(b, null);
            return m.logits(h.narrow(1, ids.length - 1, 1)).toFloatArray();
        });
    }

    @Test
    void cachedGenerationEqualsRecomputation() {
        MultimodalBatch p = batch();
        Set<Long> stop = Set.of(2L);
        List<long[]> gen = Generator.generate(model, p, GenerationOptions.greedy(4, stop));
        int total = 0;
        for (int r = 0; r < 3; r++) {
            assertArrayEquals(greedyByRecomputation(model, p, r, 4, stop), gen.get(r), "row " + r);
            total += gen.get(r).length;
        }
        assertTrue(total > 0, "something was generated");
    }

    @Test
    void aSavedCheckpointLoadsBackInEveryLayoutTheHubUses() throws Exception {
        Phi3VTiny.save(model, tmp);
        MultimodalBatch b = batch();
        float[] expected;
        try (NoGrad g = NoGrad.enter()) {
            expected = model.embed(b, null).toFloatArray();
            Phi3VForCausalLM loaded = Phi3VForCausalLM.load(tmp);
            Approx.assertClose("reloaded", expected, loaded.embed(b, null).toFloatArray(), 1e-6, 0);

            // the image embedding's wte stored as well, or instead of embed_tokens
            Map<String, Tensor> both = new LinkedHashMap<>(model.stateDict());
            both.put("model.vision_embed_tokens.wte.weight", both.get("model.embed_tokens.weight"));
            Path d2 = Files.createDirectories(tmp.resolve("both"));
            Files.copy(tmp.resolve("config.json"), d2.resolve("config.json"));
            SafetensorsWriter.write(d2.resolve("model.safetensors"), both, Map.of("format", "pt"));
            Approx.assertClose("with wte", expected, Phi3VForCausalLM.load(d2).embed(b, null).toFloatArray(), 1e-6, 0);
            Map<String, Tensor> only = new LinkedHashMap<>(both);
            only.remove("model.embed_tokens.weight");
            Path d3 = Files.createDirectories(tmp.resolve("only"));
            Files.copy(tmp.resolve("config.json"), d3.resolve("config.json"));
            SafetensorsWriter.write(d3.resolve("model.safetensors"), only, Map.of("format", "pt"));
            Approx.assertClose("wte only", expected, Phi3VForCausalLM.load(d3).embed(b, null).toFloatArray(), 1e-6, 0);

            // BF16 weights stay BF16 and give nearly the same embedding
            Map<String, Tensor> bf = new LinkedHashMap<>();
            model.stateDict().forEach((k, v) -> bf.put(k, v.to(DType.BF16)));
            Path d4 = Files.createDirectories(tmp.resolve("bf16"));
            Files.copy(tmp.resolve("config.json"), d4.resolve("config.json"));
            SafetensorsWriter.write(d4.resolve("model.safetensors"), bf, Map.of("format", "pt"));
            Phi3VForCausalLM bfModel = Phi3VForCausalLM.load(d4);
            assertEquals(DType.BF16, bfModel.tokenEmbeddings().weight().tensor().dtype());
            Approx.assertClose("bf16 weights", expected, bfModel.embed(b, null).toFloatArray(), 5e-2, 0);

            Map<String, Tensor> missing = new LinkedHashMap<>(model.stateDict());
            missing.remove("model.layers.1.mlp.gate_up_proj.weight");
            Path d5 = Files.createDirectories(tmp.resolve("missing"));
            Files.copy(tmp.resolve("config.json"), d5.resolve("config.json"));
            SafetensorsWriter.write(d5.resolve("model.safetensors"), missing, Map.of("format", "pt"));
            CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                    () -> Phi3VForCausalLM.load(d5));
            assertTrue(e.getMessage().startsWith(d5.resolve("model.safetensors") + ": ")
                    && e.getMessage().contains("1 tensor is missing: model.layers.1.mlp.gate_up_proj.weight"),
                    e.getMessage());
        }
    }

    @Test
    void badConfigsNameTheFileAndTheKey() {
        String[][] cases = {
            {"\"type\": \"su\"", "\"type\": \"dynamic\"", "rope_scaling"},
            {"\"hd_transform_order\": \"sub_glb\"", "\"hd_transform_order\": \"glb_sub\"", "embd_layer.hd_transform_order"},
            {"\"image_dim_out\": 16", "\"image_dim_out\": 1024", "img_processor.image_dim_out"},
            {"\"long_factor\": [2.0, 3.0, 5.0, 8.0]", "\"long_factor\": [2.0, 3.0]", "rope_scaling.long_factor"},
            {"\"model_type\": \"phi3_v\"", "\"model_type\": \"phi3\"", "model_type"},
            {"\"image_size\": 56", "\"image_size\": 70", "img_processor.vision_config"},
        };
        for (String[] c : cases) {
            String json = Phi3VTiny.CONFIG.replace(c[0], c[1]);
            Path f = Phi3VTiny.writeConfig(tmp.resolve(c[2].replace('.', '_')), json);
            ConfigException e = assertThrows(ConfigException.class, () -> Phi3VConfig.read(f), c[2]);
            assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains(c[2]), e.getMessage());
        }
    }
}
