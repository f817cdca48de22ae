package org.urbangraph.vlm.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Inputs go through in order, in batches of at most the batch size, and each keeps its own row. */
class EmbeddingBatchesTest {

    @Test
    void inputsAreTakenInOrderInBoundedBatches() {
        List<int[]> calls = new ArrayList<>();
        float[][] out = EmbeddingBatches.inBatches(7, 3, 2, (from, to) -> {
            calls.add(new int[] {from, to});
            float[] flat = new float[(to - from) * 2];
            for (int i = from; i < to; i++) {
                flat[(i - from) * 2] = i;
                flat[(i - from) * 2 + 1] = -i;
            }
            return flat;
        });
        assertEquals(3, calls.size());
        assertArrayEquals(new int[] {0, 3}, calls.get(0));
        assertArrayEquals(new int[] {3, 6}, calls.get(1));
        assertArrayEquals(new int[] {6, 7}, calls.get(2));
        for (int i = 0; i < 7; i++) {
            assertArrayEquals(new float[] {i, -i}, out[i], "input " + i);
        }
        assertEquals(0, EmbeddingBatches.batchOf(2, 3));
        assertEquals(2, EmbeddingBatches.batchOf(6, 3));
        assertEquals(0, EmbeddingBatches.inBatches(0, 3, 2, (from, to) -> {
            throw new AssertionError("no batch for no inputs");
        }).length);
    }

    @Test
    void badBatchSizesAndShortResultsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EmbeddingBatches.inBatches(2, 0, 2, (from, to) -> new float[4]));
        assertEquals("the batch size must be at least 1, got 0", e.getMessage());
        IllegalStateException s = assertThrows(IllegalStateException.class,
                () -> EmbeddingBatches.inBatches(2, 2, 2, (from, to) -> new float[2]));
        assertTrue(s.getMessage().contains("a batch of 2 inputs gave 2 values, expected 2 x 2"), s.getMessage());
    }
}
