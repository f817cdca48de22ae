package org.urbangraph.ugdata.supervision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.ugdata.graph.CityGraph;
import org.urbangraph.ugdata.graph.SpatialNode;
import org.urbangraph.ugdata.graph.Subgraph;
import org.urbangraph.ugdata.graph.SubgraphExtractor;
import org.urbangraph.ugdata.graph.TinyTown;

class TemplateCaptionerTest {
    @TempDir
    Path tmp;

    @Test
    void captionsStateTheStreetCrossingPlacesAndNetworkWithSides() throws Exception {
        CityGraph town = TinyTown.build(tmp);
        SpatialNode img = town.anchorImage("i1", "street-view image", "synthetic", 0.001, 0.0001, Map.of());
        Subgraph sub = new SubgraphExtractor(town, 700, 500).extract(img);
        PerceptionLabels.Labels labels = PerceptionLabels.at(town, img.lon(), img.lat(), "residential");
        Set<String> captions = new HashSet<>();
        for (long seed = 0; seed < 12; seed++) {
            String c = new TemplateCaptioner().caption(new CaptionContext("Tiny Town", img, 90.0, null, town, sub, labels,
                    seed));
            captions.add(c);
            assertTrue(c.contains("A Street"), c);
            assertTrue(c.contains("Tiny Town"), c);
            assertTrue(c.contains("east"), "heading 90 is east: " + c);
            // crossing A/B: 1.0 x 0.1 milli-degrees east-north-east of the camera, 111.7 m, 5.7 degrees left of ahead
            assertTrue(c.contains("Intersection of A Street and B Street") && c.contains("112 m ahead"), c);
            // the cafe: 1.5 x 0.2 milli-degrees, 168.3 m, 7.6 degrees left of ahead
            assertTrue(c.contains("Cafe Uno (cafe, 168 m ahead)"), c);
            assertTrue(c.contains("Within 700 m the street network has 3 streets and 2 crossings (0 of them complex),"
                    + " with 1 place of interest."), c);
            assertTrue(c.contains("B Street") && c.contains("C Street"), c);
        }
        assertEquals(3, captions.size(), "three phrasings, chosen by seed");
        String noHeading = new TemplateCaptioner().caption(new CaptionContext("Tiny Town", img, Double.NaN, null, town,
                sub, labels, 0));
        assertTrue(noHeading.contains("112 m to the east") && noHeading.contains("Cafe Uno (cafe, 168 m to the east)"),
                noHeading);
    }

    @Test
    void factsComeFromTheMapNotFromACappedSubgraph() throws Exception {
        CityGraph town = TinyTown.build(tmp);
        SpatialNode img = town.anchorImage("i1", "street-view image", "synthetic", 0.001, 0.0001, Map.of());
        // a subgraph capped at two nodes holds the image and A Street only: no crossing, no cafe
        Subgraph sub = new SubgraphExtractor(town, 700, 2).extract(img);
        assertEquals(2, sub.nodes().size());
        ImageSurroundings s = ImageSurroundings.of(town, sub);
        assertEquals("A Street", s.street().name());
        assertEquals(List.of("Intersection of A Street and B Street", "Intersection of A Street and C Street"),
                s.crossings().stream().map(x -> x.node().name()).toList());
        // crossing A/B: 1.0 x 0.1 milli-degrees; A/C: 3.0 x 0.1 milli-degrees
        assertEquals(Math.hypot(1.0, 0.1) * TinyTown.MILLI_DEG_M, s.crossings().get(0).distanceM(), 0.05);
        assertEquals(Math.hypot(3.0, 0.1) * TinyTown.MILLI_DEG_M, s.crossings().get(1).distanceM(), 0.05);
        assertEquals(List.of("Cafe Uno"), s.pois().stream().map(p -> p.node().name()).toList());
        // B Street runs 1.0 milli-degrees east of the camera, C Street 3.0
        assertEquals(List.of("B Street", "C Street"), s.streets().stream().map(x -> x.node().name()).toList());
        assertEquals(3, s.streetCount());
        PerceptionLabels.Labels labels = PerceptionLabels.at(town, img.lon(), img.lat(), "residential");
        String c = new TemplateCaptioner().caption(new CaptionContext("Tiny Town", img, 90.0, null, town, sub, labels, 0));
        assertTrue(c.contains("Within 700 m the street network has 3 streets and 2 crossings (0 of them complex),"
                + " with 1 place of interest."), c);
        assertTrue(c.contains("Cafe Uno (cafe, 168 m ahead)") && c.contains("112 m ahead"), c);
        assertEquals("On A Street, 112 m from the Intersection of A Street and B Street; near Cafe Uno (cafe).",
                PlaceDescriber.describe(s));
        // a smaller radius holds fewer facts: within 150 m only the A/B crossing and B Street (and A Street)
        ImageSurroundings near = ImageSurroundings.of(town, img, 150);
        assertEquals(1, near.crossings().size());
        assertEquals(0, near.pois().size());
        assertEquals(2, near.streetCount());
    }

    @Test
    void sidesFollowTheHeading() {
        SpatialNode dummy = new SpatialNode(0, "poi/x", org.urbangraph.ugdata.graph.NodeKind.POI, "X", "cafe", 0, 0, Map.of());
        assertEquals("ahead", TemplateCaptioner.where(new ImageSurroundings.Nearby(dummy, 10, 100), 90));
        assertEquals("on the right", TemplateCaptioner.where(new ImageSurroundings.Nearby(dummy, 10, 180), 90));
        assertEquals("on the left", TemplateCaptioner.where(new ImageSurroundings.Nearby(dummy, 10, 0), 90));
        assertEquals("behind", TemplateCaptioner.where(new ImageSurroundings.Nearby(dummy, 10, 265), 90));
        assertEquals("to the south-west", TemplateCaptioner.where(new ImageSurroundings.Nearby(dummy, 10, 225), Double.NaN));
    }
}
