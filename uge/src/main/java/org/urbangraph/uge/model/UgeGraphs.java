package org.urbangraph.uge.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.urbangraph.graph.GraphEdge;
import org.urbangraph.graph.GraphInput;
import org.urbangraph.graph.GraphNode;
import org.urbangraph.graph.LonLat;
import org.urbangraph.ugdata.graph.GraphFile;
import org.urbangraph.vlm.tokenizer.Tokenizer;

/**
 * UGData subgraph files as graph-encoder inputs: each node's text tokenised by the backbone's tokenizer as the
 * authors' node encoder tokenises it ({@code tokenizer(node_text.strip(), truncation=True, max_length=128)}: the
 * tokenizer's own special tokens, such as Mistral's BOS, included and counted in the 128; none for Qwen2), its
 * (lon, lat), and the file's typed edges in both directions, one edge per ordered pair of nodes (see
 * {@link GraphInput#bidirectional()}: a file may list a pair twice, e.g. two streets sharing a stretch, where the
 * authors' networkx graph holds one edge). The authors hand PyG one direction per networkx edge, so messages only
 * flow one way; UGData's edges point from images to what they see, which would leave the image node deaf, so UGE
 * sends messages both ways. Graphs are read and tokenised once and kept (a dataset revisits the same subgraphs every
 * epoch).
 */
public final class UgeGraphs {

    public static final int MAX_NODE_TOKENS = 128;

    private final Tokenizer tokenizer;
    private final int maxNodes;
    private final Map<Path, GraphInput> cache = new LinkedHashMap<>();

    /**
     * @param maxNodes keep at most this many nodes (breadth first from the centre, so the nearest survive; see
     *                 {@link #centreFirst});
     *                 0 keeps all
     */
    public UgeGraphs(Tokenizer tokenizer, int maxNodes) {
        this.tokenizer = tokenizer;
        this.maxNodes = maxNodes;
    }

    public int maxNodes() {
        return maxNodes;
    }

    public synchronized GraphInput load(Path file) {
        return cache.computeIfAbsent(file.toAbsolutePath().normalize(), this::read);
    }

    private GraphInput read(Path file) {
        GraphFile g;
        try {
            g = GraphFile.read(file);
        } catch (IOException e) {
            // GraphFile's messages start with the file already
            String message = String.valueOf(e.getMessage());
            throw new UncheckedIOException("cannot read graph: "
                    + (message.contains(file.toString()) ? message : file + ": " + message), e);
        }
        if (g.nodes().isEmpty()) {
            throw new IllegalArgumentException(file + ": the graph has no nodes; a graph needs at least one node "
                    + "for its <|graph_pad|> tokens");
        }
        List<GraphFile.Node> order = centreFirst(g);
        int n = maxNodes > 0 ? Math.min(maxNodes, order.size()) : order.size();
        Map<Integer, Integer> position = new LinkedHashMap<>();
        List<GraphNode> nodes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            GraphFile.Node node = order.get(i);
            String text = strip(node.text());
            if (text.isEmpty()) {
                throw new IllegalArgumentException(file + ": node " + node.id() + " (" + node.key() + ") has no text");
            }
            int[] ids = tokenizer.encode(text, true, MAX_NODE_TOKENS);
            position.put(node.id(), i);
            nodes.add(new GraphNode(Integer.toString(node.id()), node.type().name().toLowerCase(java.util.Locale.ROOT),
                    ids, new LonLat(node.lon(), node.lat())));
        }
        List<GraphEdge> edges = new ArrayList<>();
        for (GraphFile.Edge e : g.edges()) {
            Integer s = position.get(e.source());
            Integer t = position.get(e.target());
            if (s != null && t != null && !s.equals(t)) {
                edges.add(new GraphEdge(s, t, e.relation().name().toLowerCase(java.util.Locale.ROOT)));
            }
        }
        return GraphInput.of(file.getFileName().toString(), nodes, edges).bidirectional();
    }

    /** {@code text} without leading and trailing whitespace as Python's {@code str.strip()} sees it. */
    static String strip(String text) {
        int start = 0;
        int end = text.length();
        while (start < end && isPythonSpace(text.charAt(start))) {
            start++;
        }
        while (end > start && isPythonSpace(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(start, end);
    }

    /**
     * Python's {@code str.isspace()}: Java's whitespace plus the no-break spaces (U+00A0, U+2007, U+202F) and NEL
     * (U+0085). Every such character is in the BMP.
     */
    private static boolean isPythonSpace(char c) {
        return Character.isWhitespace(c) || c == '\u0085' || c == '\u00a0' || c == '\u2007' || c == '\u202f';
    }

    /**
     * The nodes in the order the cap keeps them. UGData writes a subgraph breadth first from its image node, nearest
     * first, and that order is kept; a file whose first node is not its {@code center_node} (written by other tools,
     * e.g. a networkx dump) is put in breadth-first order from the centre (neighbours in file order, unreachable nodes
     * last), so that the cap never drops the image node and the nearest nodes survive it.
     */
    static List<GraphFile.Node> centreFirst(GraphFile g) {
        List<GraphFile.Node> nodes = g.nodes();
        if (g.centerNode() < 0 || nodes.isEmpty() || nodes.getFirst().id() == g.centerNode()) {
            return nodes;
        }
        Map<Integer, List<Integer>> next = new LinkedHashMap<>();
        for (GraphFile.Edge e : g.edges()) {
            next.computeIfAbsent(e.source(), k -> new ArrayList<>()).add(e.target());
            next.computeIfAbsent(e.target(), k -> new ArrayList<>()).add(e.source());
        }
        Map<Integer, GraphFile.Node> byId = new LinkedHashMap<>();
        nodes.forEach(x -> byId.put(x.id(), x));
        java.util.LinkedHashSet<Integer> seen = new java.util.LinkedHashSet<>();
        java.util.ArrayDeque<Integer> queue = new java.util.ArrayDeque<>(List.of(g.centerNode()));
        seen.add(g.centerNode());
        while (!queue.isEmpty()) {
            for (int m : next.getOrDefault(queue.poll(), List.of())) {
                if (seen.add(m)) {
                    queue.add(m);
                }
            }
        }
        List<GraphFile.Node> out = new ArrayList<>(nodes.size());
        seen.forEach(id -> out.add(byId.get(id)));
        for (GraphFile.Node x : nodes) {
            if (!seen.contains(x.id())) {
                out.add(x);
            }
        }
        return out;
    }
}
