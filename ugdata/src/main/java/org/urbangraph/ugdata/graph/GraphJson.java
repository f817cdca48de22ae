package org.urbangraph.ugdata.graph;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;

/**
 * Writes a graph in networkx's node-link JSON ({@code nx.node_link_graph(data, edges="edges")} loads it as a
 * MultiDiGraph), with the node attributes the UGE graph encoder reads: {@code node_text} and {@code coords}
 * ([lon, lat]). Node ids are the city graph's integer indices. The full format is in {@code ugdata/README.md};
 * {@link GraphFile} reads it back.
 */
public final class GraphJson {
    private static final JsonFactory JSON = new JsonFactory();

    private GraphJson() {}

    /** Writes one image's subgraph of a city graph. */
    public static void write(Subgraph sub, CityGraph city, String cityName, Map<String, Object> graphAttributes,
            Path file) throws IOException {
        write(city, sub.nodes(), sub.edges(), sub.center(), cityName, graphAttributes, file);
    }

    /** Writes the whole city graph. */
    public static void write(CityGraph city, String cityName, Map<String, Object> graphAttributes, Path file)
            throws IOException {
        var g = city.graph();
        java.util.List<Subgraph.Link> links = new java.util.ArrayList<>(g.edgeSet().size());
        for (SpatialNode u : city.nodes()) {
            for (SpatialEdge e : g.outgoingEdgesOf(u)) {
                links.add(new Subgraph.Link(u, g.getEdgeTarget(e), e));
            }
        }
        write(city, city.nodes(), links, null, cityName, graphAttributes, file);
    }

    private static void write(CityGraph city, Collection<SpatialNode> nodes, Collection<Subgraph.Link> edges, SpatialNode center,
            String cityName, Map<String, Object> graphAttributes, Path file) throws IOException {
        try (OutputStream os = Files.newOutputStream(file);
                JsonGenerator j = JSON.createGenerator(new java.io.BufferedOutputStream(os, 1 << 16), JsonEncoding.UTF8)) {
            j.writeStartObject();
            j.writeBooleanField("directed", true);
            j.writeBooleanField("multigraph", true);
            j.writeObjectFieldStart("graph");
            if (center != null) {
                j.writeNumberField("central_node_id", center.index());
            }
            for (Map.Entry<String, Object> e : graphAttributes.entrySet()) {
                writeValue(j, e.getKey(), e.getValue());
            }
            j.writeEndObject();
            if (center != null) {
                j.writeNumberField("center_node", center.index());
            }
            j.writeArrayFieldStart("nodes");
            for (SpatialNode n : nodes) {
                j.writeStartObject();
                j.writeNumberField("id", n.index());
                j.writeStringField("key", n.key());
                j.writeStringField("type", n.kind().label());
                j.writeStringField("name", n.name());
                j.writeStringField("category", n.category());
                j.writeStringField("node_text", city.nodeText(n, cityName));
                j.writeArrayFieldStart("coords");
                j.writeNumber(round7(n.lon()));
                j.writeNumber(round7(n.lat()));
                j.writeEndArray();
                for (Map.Entry<String, String> a : new java.util.TreeMap<>(n.attributes()).entrySet()) {
                    if (!RESERVED.contains(a.getKey())) {
                        j.writeStringField(a.getKey(), a.getValue());
                    }
                }
                j.writeEndObject();
            }
            j.writeEndArray();
            j.writeArrayFieldStart("edges");
            for (Subgraph.Link l : edges) {
                j.writeStartObject();
                j.writeNumberField("source", l.source().index());
                j.writeNumberField("target", l.target().index());
                j.writeStringField("relation", l.edge().relation().label());
                j.writeNumberField("length_m", l.edge().lengthM());
                j.writeNumberField("bearing_deg", l.edge().bearingDeg());
                if (l.edge().via() != null) {
                    j.writeStringField("via", l.edge().via());
                }
                j.writeEndObject();
            }
            j.writeEndArray();
            j.writeEndObject();
        }
    }

    /** Attribute names a node's attributes may not override. */
    static final java.util.Set<String> RESERVED = java.util.Set.of("id", "key", "type", "name", "category",
            "node_text", "coords");

    private static void writeValue(JsonGenerator j, String key, Object v) throws IOException {
        switch (v) {
            case null -> j.writeNullField(key);
            case Boolean b -> j.writeBooleanField(key, b);
            case Integer i -> j.writeNumberField(key, i);
            case Long l -> j.writeNumberField(key, l);
            case Double d -> j.writeNumberField(key, d);
            default -> j.writeStringField(key, v.toString());
        }
    }

    static double round7(double x) {
        return Math.round(x * 1e7) / 1e7;
    }
}
