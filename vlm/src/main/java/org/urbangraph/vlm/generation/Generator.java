package org.urbangraph.vlm.generation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.vlm.MultimodalBatch;
import org.urbangraph.vlm.VisionLanguageModel;
import org.urbangraph.vlm.text.KvCache;

/**
 * Autoregressive generation with a KV cache: one pass over the (left-padded) prompt, then one token per step for
 * every unfinished row. Positions continue from each row's prompt (M-RoPE: the same position on all three axes);
 * the key mask keeps the prompt's padding masked. Tokens are picked as {@link GenerationOptions} describes; use
 * {@link GenerationOptions#forModel} for the settings a model directory ships in {@code generation_config.json}.
 */
public final class Generator {
    private Generator() {}

    /**
     * The new tokens of each row (stop token excluded).
     *
     * @throws IllegalArgumentException when {@code o} has a {@code maxLength} that the prompt already reaches
     */
    public static List<long[]> generate(VisionLanguageModel model, MultimodalBatch prompt, GenerationOptions o) {
        try (NoGrad g = NoGrad.enter()) {
            int b = prompt.batchSize();
            int l = prompt.length();
            int steps = o.newTokenBudget(l); // before the prefill: a prompt past max_length fails at once
            KvCache cache = new KvCache();
            VisionLanguageModel.Prefill pre = model.prefill(prompt, cache);
            long[] positions = pre.nextPositions().clone();
            Tensor lastHidden = pre.lastHiddenState().narrow(1, l - 1, 1);
            List<List<Long>> out = new ArrayList<>();
            boolean[] done = new boolean[b];
            for (int r = 0; r < b; r++) {
                out.add(new ArrayList<>());
                if (prompt.attentionMask()[r][l - 1] == 0) {
                    throw new IllegalArgumentException("row " + r + " of the prompt is right-padded; generation needs "
                            + "left padding so that every row ends with a real token");
                }
            }
            long[][] keyMask = new long[b][];
            for (int r = 0; r < b; r++) {
                keyMask[r] = prompt.attentionMask()[r].clone();
            }
            SplittableRandom rnd = new SplittableRandom(o.seed());
            boolean[][] seen = null; // per row, the ids the repetition penalty applies to
            for (int step = 0; step < steps; step++) {
                float[] logits = model.logits(lastHidden).toFloatArray();
                int vocab = logits.length / b;
                if (seen == null && o.repetitionPenalty() != 1) {
                    seen = new boolean[b][vocab];
                    for (int r = 0; r < b; r++) {
                        // transformers penalises every id of input_ids: the prompt with its padding and image tokens
                        for (long id : prompt.inputIds()[r]) {
                            if (id >= 0 && id < vocab) {
                                seen[r][(int) id] = true;
                            }
                        }
                    }
                }
                long[] next = new long[b];
                boolean all = true;
                for (int r = 0; r < b; r++) {
                    float[] row = Arrays.copyOfRange(logits, r * vocab, (r + 1) * vocab);
                    next[r] = done[r] ? 0 : Sampling.pick(row, seen == null ? null : seen[r], o, rnd);
                    if (seen != null && !done[r] && next[r] >= 0 && next[r] < vocab) {
                        seen[r][(int) next[r]] = true;
                    }
                    if (!done[r]) {
                        if (o.stopTokens().contains(next[r])) {
                            done[r] = true;
                        } else {
                            out.get(r).add(next[r]);
                        }
                    }
                    all &= done[r];
                }
                if (all || step == steps - 1) {
                    break;
                }
                for (int r = 0; r < b; r++) {
                    keyMask[r] = Arrays.copyOf(keyMask[r], keyMask[r].length + 1);
                    keyMask[r][keyMask[r].length - 1] = 1;
                }
                lastHidden = model.decodeStep(next, positions, keyMask, cache);
                for (int r = 0; r < b; r++) {
                    positions[r]++;
                }
            }
            List<long[]> result = new ArrayList<>();
            for (List<Long> row : out) {
                result.add(row.stream().mapToLong(Long::longValue).toArray());
            }
            return result;
        }
    }
}
