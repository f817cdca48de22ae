package org.urbangraph.vlm.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Sampling settings: their validation, transformers' top-k ties. */
class GenerationOptionsTest {

    static GenerationOptions sample(double temperature, int topK, double topP) {
        return new GenerationOptions(4, temperature, topK, topP, 0, Set.of());
    }

    @Test
    void nonFiniteAndOutOfRangeValuesAreRefused() {
        for (double t : new double[] {Double.NaN, Double.POSITIVE_INFINITY, -0.5, Double.NEGATIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sample(t, 0, 1), "" + t);
            assertTrue(e.getMessage().contains("temperature") && e.getMessage().contains("" + t), e.getMessage());
        }
        for (double p : new double[] {Double.NaN, Double.POSITIVE_INFINITY, 0, -0.1, 1.0000001}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sample(1, 0, p), "" + p);
            assertTrue(e.getMessage().contains("topP"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> sample(1, -1, 1));
        // the edges that are valid: greedy (0), top_k 0 (no filter, as transformers' top_k 0), top_p 1
        assertEquals(0.0, sample(0, 0, 1).temperature());
        assertEquals(1e-3, sample(1e-3, 0, 1).temperature());
        assertEquals(1.0, sample(2, 0, 1).topP());
    }

    /** Relative frequencies of {@code n} draws. */
    static double[] frequencies(float[] logits, GenerationOptions o, int n) {
        SplittableRandom rnd = new SplittableRandom(123);
        double[] f = new double[logits.length];
        for (int i = 0; i < n; i++) {
            f[(int) Sampling.pick(logits.clone(), o, rnd)] += 1.0 / n;
        }
        return f;
    }

    @Test
    void topKKeepsEveryTokenTiedWithTheKthAsTransformersDoes() {
        // transformers: logits < topk(logits, 2)[..., -1] are masked, so the three tied 3.0s all stay
        float[] logits = {5f, 3f, 3f, 3f, 1f};
        double z = Math.exp(2) + 3;
        double[] f = frequencies(logits, sample(1, 2, 1), 40_000);
        double[] want = {Math.exp(2) / z, 1 / z, 1 / z, 1 / z, 0};
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], f[i], 0.01, "token " + i);
        }
        assertEquals(0, f[4]);
        // without ties top-k keeps exactly k
        double[] g = frequencies(new float[] {5f, 3f, 2.9f, 2.8f}, sample(1, 2, 1), 20_000);
        assertEquals(0, g[2] + g[3]);
        assertEquals(Math.exp(2) / (Math.exp(2) + 1), g[0], 0.01);
    }
}
