package org.urbangraph.vlm.generation;

import java.util.Set;

/**
 * How to pick tokens: greedy when {@code temperature} is 0, otherwise sampling from softmax(logits / temperature)
 * restricted to the {@code topK} most likely tokens (0 = all) and to the smallest set whose probability reaches
 * {@code topP} (1 = all), with a seeded generator. Generation of a row stops at a stop token (not included in the
 * output) or after {@code maxNewTokens}.
 *
 * @param temperature 0 for greedy decoding, otherwise a finite temperature above 0 (sampling)
 * @param topK        0 for no top-k filter (as transformers' {@code top_k} 0), otherwise the k kept
 * @param topP        in (0, 1]
 */
public record GenerationOptions(int maxNewTokens, double temperature, int topK, double topP, long seed,
                                Set<Long> stopTokens) {

    public GenerationOptions {
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("maxNewTokens must be at least 1, got " + maxNewTokens);
        }
        // comparisons with NaN are false, so every check is written to fail for it
        if (!(Double.isFinite(temperature) && temperature >= 0)) {
            throw new IllegalArgumentException("temperature must be 0 (greedy) or a finite value above 0 (sampling), "
                    + "got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK must be 0 (no top-k filter) or positive, got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        }
        stopTokens = Set.copyOf(stopTokens);
    }

    public static GenerationOptions greedy(int maxNewTokens, Set<Long> stopTokens) {
        return new GenerationOptions(maxNewTokens, 0, 0, 1, 0, stopTokens);
    }
}
