package org.urbangraph.ugdata.graph;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jgrapht.Graph;
import org.jgrapht.graph.DirectedMultigraph;

/**
 * A graph file of a UGData dataset (a subgraph or {@code graph.json}), read back and validated: what the UGE
 * trainer's graph encoder and UGBench consume. Errors name the file and the node or edge.
 *
 * @param file the file read
 * @param centerNode id of the image node a subgraph is centred on, or -1 for a city graph
 * @param graphAttributes the node-link {@code graph} object
 * @param nodes nodes in file order
 * @param edges edges in file order
 */
public record GraphFile(Path file, int centerNode, Map<String, Object> graphAttributes, List<Node> nodes,
        List<Edge> edges) {

    /** A node: integer id, type, name, category, the encoder's text, coordinates and further attributes. */
    public record Node(int id, String key, NodeKind type, String name, String category, String text, double lon,
            double lat, Map<String, String> attributes) {}

    /** An edge between node ids; {@code index} is its position in the file (parallel edges stay distinct). */
    public record Edge(int index, int source, int target, Relation relation, double lengthM, double bearingDeg,
            String via) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    public static GraphFile read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("graph file " + file + " does not exist");
        }
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
        }
        if (root == null || !root.isObject() || !root.path("nodes").isArray() || !root.path("edges").isArray()) {
            throw new IOException(file + ": expected a node-link graph object with 'nodes' and 'edges' arrays");
        }
        Map<String, Object> attrs = new LinkedHashMap<>();
        root.path("graph").properties().forEach(e -> attrs.put(e.getKey(), scalar(e.getValue())));
        List<Node> nodes = new ArrayList<>();
        Map<Integer, Integer> ids = new HashMap<>();
        int i = 0;
        for (JsonNode n : root.get("nodes")) {
            String where = file + ": nodes[" + i + "]";
            int id = requireInt(n, "id", where);
            if (ids.put(id, i) != null) {
                throw new IOException(where + ": duplicate node id " + id);
            }
            JsonNode coords = n.path("coords");
            if (!coords.isArray() || coords.size() != 2 || !coords.get(0).isNumber() || !coords.get(1).isNumber()) {
                throw new IOException(where + " (id " + id + "): 'coords' must be [lon, lat] numbers");
            }
            double lon = coords.get(0).asDouble();
            double lat = coords.get(1).asDouble();
            if (lon < -180 || lon > 180 || lat < -90 || lat > 90) {
                throw new IOException(where + " (id " + id + "): coords [" + lon + ", " + lat + "] out of range");
            }
            NodeKind type;
            try {
                type = NodeKind.fromLabel(requireText(n, "type", where));
            } catch (IllegalArgumentException e) {
                throw new IOException(where + ": " + e.getMessage(), e);
            }
            Map<String, String> extra = new LinkedHashMap<>();
            n.properties().forEach(e -> {
                if (!GraphJson.RESERVED.contains(e.getKey())) {
                    extra.put(e.getKey(), e.getValue().asText());
                }
            });
            nodes.add(new Node(id, n.path("key").asText(""), type, n.path("name").asText(""),
                    n.path("category").asText(""), requireText(n, "node_text", where), lon, lat, Map.copyOf(extra)));
            i++;
        }
        List<Edge> edges = new ArrayList<>();
        i = 0;
        for (JsonNode e : root.get("edges")) {
            String where = file + ": edges[" + i + "]";
            int s = requireInt(e, "source", where);
            int t = requireInt(e, "target", where);
            if (!ids.containsKey(s) || !ids.containsKey(t)) {
                throw new IOException(where + ": edge " + s + " -> " + t + " names a node that is not in the file");
            }
            Relation r;
            try {
                r = Relation.fromLabel(requireText(e, "relation", where));
            } catch (IllegalArgumentException ex) {
                throw new IOException(where + ": " + ex.getMessage(), ex);
            }
            edges.add(new Edge(i, s, t, r, requireNumber(e, "length_m", where), requireNumber(e, "bearing_deg", where),
                    e.hasNonNull("via") ? e.get("via").asText() : null));
            i++;
        }
        int center = root.path("center_node").isInt() ? root.get("center_node").asInt() : -1;
        if (center >= 0 && !ids.containsKey(center)) {
            throw new IOException(file + ": center_node " + center + " is not among the nodes");
        }
        return new GraphFile(file, center, Map.copyOf(attrs), List.copyOf(nodes), List.copyOf(edges));
    }

    /** Index of a node id in {@link #nodes()}, or -1. */
    public int indexOf(int nodeId) {
        for (int k = 0; k < nodes.size(); k++) {
            if (nodes.get(k).id() == nodeId) {
                return k;
            }
        }
        return -1;
    }

    /** The graph as a JGraphT directed multigraph of node records (for the graph encoder). */
    public Graph<Node, Edge> toJGraphT() {
        Graph<Node, Edge> g = new DirectedMultigraph<>(null, null, false);
        Map<Integer, Node> byId = new HashMap<>();
        for (Node n : nodes) {
            g.addVertex(n);
            byId.put(n.id(), n);
        }
        for (Edge e : edges) {
            g.addEdge(byId.get(e.source()), byId.get(e.target()), e);
        }
        return g;
    }

    private static Object scalar(JsonNode v) {
        if (v.isBoolean()) {
            return v.asBoolean();
        }
        if (v.isIntegralNumber()) {
            return v.asLong();
        }
        if (v.isNumber()) {
            return v.asDouble();
        }
        return v.isNull() ? null : v.asText();
    }

    private static int requireInt(JsonNode n, String field, String where) throws IOException {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new IOException(where + ": '" + field + "' must be an integer, got " + v);
        }
        return v.asInt();
    }

    private static double requireNumber(JsonNode n, String field, String where) throws IOException {
        JsonNode v = n.get(field);
        if (v == null || !v.isNumber()) {
            throw new IOException(where + ": '" + field + "' must be a number, got " + v);
        }
        return v.asDouble();
    }

    private static String requireText(JsonNode n, String field, String where) throws IOException {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new IOException(where + ": '" + field + "' must be a string, got " + v);
        }
        return v.asText();
    }
}
