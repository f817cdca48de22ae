package org.urbangraph.graph;

import org.urbangraph.tensor.Indexing;
import org.urbangraph.tensor.Pointwise;
import org.urbangraph.tensor.Tensor;

/**
 * The reference's {@code QwenNodeEncoder}: a node's text feature is the mean of the backbone's input embeddings
 * ({@code embed_tokens}) over the node text's tokens, {@code sum(E * mask) / clamp(sum(mask), 1e-9)}, so a node with
 * no tokens gets zeros. Its {@code node_head} (Linear, LayerNorm, ReLU, Dropout, Linear) is never applied by the
 * reference and is not part of this model.
 *
 * <p>The table is the backbone's own (any float dtype; not a parameter of the encoder). Gradients reach it when it
 * requires them.
 */
final class NodeTextFeatures {
    private NodeTextFeatures() {}

    static final double MIN_COUNT = 1e-9;

    /** [N, hidden] text features of every node of the batch. */
    static Tensor maskedMean(Tensor embedTokens, GraphBatch batch) {
        if (embedTokens.rank() != 2) {
            throw new IllegalArgumentException("the token embedding table must be [vocab, hidden], got shape "
                    + java.util.Arrays.toString(embedTokens.shape()));
        }
        int vocab = embedTokens.size(0);
        int n = batch.numNodes();
        int[] tokens = batch.tokens();
        long[] ids = new long[tokens.length];
        long[] owner = new long[tokens.length];
        float[] counts = new float[n];
        for (int node = 0; node < n; node++) {
            int from = batch.tokenOffset(node);
            int to = batch.tokenOffset(node + 1);
            for (int t = from; t < to; t++) {
                if (tokens[t] >= vocab) {
                    throw new IllegalArgumentException(batch.describeNode(node) + ": token id " + tokens[t]
                            + " is outside the embedding table of " + vocab + " rows");
                }
                ids[t] = tokens[t];
                owner[t] = node;
            }
            counts[node] = (float) Math.max(to - from, MIN_COUNT);
        }
        Tensor rows = Indexing.embedding(embedTokens, Tensor.of(ids, ids.length));
        Tensor sums = Indexing.segmentSum(rows, Tensor.of(owner, owner.length), n);
        return Pointwise.div(sums, Tensor.of(counts, n, 1));
    }
}
