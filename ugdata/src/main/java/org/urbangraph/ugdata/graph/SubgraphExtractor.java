package org.urbangraph.ugdata.graph;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Cuts an image's subgraph out of the city graph: breadth-first from the image over the undirected graph,
 * keeping only nodes within the radius (streets and areas by their geometry, so a long street passing the image
 * counts even when its anchor is far), at most {@code maxNodes} nodes. Within one BFS level, nearer nodes come
 * first (ties by node index), so a cap that cuts a level keeps its nearest nodes; other images are left out (a
 * subgraph describes the map around one image, not other photos).
 *
 * <p>Read-only on the city graph, so many subgraphs may be cut in parallel.
 */
public final class SubgraphExtractor {
    private final CityGraph city;
    private final double radiusM;
    private final int maxNodes;

    public SubgraphExtractor(CityGraph city, double radiusM, int maxNodes) {
        if (radiusM <= 0 || maxNodes < 1) {
            throw new IllegalArgumentException("subgraph radius must be positive and max nodes at least 1; got "
                    + radiusM + " m, " + maxNodes);
        }
        this.city = city;
        this.radiusM = radiusM;
        this.maxNodes = maxNodes;
    }

    public Subgraph extract(SpatialNode center) {
        var g = city.graph();
        Map<SpatialNode, Double> distance = new HashMap<>();
        Set<SpatialNode> selected = new LinkedHashSet<>();
        selected.add(center);
        Set<SpatialNode> seen = new HashSet<>(selected);
        // level by level: the whole next level is gathered before it is sorted (nearest first, then by index), so
        // a cap that falls inside a level keeps that level's nearest nodes, whichever node of the level before
        // reaches them
        List<SpatialNode> level = List.of(center);
        while (!level.isEmpty() && selected.size() < maxNodes) {
            List<SpatialNode> next = new ArrayList<>();
            for (SpatialNode u : level) {
                for (SpatialEdge e : g.edgesOf(u)) {
                    SpatialNode v = g.getEdgeSource(e) == u ? g.getEdgeTarget(e) : g.getEdgeSource(e);
                    if (v.kind() == NodeKind.IMAGE || !seen.add(v)) {
                        continue;
                    }
                    double d = distance.computeIfAbsent(v, n -> city.distanceTo(n, center.lon(), center.lat()));
                    if (d <= radiusM) {
                        next.add(v);
                    }
                }
            }
            next.sort(Comparator.comparingDouble((SpatialNode n) -> distance.get(n)).thenComparingInt(SpatialNode::index));
            if (next.size() > maxNodes - selected.size()) {
                next = next.subList(0, maxNodes - selected.size());
            }
            selected.addAll(next);
            level = next;
        }
        List<SpatialNode> nodes = List.copyOf(selected);
        List<Subgraph.Link> links = new ArrayList<>();
        for (SpatialNode u : nodes) {
            for (SpatialEdge e : g.outgoingEdgesOf(u)) {
                SpatialNode v = g.getEdgeTarget(e);
                if (selected.contains(v)) {
                    links.add(new Subgraph.Link(u, v, e));
                }
            }
        }
        return new Subgraph(center, nodes, links, radiusM);
    }
}
