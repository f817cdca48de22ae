package org.urbangraph.ugdata.graph;

import java.util.List;

/**
 * The neighbourhood of one image: the nodes within a radius, capped by breadth-first order from the image, and
 * the city-graph edges among them.
 *
 * @param center the image node
 * @param nodes nodes in BFS order (the centre first)
 * @param edges edges among those nodes, grouped by source in node order
 * @param radiusM the radius used
 */
public record Subgraph(SpatialNode center, List<SpatialNode> nodes, List<Link> edges, double radiusM) {

    /** An edge with its endpoints. */
    public record Link(SpatialNode source, SpatialNode target, SpatialEdge edge) {}
}
