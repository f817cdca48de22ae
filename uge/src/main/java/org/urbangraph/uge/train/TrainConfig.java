package org.urbangraph.uge.train;

import java.nio.file.Path;

/**
 * The settings of one UGE training stage. Defaults are the authors' recipe (lr 5e-5, warm-up 5 %, weight decay 0.1,
 * gradient clipping 1.0, tau 0.01; in stage 2 the graph encoder at the base rate and everything else at a tenth).
 *
 * @param batchSize       samples (queries) per optimizer step
 * @param accumulation    micro-batches per step (gradients summed; in-batch negatives come from one micro-batch)
 * @param gradCacheChunk  inputs per forward pass inside a micro-batch; 0 encodes a micro-batch in one pass
 * @param steps           optimizer steps in all; 0 derives them from {@code epochs}
 * @param hardNegatives   add each sample's hard negative (if the data has one) to the candidates
 * @param checkpointEvery write a resumable checkpoint every this many steps (0: only at the end)
 * @param keepCheckpoints how many of the latest step checkpoints to keep on disk
 */
public record TrainConfig(int stage, int batchSize, int accumulation, int gradCacheChunk, int steps, int epochs,
                          double lr, double otherLrFactor, double warmupRatio, double weightDecay, double maxGradNorm,
                          double tau, boolean hardNegatives, long seed, int checkpointEvery, int keepCheckpoints,
                          Path out) {

    public TrainConfig {
        if (stage != 1 && stage != 2) {
            throw new IllegalArgumentException("stage must be 1 or 2, got " + stage);
        }
        if (batchSize < 2) {
            throw new IllegalArgumentException("a contrastive batch needs at least 2 samples, got " + batchSize);
        }
        if (accumulation < 1 || batchSize % accumulation != 0 || batchSize / accumulation < 2) {
            throw new IllegalArgumentException("accumulation " + accumulation + " must split the batch of " + batchSize
                    + " into micro-batches of at least 2");
        }
        if (steps < 0 || epochs < 0 || (steps == 0 && epochs == 0)) {
            throw new IllegalArgumentException("give a positive number of steps or epochs");
        }
        if (!(lr > 0) || !(tau > 0) || maxGradNorm < 0 || weightDecay < 0 || warmupRatio < 0 || warmupRatio >= 1) {
            throw new IllegalArgumentException("need lr > 0, tau > 0, max_grad_norm >= 0, weight_decay >= 0 and "
                    + "0 <= warmup_ratio < 1");
        }
    }

    /** The authors' recipe for a stage, with the given size of run. */
    public static TrainConfig uge(int stage, int batchSize, int steps, long seed, Path out) {
        return new TrainConfig(stage, batchSize, 1, 0, steps, 0, 5e-5, 0.1, 0.05, 0.1, 1.0, InfoNce.DEFAULT_TAU, true,
                seed, 0, 2, out);
    }

    public TrainConfig withLr(double v) {
        return new TrainConfig(stage, batchSize, accumulation, gradCacheChunk, steps, epochs, v, otherLrFactor,
                warmupRatio, weightDecay, maxGradNorm, tau, hardNegatives, seed, checkpointEvery,
                keepCheckpoints, out);
    }

    public TrainConfig withCheckpointEvery(int v) {
        return new TrainConfig(stage, batchSize, accumulation, gradCacheChunk, steps, epochs, lr, otherLrFactor,
                warmupRatio, weightDecay, maxGradNorm, tau, hardNegatives, seed, v, keepCheckpoints, out);
    }

    public TrainConfig withGradCache(int chunk, int accum) {
        return new TrainConfig(stage, batchSize, accum, chunk, steps, epochs, lr, otherLrFactor, warmupRatio,
                weightDecay, maxGradNorm, tau, hardNegatives, seed, checkpointEvery, keepCheckpoints, out);
    }

    public TrainConfig withWarmup(double ratio) {
        return new TrainConfig(stage, batchSize, accumulation, gradCacheChunk, steps, epochs, lr, otherLrFactor, ratio,
                weightDecay, maxGradNorm, tau, hardNegatives, seed, checkpointEvery, keepCheckpoints, out);
    }

    public TrainConfig withTau(double v) {
        return new TrainConfig(stage, batchSize, accumulation, gradCacheChunk, steps, epochs, lr, otherLrFactor,
                warmupRatio, weightDecay, maxGradNorm, v, hardNegatives, seed, checkpointEvery,
                keepCheckpoints, out);
    }
}
