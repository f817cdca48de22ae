package org.urbangraph.vlm.generation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.tensor.io.SafetensorsFile;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.vlm.GoldenCases;
import org.urbangraph.vlm.MultimodalBatch;
import org.urbangraph.vlm.qwen2vl.Qwen2VLForConditionalGeneration;

/** Cached decoding must pick exactly the tokens that a full forward pass over the growing sequence picks. */
class GeneratorTest {

    static Qwen2VLForConditionalGeneration model;
    static SafetensorsFile ref;
    static final Set<Long> STOP = Set.of(500L, 501L, 502L, 503L); // never generate vision tokens into the prompt

    @BeforeAll
    static void load() {
        model = Qwen2VLForConditionalGeneration.load(Fixtures.golden("qwen2_vl"));
        ref = SafetensorsFile.open(Fixtures.golden("qwen2_vl", "reference.safetensors"));
    }

    static MultimodalBatch prompt(String c) {
        return GoldenCases.batch(ref, c + ".", "pixel_values", "image_grid_thw", model.config().imageTokenId());
    }

    /** Greedy decoding by recomputing the whole sequence each step (no cache). */
    static long[] greedyWithoutCache(MultimodalBatch p, int row, int steps) {
        int[][] grids = p.imageGrids();
        boolean hasImage = Arrays.stream(p.inputIds()[row]).anyMatch(id -> id == model.config().imageTokenId());
        // the golden batch puts image a in row 0 and image b in row 1
        int[][] rowGrids = !hasImage ? null : grids.length == 2 && p.batchSize() == 2 ? new int[][] {grids[row]} : grids;
        return GreedyByRecomputation.decode(p.inputIds()[row], p.attentionMask()[row], steps, STOP, (ids, mask) -> {
            MultimodalBatch b = hasImage
                    ? new MultimodalBatch(new long[][] {ids}, new long[][] {mask}, pixelsFor(p, row), rowGrids)
                    : MultimodalBatch.textOnly(new long[][] {ids}, new long[][] {mask});
            var hidden = model.forward(b, false).lastHiddenState();
            return model.logits(hidden.narrow(1, ids.length - 1, 1)).toFloatArray();
        });
    }

    /** {@link #greedyWithoutCache} with transformers' repetition penalty over the row's ids so far. */
    static long[] greedyWithoutCache(MultimodalBatch p, int row, int steps, float penalty) {
        int[][] grids = p.imageGrids();
        boolean hasImage = Arrays.stream(p.inputIds()[row]).anyMatch(id -> id == model.config().imageTokenId());
        int[][] rowGrids = !hasImage ? null : grids.length == 2 && p.batchSize() == 2 ? new int[][] {grids[row]} : grids;
        return GreedyByRecomputation.decode(p.inputIds()[row], p.attentionMask()[row], steps, STOP, (ids, mask) -> {
            MultimodalBatch b = hasImage
                    ? new MultimodalBatch(new long[][] {ids}, new long[][] {mask}, pixelsFor(p, row), rowGrids)
                    : MultimodalBatch.textOnly(new long[][] {ids}, new long[][] {mask});
            var hidden = model.forward(b, false).lastHiddenState();
            float[] logits = model.logits(hidden.narrow(1, ids.length - 1, 1)).toFloatArray();
            // every id of input_ids once, the prompt's padding and image tokens included
            Arrays.stream(ids).distinct().forEach(id -> {
                float l = logits[(int) id];
                logits[(int) id] = l < 0 ? l * penalty : l / penalty;
            });
            return logits;
        });
    }

    static org.urbangraph.tensor.Tensor pixelsFor(MultimodalBatch p, int row) {
        if (p.batchSize() != 2) {
            return p.pixelValues();
        }
        int[][] g = p.imageGrids();
        int first = g[0][0] * g[0][1] * g[0][2];
        return row == 0 ? p.pixelValues().narrow(0, 0, first)
                : p.pixelValues().narrow(0, first, p.pixelValues().size(0) - first);
    }

    @ParameterizedTest
    @ValueSource(strings = {"single", "batch", "textonly"})
    void cachedGreedyEqualsRecomputation(String c) {
        MultimodalBatch p = prompt(c);
        List<long[]> gen = Generator.generate(model, p, GenerationOptions.greedy(6, STOP));
        assertEquals(p.batchSize(), gen.size());
        for (int r = 0; r < p.batchSize(); r++) {
            assertArrayEquals(greedyWithoutCache(p, r, 6), gen.get(r), c + " row " + r);
        }
        assertTrue(gen.stream().mapToInt(a -> a.length).sum() > 0, "something was generated");
    }

