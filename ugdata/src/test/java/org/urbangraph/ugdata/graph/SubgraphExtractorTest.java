package org.urbangraph.ugdata.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
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

    /** BFS hop counts from the image over nodes within the radius, other images left out. */
    static Map<SpatialNode, Integer> levels(CityGraph g, SpatialNode image, double radiusM) {
        Map<SpatialNode, Integer> level = new HashMap<>();
        level.put(image, 0);
        ArrayDeque<SpatialNode> q = new ArrayDeque<>(List.of(image));
        while (!q.isEmpty()) {
            SpatialNode u = q.poll();
            for (SpatialEdge e : g.graph().edgesOf(u)) {
                SpatialNode v = g.graph().getEdgeSource(e) == u ? g.graph().getEdgeTarget(e) : g.graph().getEdgeSource(e);
                if (v.kind() != NodeKind.IMAGE && !level.containsKey(v)
                        && g.distanceTo(v, image.lon(), image.lat()) <= radiusM) {
                    level.put(v, level.get(u) + 1);
                    q.add(v);
                }
            }
        }
        return level;
    }

    @Test
    void withinEachBreadthFirstLevelNearerNodesComeFirstAndTheCapKeepsTheNearestOfTheCutLevel() throws Exception {
        // images on a 6 x 6 grid over the extract, in a graph of their own
        CityGraph g = CityGraphBuilder.build(OsmReader.read(Fixtures.path("data", "cities", "berlin-tiergarten.osm.gz"),
                new BuildIssues(null)), "berlin", GraphSettings.defaults());
        var ext = g.extent();
        int cut = 0;
        for (int i = 0; i < 36; i++) {
            double lon = ext.minLon() + (i % 6 + 0.5) / 6 * (ext.maxLon() - ext.minLon());
            double lat = ext.minLat() + (i / 6 + 0.5) / 6 * (ext.maxLat() - ext.minLat());
            SpatialNode img = g.anchorImage("grid" + i, "street-view image", "synthetic", lon, lat, Map.of());
            Map<SpatialNode, Integer> level = levels(g, img, 400);
            List<SpatialNode> all = new SubgraphExtractor(g, 400, 100_000).extract(img).nodes();
            assertEquals(level.keySet(), new HashSet<>(all));
            for (int k = 1; k < all.size(); k++) {
                SpatialNode a = all.get(k - 1);
                SpatialNode b = all.get(k);
                assertTrue(level.get(a) <= level.get(b), "levels in order at " + k);
                if (level.get(a).equals(level.get(b))) {
                    assertTrue(g.distanceTo(a, lon, lat) <= g.distanceTo(b, lon, lat), "image " + i + ", level "
                            + level.get(a) + ": " + a.key() + " before the nearer " + b.key());
                }
            }
            // a cap that cuts level 2 halfway keeps its nearest nodes, whichever level-1 node reaches them
            int upTo1 = (int) all.stream().filter(n -> level.get(n) <= 1).count();
            List<SpatialNode> level2 = all.stream().filter(n -> level.get(n) == 2)
                    .sorted(Comparator.comparingDouble((SpatialNode n) -> g.distanceTo(n, lon, lat))
                            .thenComparingInt(SpatialNode::index))
                    .toList();
            if (level2.size() < 4) {
                continue;
            }
            cut++;
            int keep = level2.size() / 2;
            List<SpatialNode> capped = new SubgraphExtractor(g, 400, upTo1 + keep).extract(img).nodes();
            assertEquals(new HashSet<>(level2.subList(0, keep)), new HashSet<>(capped.subList(upTo1, capped.size())),
                    "image " + i);
        }
        assertTrue(cut >= 10, cut + " images with a level 2 to cut");
    }
}
