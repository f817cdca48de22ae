package org.urbangraph.vlm.generation;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picking one token from a row of logits as transformers' {@code generate()} does: the repetition penalty first, then
 * argmax, or temperature, top-k and top-p sampling. The penalty and the temperature are applied in float arithmetic,
 * as torch applies them to float32 logits, so that ties and top-k boundaries fall where they fall there.
 */
final class Sampling {
    private Sampling() {}

    /**
     * transformers' {@code RepetitionPenaltyLogitsProcessor}, in place: every token in {@code seen} (each once,
     * however often it occurred) has its logit divided by {@code penalty} if positive, multiplied if negative.
     */
    static void penalize(float[] logits, boolean[] seen, double penalty) {
        if (penalty == 1) {
            return;
        }
        float p = (float) penalty;
        for (int i = 0; i < logits.length; i++) {
            if (seen[i]) {
                logits[i] = logits[i] < 0 ? logits[i] * p : logits[i] / p;
            }
        }
    }

    /**
     * The next token of a row whose ids so far are {@code seen} (null: no penalty): the repetition penalty, then
     * {@link #pick(float[], GenerationOptions, SplittableRandom)}. {@code logits} is changed in place.
     */
    static long pick(float[] logits, boolean[] seen, GenerationOptions o, SplittableRandom rnd) {
        if (seen != null) {
            penalize(logits, seen, o.repetitionPenalty());
        }
        return pick(logits, o, rnd);
    }

    /**
     * The ids of {@code scores} from the largest score to the smallest, equal scores in id order: the order a stable
     * sort of the boxed ids by {@code Float.compare} (descending) gives, NaN first and 0.0 before -0.0, but sorting
     * one primitive key per id: the score's bits mapped to an int with {@code Float.compare}'s order, inverted, above
     * the id.
     */
    static int[] descendingOrder(float[] scores) {
        long[] keys = new long[scores.length];
        for (int i = 0; i < scores.length; i++) {
            int bits = Float.floatToIntBits(scores[i]); // every NaN as one, as Float.compare sees them
            int ordered = bits ^ ((bits >> 31) & 0x7fffffff); // negative floats: larger magnitude, smaller int
            keys[i] = ((long) ~ordered << 32) | i;
        }
        Arrays.sort(keys);
        int[] order = new int[scores.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = (int) keys[i];
        }
        return order;
    }

    /** Argmax (the first of equal maxima, as torch.argmax), or temperature, top-k and top-p sampling. */
    static long pick(float[] logits, GenerationOptions o, SplittableRandom rnd) {
        if (!o.sampling()) {
            int best = 0;
            for (int i = 1; i < logits.length; i++) {
                if (logits[i] > logits[best]) {
                    best = i;
                }
            }
            return best;
        }
        float t = (float) o.temperature();
        float[] scaled = new float[logits.length];
        for (int i = 0; i < scaled.length; i++) {
            scaled[i] = logits[i] / t;
        }
        int[] order = descendingOrder(scaled);
        int keep = order.length;
        if (o.topK() > 0 && o.topK() < order.length) {
            // TopKLogitsWarper masks only scores < the k-th largest: every token tied with the k-th stays
            float kth = scaled[order[o.topK() - 1]];
            keep = o.topK();
            while (keep < order.length && scaled[order[keep]] >= kth) {
                keep++;
            }
        }
        // probabilities from the unrounded quotient, which cannot overflow for a tiny temperature
        double max = logits[order[0]];
        double[] p = new double[keep];
        double sum = 0;
        for (int i = 0; i < keep; i++) {
            p[i] = Math.exp((logits[order[i]] - max) / o.temperature());
            sum += p[i];
        }
        if (o.topP() < 1) {
            double acc = 0;
            int cut = keep;
            for (int i = 0; i < keep; i++) {
                acc += p[i] / sum;
                if (acc >= o.topP()) {
                    cut = i + 1;
                    break;
                }
            }
            keep = cut;
            sum = 0;
            for (int i = 0; i < keep; i++) {
                sum += p[i];
            }
        }
        double u = rnd.nextDouble() * sum;
        for (int i = 0; i < keep; i++) {
            u -= p[i];
            if (u < 0) {
                return order[i];
            }
        }
        return order[keep - 1];
    }
}
