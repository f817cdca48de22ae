package org.urbangraph.vlm.generation;

import java.util.Set;

/**
 * How to pick tokens: greedy when {@code temperature} is 0, otherwise sampling from softmax(logits / temperature)
 * restricted to the {@code topK} most likely tokens (0 = all) and to the smallest set whose probability reaches
 * {@code topP} (1 = all), with a seeded generator. Generation of a row stops at a stop token (not included in the
 * output) or after {@code maxNewTokens}.
 */
public record GenerationOptions(int maxNewTokens, double temperature, int topK, double topP, long seed,
                                Set<Long> stopTokens) {

    public GenerationOptions {
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("maxNewTokens must be at least 1, got " + maxNewTokens);
        }
        if (temperature < 0 || topK < 0 || topP <= 0 || topP > 1) {
            throw new IllegalArgumentException("need temperature >= 0, topK >= 0 and 0 < topP <= 1");
        }
        stopTokens = Set.copyOf(stopTokens);
    }

    public static GenerationOptions greedy(int maxNewTokens, Set<Long> stopTokens) {
        return new GenerationOptions(maxNewTokens, 0, 0, 1, 0, stopTokens);
    }
}
