package org.urbangraph.vlm.generation;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Picking one token from a row of logits: argmax, or temperature / top-k / top-p sampling. */
final class Sampling {
    private Sampling() {}

    static long pick(float[] logits, GenerationOptions o, SplittableRandom rnd) {
        if (o.temperature() == 0) {
            int best = 0;
            for (int i = 1; i < logits.length; i++) {
                if (logits[i] > logits[best]) {
                    best = i;
                }
            }
            return best;
        }
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        int keep = o.topK() > 0 ? Math.min(o.topK(), order.length) : order.length;
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
