package org.urbangraph.uge.train;

import org.urbangraph.tensor.Functional;
import org.urbangraph.tensor.Tensor;

/**
 * UGE's contrastive loss: InfoNCE over query . candidate / tau, as the authors' {@code infonce_loss} computes it
 * with in-batch negatives. Every query is scored against every candidate of the batch (all samples' positives,
 * then their hard negatives); the target is the query's own positive. Embeddings are L2-normalised, so the scores
 * are cosine similarities. UGE's default tau is 0.01.
 */
public final class InfoNce {
    private InfoNce() {}

    public static final double DEFAULT_TAU = 0.01;

    /**
     * @param queries    [N, H]
     * @param candidates [M, H], M >= N
     * @param targets    for each query, the row of its positive among the candidates
     */
    public static Tensor loss(Tensor queries, Tensor candidates, long[] targets, double tau) {
        if (targets.length != queries.size(0)) {
            throw new IllegalArgumentException(targets.length + " targets for " + queries.size(0) + " queries");
        }
        if (!(tau > 0)) {
            throw new IllegalArgumentException("temperature must be positive, got " + tau);
        }
        Tensor logits = queries.matmul(candidates.mT()).div(tau);
        return Functional.crossEntropy(logits, Tensor.of(targets, targets.length), 0);
    }

    /** The usual layout: candidate i is query i's positive. */
    public static long[] diagonal(int n) {
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            t[i] = i;
        }
        return t;
    }
}
