package org.urbangraph.ugdata.supervision;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jgrapht.Graph;
import org.urbangraph.ugdata.geo.Geo;
import org.urbangraph.ugdata.graph.CityGraph;
import org.urbangraph.ugdata.graph.NodeKind;
import org.urbangraph.ugdata.graph.Relation;
import org.urbangraph.ugdata.graph.SpatialEdge;
import org.urbangraph.ugdata.graph.SpatialNode;
import org.urbangraph.ugdata.graph.Subgraph;

/**
 * Finds spatial reasoning paths towards an image: a reverse breadth-first search from the image (the target)
 * inside its subgraph, at most {@code maxHops} steps, gives every node's shortest route to the image; up to
 * {@code maxPaths} start nodes are chosen, farthest hop counts first and landmarks (POIs, crossings) before
 * streets and areas, in a seeded order, and each route is written forwards as a {@link SpatialReasoningPath}.
 */
public final class ReasoningPathFinder {
    private final CityGraph city;
    private final int maxHops;
    private final int maxPaths;

    public ReasoningPathFinder(CityGraph city, int maxHops, int maxPaths) {
        if (maxHops < 1 || maxPaths < 1) {
            throw new IllegalArgumentException("maxHops and maxPaths must be at least 1; got " + maxHops + ", " + maxPaths);
        }
        this.city = city;
        this.maxHops = maxHops;
        this.maxPaths = maxPaths;
    }

    public List<SpatialReasoningPath> paths(Subgraph sub, long seed) {
        Graph<SpatialNode, SpatialEdge> g = city.graph();
        SpatialNode target = sub.center();
        Set<SpatialNode> allowed = new HashSet<>(sub.nodes());
        Map<SpatialNode, SpatialNode> towardsTarget = new HashMap<>();
        Map<SpatialNode, Integer> hops = new HashMap<>();
        hops.put(target, 0);
        ArrayDeque<SpatialNode> queue = new ArrayDeque<>(List.of(target));
        while (!queue.isEmpty()) {
            SpatialNode u = queue.poll();
            int h = hops.get(u);
            if (h == maxHops) {
                continue;
            }
            for (SpatialEdge e : g.edgesOf(u)) {
                SpatialNode v = g.getEdgeSource(e) == u ? g.getEdgeTarget(e) : g.getEdgeSource(e);
                if (!allowed.contains(v) || v.kind() == NodeKind.IMAGE || hops.containsKey(v)) {
                    continue;
                }
                hops.put(v, h + 1);
                towardsTarget.put(v, u);
                queue.add(v);
            }
        }
        // group candidate starts by hop count; landmarks first, then a seeded order
        Map<Integer, List<SpatialNode>> byHop = new HashMap<>();
        for (Map.Entry<SpatialNode, Integer> e : hops.entrySet()) {
            if (e.getValue() > 0) {
                byHop.computeIfAbsent(e.getValue(), k -> new ArrayList<>()).add(e.getKey());
            }
        }
        Comparator<SpatialNode> order = Comparator.comparingInt(ReasoningPathFinder::kindRank)
                .thenComparingLong(n -> S2Buckets.mix(seed, n.index()))
                .thenComparingInt(SpatialNode::index);
        byHop.values().forEach(l -> l.sort(order));
        List<SpatialNode> starts = new ArrayList<>();
        int[] next = new int[maxHops + 1];
        boolean progress = true;
        while (starts.size() < maxPaths && progress) {
            progress = false;
            for (int h = maxHops; h >= 1 && starts.size() < maxPaths; h--) {
                List<SpatialNode> l = byHop.get(h);
                if (l != null && next[h] < l.size()) {
                    starts.add(l.get(next[h]++));
                    progress = true;
                }
            }
        }
        List<SpatialReasoningPath> out = new ArrayList<>(starts.size());
        for (SpatialNode start : starts) {
            out.add(path(g, start, towardsTarget, target));
        }
        return out;
    }

    /** Landmarks (POIs and crossings) share the first rank and are seeded together; then streets; then areas. */
    private static int kindRank(SpatialNode n) {
        return switch (n.kind()) {
            case POI, CROSSING -> 0;
            case STREET -> 1;
            default -> 2;
        };
    }

    private SpatialReasoningPath path(Graph<SpatialNode, SpatialEdge> g, SpatialNode start,
            Map<SpatialNode, SpatialNode> towardsTarget, SpatialNode target) {
        List<SpatialReasoningPath.Step> steps = new ArrayList<>();
        SpatialNode u = start;
        while (u != target) {
            SpatialNode v = towardsTarget.get(u);
            steps.add(step(g, u, v));
            u = v;
        }
        double d = Geo.haversine(start.lon(), start.lat(), target.lon(), target.lat());
        double b = Geo.bearing(start.lon(), start.lat(), target.lon(), target.lat());
        String summary = String.format(Locale.ROOT,
                "Destination: the camera position of this street view, about %d m to the %s (%s) of %s, %d %s away.",
                Math.round(d), Geo.compassWords(b), Geo.degreesWithCompass(b), start.name(), steps.size(),
                steps.size() == 1 ? "step" : "steps");
        return new SpatialReasoningPath(start.key(), target.key(), steps, summary);
    }

    /**
     * The step from u to v over the edge joining them, measured in the direction of travel; an edge walked against
     * its direction is stated with its inverse relation ({@link Relation#inverseLabel}).
     */
    static SpatialReasoningPath.Step step(Graph<SpatialNode, SpatialEdge> g, SpatialNode u, SpatialNode v) {
        SpatialEdge forward = g.getEdge(u, v);
        if (forward != null) {
            return new SpatialReasoningPath.Step(u.name(), forward.relation().label(), v.name(), forward.lengthM(),
                    forward.bearingDeg());
        }
        SpatialEdge back = g.getEdge(v, u);
        if (back == null) {
            throw new IllegalStateException("no edge between " + u.key() + " and " + v.key());
        }
        double bearing = back.relation() == Relation.NEAREST
                ? Geo.normalizeDegrees(back.bearingDeg() + 180) // from the foot on the street back to the point
                : Geo.bearing(u.lon(), u.lat(), v.lon(), v.lat());
        if (back.relation() == Relation.NEAREST && back.lengthM() < 0.05) {
            bearing = 0;
        }
        // the edge runs v -> u: state the relation as read from u ("casa within residential area", not "bounds")
        return new SpatialReasoningPath.Step(u.name(), back.relation().inverseLabel(), v.name(), back.lengthM(),
                bearing);
    }
}
