package org.urbangraph.ugdata.graph;

import java.util.Map;

/**
 * A node of the city graph. Identity is the object (JGraphT hashes vertices), and {@link #index} is its stable
 * integer id: dense, assigned in a deterministic order, and the {@code id} written in every graph file of a
 * dataset, so a node keeps one id across {@code graph.json}, subgraphs and benchmark candidates.
 *
 * @param index integer id, unique within one city's graph
 * @param key readable unique key: {@code poi/n123} (OSM node), {@code poi/w45} (OSM way), {@code street/7},
 *     {@code crossing/n99}, {@code area/w12}, {@code image/<image id>}
 * @param kind node type
 * @param name display name ("Intersection of A and B" for crossings)
 * @param category POI value (cafe, museum ...), street highway class, "crossing" / "complex_crossing",
 *     area class, or the image source ("synthetic" / "photo")
 * @param lon longitude of the node's anchor point (streets: the point of the street nearest its centroid)
 * @param lat latitude of the anchor point
 * @param attributes further facts written to graph files and node text (address parts, heading, ...)
 */
public record SpatialNode(int index, String key, NodeKind kind, String name, String category, double lon, double lat,
        Map<String, String> attributes) {

    public SpatialNode {
        attributes = Map.copyOf(attributes);
    }

    public String attribute(String name) {
        return attributes.get(name);
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return Integer.hashCode(index);
    }

    @Override
    public String toString() {
        return key + " (" + name + ")";
    }
}
