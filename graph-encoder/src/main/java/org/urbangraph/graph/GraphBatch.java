package org.urbangraph.graph;

import java.util.List;

/**
 * Several graphs encoded in one pass as one disjoint graph: the nodes of graph g occupy rows
 * {@code [nodeOffset(g), nodeOffset(g + 1))} of every node tensor, its edges keep their own endpoints (shifted by
 * that offset), so no message crosses from one graph to another. Every graph keeps its own nodes and edges and gets
 * its own rows of the output (the reference encodes only the first graph of a batch and gives it to every sample).
 *
 * <p>This class is plain host data (arrays); the encoder turns it into tensors.
 */
public final class GraphBatch {

    private final List<GraphInput> graphs;
    private final int[] nodeOffsets;
    private final int[] edgeOffsets;
    private final double[] lon;
    private final double[] lat;
    private final int[] source;
    private final int[] target;
    private final int[] tokenOffsets;
    private final int[] tokens;

    private GraphBatch(List<GraphInput> graphs) {
        if (graphs.isEmpty()) {
            throw new IllegalArgumentException("a graph batch needs at least one graph");
        }
        this.graphs = List.copyOf(graphs);
        int g = graphs.size();
        nodeOffsets = new int[g + 1];
        edgeOffsets = new int[g + 1];
        long tokenCount = 0;
        for (int i = 0; i < g; i++) {
            GraphInput gi = graphs.get(i);
            nodeOffsets[i + 1] = Math.addExact(nodeOffsets[i], gi.numNodes());
            edgeOffsets[i + 1] = Math.addExact(edgeOffsets[i], gi.numEdges());
            for (GraphNode n : gi.nodes()) {
                tokenCount += n.tokenCount();
            }
        }
        int n = nodeOffsets[g];
        int e = edgeOffsets[g];
        lon = new double[n];
        lat = new double[n];
        tokenOffsets = new int[n + 1];
        tokens = new int[Math.toIntExact(tokenCount)];
        source = new int[e];
        target = new int[e];
        int row = 0;
        int tok = 0;
        int edge = 0;
        for (int i = 0; i < g; i++) {
            GraphInput gi = graphs.get(i);
            for (GraphNode node : gi.nodes()) {
                lon[row] = node.coords().lon();
                lat[row] = node.coords().lat();
                for (int k = 0; k < node.tokenCount(); k++) {
                    tokens[tok++] = node.token(k);
                }
                tokenOffsets[++row] = tok;
            }
            for (GraphEdge ge : gi.edges()) {
                source[edge] = nodeOffsets[i] + ge.source();
                target[edge] = nodeOffsets[i] + ge.target();
                edge++;
            }
        }
    }

    public static GraphBatch of(List<GraphInput> graphs) {
        return new GraphBatch(graphs);
    }

    public static GraphBatch of(GraphInput... graphs) {
        return new GraphBatch(List.of(graphs));
    }

    public List<GraphInput> graphs() {
        return graphs;
    }

    public int numGraphs() {
        return graphs.size();
    }

    public int numNodes() {
        return nodeOffsets[graphs.size()];
    }

    public int numEdges() {
        return edgeOffsets[graphs.size()];
    }

    /** First row of graph g in the node tensors; {@code nodeOffset(numGraphs())} is the node count. */
    public int nodeOffset(int g) {
        return nodeOffsets[g];
    }

    /** First column of graph g in the edge index. */
    public int edgeOffset(int g) {
        return edgeOffsets[g];
    }

    /** Longitudes of all nodes in batch order (degrees). */
    public double[] lon() {
        return lon.clone();
    }

    public double[] lat() {
        return lat.clone();
    }

    /** Source node (batch row) of every edge, graph by graph. */
    public int[] source() {
        return source.clone();
    }

    public int[] target() {
        return target.clone();
    }

    /** Token ids of all nodes back to back; node i owns {@code [tokenOffset(i), tokenOffset(i + 1))}. */
    public int[] tokens() {
        return tokens.clone();
    }

    public int tokenOffset(int node) {
        return tokenOffsets[node];
    }

    /** How messages name the node in batch row {@code row}: its graph and its id. */
    public String describeNode(int row) {
        for (int g = 0; g < graphs.size(); g++) {
            if (row < nodeOffsets[g + 1]) {
                GraphInput gi = graphs.get(g);
                String graph = gi.name().isEmpty() ? "graph " + g : "graph '" + gi.name() + "'";
                return graph + ", " + gi.nodes().get(row - nodeOffsets[g]).label();
            }
        }
        throw new IndexOutOfBoundsException("row " + row + " of a batch with " + numNodes() + " nodes");
    }
}
