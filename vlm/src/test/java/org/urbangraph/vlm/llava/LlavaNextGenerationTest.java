package org.urbangraph.vlm.llava;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.io.SafetensorsFile;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.vlm.GoldenCases;
import org.urbangraph.vlm.MultimodalBatch;
import org.urbangraph.vlm.generation.GenerationOptions;
import org.urbangraph.vlm.generation.Generator;

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
        long[] ids = p.inputIds()[r].clone();
        long[] mask = p.attentionMask()[r].clone();
        long[] out = new long[0];
        try (NoGrad g = NoGrad.enter()) {
            for (int s = 0; s < steps; s++) {
                Tensor hidden = model.encode(row(p, r, ids, mask), null);
                float[] logits = model.logits(hidden.narrow(1, ids.length - 1, 1)).toFloatArray();
                int best = 0;
                for (int i = 1; i < logits.length; i++) {
                    if (logits[i] > logits[best]) {
                        best = i;
                    }
                }
                if (STOP.contains((long) best)) {
                    break;
                }
                out = Arrays.copyOf(out, out.length + 1);
                out[out.length - 1] = best;
                ids = Arrays.copyOf(ids, ids.length + 1);
                ids[ids.length - 1] = best;
                mask = Arrays.copyOf(mask, mask.length + 1);
                mask[mask.length - 1] = 1;
            }
        }
        return out;
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
