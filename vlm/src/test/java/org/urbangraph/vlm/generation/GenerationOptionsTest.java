package org.urbangraph.vlm.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** Sampling settings and their validation. */
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
}