    @ParameterizedTest
    @ValueSource(strings = {"single", "batch", "textonly"})
    void greedyWithARepetitionPenaltyEqualsRecomputationWithTransformersPenalty(String c) {
        MultimodalBatch p = prompt(c);
        List<long[]> plain = Generator.generate(model, p, GenerationOptions.greedy(8, STOP));
        List<long[]> gen = Generator.generate(model, p, GenerationOptions.greedy(8, STOP).withRepetitionPenalty(1.8));
        boolean changed = false;
        for (int r = 0; r < p.batchSize(); r++) {
            assertArrayEquals(greedyWithoutCache(p, r, 8, 1.8f), gen.get(r), c + " row " + r);
            changed |= !Arrays.equals(plain.get(r), gen.get(r));
        }
        assertTrue(changed, "the penalty changes what greedy decoding picks");
    }

    @Test
    void samplingIsSeededAndTopKOneIsGreedy() {
        MultimodalBatch p = prompt("textonly");
        GenerationOptions s1 = new GenerationOptions(5, 0.8, 50, 0.9, 42, STOP);
        List<long[]> a = Generator.generate(model, p, s1);
        List<long[]> b = Generator.generate(model, p, s1);
        for (int r = 0; r < a.size(); r++) {
            assertArrayEquals(a.get(r), b.get(r));
        }
        List<long[]> k1 = Generator.generate(model, p, new GenerationOptions(5, 1.0, 1, 1.0, 7, STOP));
        List<long[]> greedy = Generator.generate(model, p, GenerationOptions.greedy(5, STOP));
        for (int r = 0; r < k1.size(); r++) {
            assertArrayEquals(greedy.get(r), k1.get(r));
        }
    }

    @Test
    void maxLengthFromGenerationConfigCountsThePaddedPromptAsTransformersDoes(@TempDir Path tmp) throws Exception {
        String eos = "\"eos_token_id\": [500, 501, 502, 503]"; // STOP
        for (String c : List.of("textonly", "batch")) {
            MultimodalBatch p = prompt(c);
            int len = p.length(); // transformers' input_ids.shape[-1]: the padded length of the batch
            Path f = tmp.resolve(c + ".json");
            Files.writeString(f, "{" + eos + ", \"max_length\": " + (len + 4) + "}");
            List<long[]> capped = Generator.generate(model, p, GenerationOptions.fromGenerationConfig(f));
            List<long[]> four = Generator.generate(model, p, GenerationOptions.greedy(4, STOP));
            for (int r = 0; r < p.batchSize(); r++) {
                assertEquals(4, four.get(r).length, c + " row " + r + ": no stop token in the first 4");
                assertArrayEquals(four.get(r), capped.get(r), c + " row " + r);
            }
            // max_new_tokens, from the file or set by the caller, takes precedence over max_length
            Files.writeString(f, "{" + eos + ", \"max_length\": " + (len + 4) + ", \"max_new_tokens\": 6}");
            List<long[]> six = Generator.generate(model, p, GenerationOptions.fromGenerationConfig(f));
            List<long[]> two = Generator.generate(model, p, GenerationOptions.fromGenerationConfig(f)
                    .withMaxNewTokens(2));
            List<long[]> greedySix = Generator.generate(model, p, GenerationOptions.greedy(6, STOP));
            for (int r = 0; r < p.batchSize(); r++) {
                assertArrayEquals(greedySix.get(r), six.get(r), c + " row " + r);
                assertArrayEquals(Arrays.copyOf(four.get(r), 2), two.get(r), c + " row " + r);
            }
            // a prompt that already reaches max_length is an error, as transformers' _validate_generated_length
            for (int m : new int[] {len, len - 1}) {
                Files.writeString(f, "{" + eos + ", \"max_length\": " + m + "}");
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> Generator.generate(model, p, GenerationOptions.fromGenerationConfig(f)), c + " " + m);
                assertTrue(e.getMessage().contains("max_length is " + m)
                        && e.getMessage().contains(len + " tokens"), e.getMessage());
            }
        }
    }
}
