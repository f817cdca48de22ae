package org.urbangraph.ugdata.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.ugdata.BuildIssues;
import org.urbangraph.ugdata.osm.OsmReader;

class SubgraphExtractorTest {
    static CityGraph berlin;
    static SpatialNode image;
    static SpatialNode other;

    @BeforeAll
    static void load() throws Exception {
        berlin = CityGraphBuilder.build(OsmReader.read(Fixtures.path("data", "cities", "berlin-tiergarten.osm.gz"),
                new BuildIssues(null)), "berlin", GraphSettings.defaults());
        // two images on the roundabout near the Victory Column, 5 m apart
        image = berlin.anchorImage("a", "street-view image", "synthetic", 13.3494, 52.5142, Map.of());
        other = berlin.anchorImage("b", "street-view image", "synthetic", 13.34947, 52.5142, Map.of());
    }

    @Test
    void keepsOnlyNodesWithinTheRadiusAndNoOtherImage() {
        Subgraph sub = new SubgraphExtractor(berlin, 300, 500).extract(image);
        assertSame(image, sub.nodes().getFirst());
        assertFalse(sub.nodes().contains(other));
        for (SpatialNode n : sub.nodes()) {
            assertTrue(berlin.distanceTo(n, image.lon(), image.lat()) <= 300, n + " lies outside 300 m");
        }
        // a long street counts by its geometry: the roundabout passes within metres though its anchor is farther
        assertTrue(sub.nodes().stream().anyMatch(n -> n.name().equals("Großer Stern") && n.kind() == NodeKind.STREET));
        // every node within 300 m that BFS can reach through nodes within 300 m is there
        Set<SpatialNode> reachable = new HashSet<>();
        java.util.ArrayDeque<SpatialNode> q = new java.util.ArrayDeque<>();
        q.add(image);
        reachable.add(image);
        while (!q.isEmpty()) {
            SpatialNode u = q.poll();
            for (SpatialEdge e : berlin.graph().edgesOf(u)) {
                SpatialNode v = berlin.graph().getEdgeSource(e) == u ? berlin.graph().getEdgeTarget(e) : berlin.graph().getEdgeSource(e);
                if (v.kind() != NodeKind.IMAGE && berlin.distanceTo(v, image.lon(), image.lat()) <= 300 && reachable.add(v)) {
                    q.add(v);
                }
            }
        }
        assertEquals(reachable, new HashSet<>(sub.nodes()));
    }

    @Test
    void theCapKeepsTheBreadthFirstPrefixNearestFirst() {
        Subgraph all = new SubgraphExtractor(berlin, 700, 500).extract(image);
        Subgraph capped = new SubgraphExtractor(berlin, 700, 12).extract(image);
        assertEquals(12, capped.nodes().size());
        assertTrue(all.nodes().size() > 12);
        assertEquals(all.nodes().subList(0, 12), capped.nodes(), "the cap cuts the same BFS order");
        // the first ring: the image's direct neighbours, nearest first
        Set<SpatialNode> direct = new HashSet<>();
        for (SpatialEdge e : berlin.graph().edgesOf(image)) {
            direct.add(berlin.graph().getEdgeSource(e) == image ? berlin.graph().getEdgeTarget(e) : berlin.graph().getEdgeSource(e));
        }
        for (int i = 1; i <= direct.size(); i++) {
            assertTrue(direct.contains(all.nodes().get(i)), "position " + i + " is a direct neighbour");
        }
        for (int i = 2; i <= direct.size(); i++) {
            assertTrue(berlin.distanceTo(all.nodes().get(i - 1), image.lon(), image.lat())
                    <= berlin.distanceTo(all.nodes().get(i), image.lon(), image.lat()));
        }
    }

    @Test
    void edgesAreThoseOfTheCityGraphAmongTheKeptNodes() {
        Subgraph sub = new SubgraphExtractor(berlin, 400, 40).extract(image);
        Set<SpatialNode> kept = new HashSet<>(sub.nodes());
        long expected = berlin.graph().edgeSet().stream().filter(e -> kept.contains(berlin.graph().getEdgeSource(e))
                && kept.contains(berlin.graph().getEdgeTarget(e))).count();
        assertEquals(expected, sub.edges().size());
        for (Subgraph.Link l : sub.edges()) {
            assertTrue(berlin.graph().getAllEdges(l.source(), l.target()).contains(l.edge()));
        }
    }

    @Test
    void rejectsNonsenseSettings() {
        assertThrows(IllegalArgumentException.class, () -> new SubgraphExtractor(berlin, 0, 10));
        assertThrows(IllegalArgumentException.class, () -> new SubgraphExtractor(berlin, 100, 0));
    }
}
