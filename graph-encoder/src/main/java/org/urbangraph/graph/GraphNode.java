package org.urbangraph.graph;

import java.util.Arrays;
import java.util.Objects;

/**
 * One node of a spatial graph as the encoder sees it: an id and a type (for messages and for the caller), the token
 * ids of the node's text in the backbone's vocabulary, and its position.
 *
 * <p>The text is tokenised by the caller with the backbone's tokenizer as the reference's node encoder calls it:
 * {@code tokenizer(text.strip(), truncation=True, max_length=128)}, with the tokenizer's own special tokens (Mistral's
 * BOS; none for Qwen2) counted in the 128. Only the first {@link #MAX_TOKENS} ids are kept here. An empty text is
 * allowed and gives a zero text feature, as the reference's clamped mean does. {@code coords} may be null here so
 * that a missing position can be reported with the graph's name: {@link GraphInput} rejects such a node.
 */
public record GraphNode(String id, String type, int[] tokenIds, LonLat coords) {

    /** The reference's node-text length limit. */
    public static final int MAX_TOKENS = 128;

    public GraphNode {
        Objects.requireNonNull(id, "node id");
        type = type == null ? "" : type;
        Objects.requireNonNull(tokenIds, () -> "token ids of node " + id);
        tokenIds = Arrays.copyOf(tokenIds, Math.min(tokenIds.length, MAX_TOKENS));
        for (int t : tokenIds) {
            if (t < 0) {
                throw new IllegalArgumentException("node " + id + " has a negative token id " + t);
            }
        }
    }

    public static GraphNode of(String id, String type, int[] tokenIds, double lon, double lat) {
        return new GraphNode(id, type, tokenIds, new LonLat(lon, lat));
    }

    @Override
    public int[] tokenIds() {
        return tokenIds.clone();
    }

    int tokenCount() {
        return tokenIds.length;
    }

    int token(int i) {
        return tokenIds[i];
    }

    /** How error messages name this node: its id, and its type when it has one. */
    String label() {
        return type.isEmpty() ? "node " + id : "node " + id + " (" + type + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GraphNode n && id.equals(n.id) && type.equals(n.type) && Arrays.equals(tokenIds, n.tokenIds)
                && Objects.equals(coords, n.coords);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, type, Arrays.hashCode(tokenIds), coords);
    }

    @Override
    public String toString() {
        return "GraphNode[" + label() + ", " + tokenIds.length + " tokens, coords " + coords + "]";
    }
}
