package org.urbangraph.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.jgrapht.Graph;

/**
 * One graph for the encoder: its nodes in a fixed order (the order of the encoder's output rows) and its edges in
 * the order given. Built from plain lists ({@link #of}) or from a JGraphT graph ({@link #fromJGraphT}); a
 * {@link GraphBatch} joins several.
 *
 * <p>Every node must have coordinates. The reference silently places a node without a {@code coords} attribute at
 * (0, 0), thousands of kilometres away from its neighbours (its edges then measure ~8,700 km); here that is an
 * error naming the graph and the node.
 */
public final class GraphInput {

    private final String name;
    private final List<GraphNode> nodes;
    private final List<GraphEdge> edges;

    private GraphInput(String name, List<GraphNode> nodes, List<GraphEdge> edges) {
        this.name = name;
        this.nodes = List.copyOf(nodes);
        this.edges = List.copyOf(edges);
    }

    /**
     * A graph from its node list and its edges (by node position). Node ids must be unique, every node must have
     * coordinates, and every edge must point at nodes of this graph.
     */
    public static GraphInput of(String name, List<GraphNode> nodes, List<GraphEdge> edges) {
        String graph = name == null || name.isEmpty() ? "graph" : "graph '" + name + "'";
        Objects.requireNonNull(nodes, graph + ": node list");
        Objects.requireNonNull(edges, graph + ": edge list");
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < nodes.size(); i++) {
            GraphNode n = nodes.get(i);
            if (n == null) {
                throw new IllegalArgumentException(graph + ": node " + i + " is null");
            }
            if (!ids.add(n.id())) {
                throw new IllegalArgumentException(graph + ": node id " + n.id() + " appears twice");
            }
            if (n.coords() == null) {
                throw new IllegalArgumentException(graph + ": " + n.label() + " has no coordinates (lon, lat); the "
                        + "graph encoder needs every node's position for the coordinate encoding and the edge geometry");
            }
        }
        for (int e = 0; e < edges.size(); e++) {
            GraphEdge edge = edges.get(e);
            if (edge == null) {
                throw new IllegalArgumentException(graph + ": edge " + e + " is null");
            }
            if (edge.source() < 0 || edge.source() >= nodes.size() || edge.target() < 0
                    || edge.target() >= nodes.size()) {
                throw new IllegalArgumentException(graph + ": edge " + e + " (" + edge.source() + " -> "
                        + edge.target() + ") points outside the " + nodes.size() + " nodes");
            }
        }
        return new GraphInput(name == null ? "" : name, nodes, edges);
    }

    /**
     * A graph from a JGraphT graph. Nodes follow {@code graph.vertexSet()} order and edges {@code graph.edgeSet()}
     * order (insertion order for JGraphT's default graphs, which is networkx's node order when a graph is copied
     * node by node); each edge sends messages from {@code getEdgeSource} to {@code getEdgeTarget}, also in an
     * undirected graph, as the reference hands PyG one direction per undirected edge.
     *
     * @param node maps a vertex to its node (id, type, token ids, position)
     * @param relation maps an edge to its relation name; may be null when the edges carry none
     */
    public static <V, E> GraphInput fromJGraphT(String name, Graph<V, E> graph, Function<? super V, GraphNode> node,
                                                Function<? super E, String> relation) {
        Map<V, Integer> index = new HashMap<>(); // vertices are told apart by equals(), as JGraphT does
        List<GraphNode> nodes = new ArrayList<>();
        for (V v : graph.vertexSet()) {
            GraphNode n = node.apply(v);
            if (n == null) {
                throw new IllegalArgumentException("graph '" + name + "': the node mapping gave null for vertex " + v);
            }
            index.put(v, nodes.size());
            nodes.add(n);
        }
        List<GraphEdge> edges = new ArrayList<>();
        for (E e : graph.edgeSet()) {
            int s = index.get(graph.getEdgeSource(e));
            int t = index.get(graph.getEdgeTarget(e));
            edges.add(new GraphEdge(s, t, relation == null ? "" : relation.apply(e)));
        }
        return of(name, nodes, edges);
    }

    /**
     * This graph as a simple graph whose edges carry messages both ways: one edge per ordered pair of nodes that
     * some edge joins, in either direction (self-loops once). For datasets whose edges are undirected relations,
     * such as UGData's, where one pair of nodes may be listed twice (two streets sharing a stretch give two
     * {@code on_same_street} edges) and the reference's networkx {@code Graph} holds one edge per pair. The encoder
     * does not read relations and computes edge features from the positions, so a repeated pair would only be an
     * identical second message (double attention weight, counted twice in the self-loop's mean edge feature).
     *
     * <p>Order: the edges as given, without the repeats of a (source, target) already listed (the first keeps its
     * relation), then the reverse of each edge whose reverse is not listed, in the same order, with that edge's
     * relation.
     */
    public GraphInput bidirectional() {
        Set<Long> present = new HashSet<>();
        List<GraphEdge> kept = new ArrayList<>(edges.size());
        for (GraphEdge e : edges) {
            if (present.add(pair(e.source(), e.target()))) {
                kept.add(e);
            }
        }
        List<GraphEdge> all = new ArrayList<>(kept);
        for (GraphEdge e : kept) {
            if (present.add(pair(e.target(), e.source()))) {
                all.add(new GraphEdge(e.target(), e.source(), e.relation()));
            }
        }
        return new GraphInput(name, nodes, all);
    }

    private static long pair(int source, int target) {
        return ((long) source << 32) | (target & 0xffffffffL);
    }

    public String name() {
        return name;
    }

    public List<GraphNode> nodes() {
        return nodes;
    }

    public List<GraphEdge> edges() {
        return edges;
    }

    public int numNodes() {
        return nodes.size();
    }

    public int numEdges() {
        return edges.size();
    }

    @Override
    public String toString() {
        return "GraphInput[" + (name.isEmpty() ? "" : name + ", ") + nodes.size() + " nodes, " + edges.size()
                + " edges]";
    }
}
