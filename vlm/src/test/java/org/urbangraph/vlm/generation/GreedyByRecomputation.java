package org.urbangraph.vlm.generation;

import java.util.Arrays;
import java.util.Set;
import org.urbangraph.tensor.NoGrad;

/**
 * The reference that cached decoding is tested against: greedy decoding that runs a full forward pass over the
 * whole growing sequence at every step, with no key/value cache.
 */
public final class GreedyByRecomputation {

    /** The logits of the last position for one row of ids and its attention mask, from a full forward pass. */
    @FunctionalInterface
    public interface LastLogits {
        float[] of(long[] ids, long[] mask);
    }

    private GreedyByRecomputation() {
    }

    /** Up to {@code steps} tokens picked by arg-max after {@code ids}; stops before emitting a token in {@code stop}. */
    public static long[] decode(long[] ids, long[] mask, int steps, Set<Long> stop, LastLogits model) {
        ids = ids.clone();
        mask = mask.clone();
        long[] out = new long[0];
        try (NoGrad g = NoGrad.enter()) {
            for (int s = 0; s < steps; s++) {
                float[] logits = model.of(ids, mask);
                int best = 0;
                for (int i = 1; i < logits.length; i++) {
                    if (logits[i] > logits[best]) {
                        best = i;
                    }
                }
                if (stop.contains((long) best)) {
                    break;
                }
                out = append(out, best);
                ids = append(ids, best);
                mask = append(mask, 1);
            }
        }
        return out;
    }

    private static long[] append(long[] a, long v) {
        long[] r = Arrays.copyOf(a, a.length + 1);
        r[a.length] = v;
        return r;
    }
}
