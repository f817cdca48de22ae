package org.urbangraph.uge.train;

import java.util.SplittableRandom;

/** Where a run stands: the step, the epoch and position in its shuffled order, and the last loss and gradient norm. */
public final class TrainerState {
    int step;
    int epoch;
    int cursor;
    int[] order;
    double lastLoss = Double.NaN;
    double lastGradNorm = Double.NaN;

    public int step() {
        return step;
    }

    public int epoch() {
        return epoch;
    }

    public double lastLoss() {
        return lastLoss;
    }

    /** The order of an epoch: a Fisher-Yates shuffle seeded by (seed, epoch), the same on every run. */
    static int[] permutation(int n, long seed, int epoch) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + epoch);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
