package org.urbangraph.vlm.embed;

import java.util.Arrays;
import org.urbangraph.tensor.NoGrad;

/**
 * Embedding a list of inputs in consecutive batches of bounded size, so that memory grows with the batch size and not
 * with the number of inputs (a LLaVA-NeXT image alone is 1,300 to 2,900 tokens). Shared by the plain pipelines and
 * UGE's embedder.
 */
public final class EmbeddingBatches {
    private EmbeddingBatches() {}

    /** Embeds the inputs {@code from} (inclusive) to {@code to} (exclusive) as one batch. */
    @FunctionalInterface
    public interface Batch {
        /** The embeddings [to - from, dim], row-major. */
        float[] embed(int from, int to);
    }

    /** The batch (from 0) that input {@code index} falls in. */
    public static int batchOf(int index, int batchSize) {
        return index / batchSize;
    }

    /**
     * The embeddings [count][dim] of inputs 0 .. count - 1, taken in order in batches of at most {@code batchSize}
     * (the last one may be shorter), without autograd.
     *
     * @throws IllegalArgumentException if {@code batchSize < 1}
     * @throws IllegalStateException    if a batch returns another number of values than {@code rows * dim}
     */
    public static float[][] inBatches(int count, int batchSize, int dim, Batch batch) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("the batch size must be at least 1, got " + batchSize);
        }
        float[][] out = new float[count][];
        try (NoGrad g = NoGrad.enter()) {
            for (int from = 0; from < count; from += batchSize) {
                int to = Math.min(count, from + batchSize);
                float[] flat = batch.embed(from, to);
                if (flat.length != (to - from) * dim) {
                    throw new IllegalStateException("a batch of " + (to - from) + " inputs gave " + flat.length
                            + " values, expected " + (to - from) + " x " + dim);
                }
                for (int i = from; i < to; i++) {
                    out[i] = Arrays.copyOfRange(flat, (i - from) * dim, (i - from + 1) * dim);
                }
            }
        }
        return out;
    }
}
