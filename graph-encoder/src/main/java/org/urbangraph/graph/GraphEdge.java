package org.urbangraph.graph;

/**
 * A typed edge between two nodes of one graph, by their positions in the graph's node list. Messages go from
 * {@code source} to {@code target} only (as in the reference, which hands PyG one direction per edge); whether a
 * dataset also lists the reverse edge is its own choice (see {@link GraphInput#bidirectional()}). The relation
 * ({@code nearest}, {@code on_same_street}, ...) is carried for the caller; the encoder does not read it, as the
 * reference does not.
 */
public record GraphEdge(int source, int target, String relation) {
    public GraphEdge {
        relation = relation == null ? "" : relation;
    }

    public boolean isSelfLoop() {
        return source == target;
    }
}
