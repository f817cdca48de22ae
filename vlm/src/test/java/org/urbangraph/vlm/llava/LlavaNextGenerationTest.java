package org.urbangraph.vlm.llava;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.io.SafetensorsFile;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.vlm.GoldenCases;
import org.urbangraph.vlm.MultimodalBatch;
import org.urbangraph.vlm.generation.GenerationOptions;
import org.urbangraph.vlm.generation.Generator;
import org.urbangraph.vlm.generation.GreedyByRecomputation;

/**
 * Cached generation on LLaVA-NeXT picks exactly the tokens that a full forward pass over the growing sequence
 * picks (generation numbers positions from the mask, the full pass with arange(L); rotary scores depend only on
 * position differences, so the choices agree).
 */
class LlavaNextGenerationTest {

    static LlavaNextForConditionalGeneration model;
    static SafetensorsFile ref;
    static final Set<Long> STOP = Set.of(500L, 0L);

    @BeforeAll
    static void load() {
        model = LlavaNextForConditionalGeneration.load(Fixtures.golden("llava_next_mistral"));
        ref = SafetensorsFile.open(Fixtures.golden("llava_next_mistral", "reference.safetensors"));
    }

    /** One row of a golden batch as its own batch (the batch case puts image a in row 0 and image b in row 1). */
    static MultimodalBatch row(MultimodalBatch p, int r, long[] ids, long[] mask) {
        if (p.pixelValues() == null) {
            return MultimodalBatch.textOnly(new long[][] {ids}, new long[][] {mask});
        }
        if (p.batchSize() == 1) {
            return new MultimodalBatch(new long[][] {ids}, new long[][] {mask}, p.pixelValues(), p.imageGrids());
        }
        Tensor px = p.pixelValues().narrow(0, r, 1);
        return new MultimodalBatch(new long[][] {ids}, new long[][] {mask}, px, new int[][] {p.imageGrids()[r]});
    }

    static long[] greedyWithoutCache(MultimodalBatch p, int r, int steps) {
        return GreedyByRecomputation.decode(p.inputIds()[r], p.attentionMask()[r], steps, STOP, (ids, mask) -> {
            Tensor hidden = model.encode(row(p, r, ids, mask), null);
            return model.logits(hidden.narrow(1, ids.length - 1, 1)).toFloatArray();
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"single", "batch", "textonly"})
    void cachedGreedyEqualsRecomputation(String c) {
        MultimodalBatch p = GoldenCases.batch(ref, c + ".", "pixel_values", "image_sizes",
                model.config().imageTokenIndex());
        List<long[]> gen = Generator.generate(model, p, GenerationOptions.greedy(5, STOP));
        int total = 0;
        for (int r = 0; r < p.batchSize(); r++) {
            assertArrayEquals(greedyWithoutCache(p, r, 5), gen.get(r), c + " row " + r);
            total += gen.get(r).length;
        }
        assertTrue(total > 0, "something was generated");
    }
}
