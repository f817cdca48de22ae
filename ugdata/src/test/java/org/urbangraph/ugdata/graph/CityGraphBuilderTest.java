package org.urbangraph.ugdata.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.ugdata.BuildIssues;
import org.urbangraph.ugdata.geo.Geo;
import org.urbangraph.ugdata.osm.OsmReader;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The city graph of the Berlin Tiergarten extract, checked against the raw XML read independently with the
 * JDK's DOM parser, and of a hand-made town where every number can be worked out by hand.
 */
class CityGraphBuilderTest {
    static CityGraph berlin;
    /** OSM node id to lon/lat, and named highway ways (name, node ids), from the DOM. */
    static Map<Long, double[]> domNodes = new HashMap<>();
    static List<Map.Entry<String, List<Long>>> domStreets = new ArrayList<>();

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() throws Exception {
        Path file = Fixtures.path("data", "cities", "berlin-tiergarten.osm.gz");
        berlin = CityGraphBuilder.build(OsmReader.read(file, new BuildIssues(null)), "berlin", GraphSettings.defaults());
        Document doc;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in);
        }
        NodeList nodes = doc.getElementsByTagName("node");
        for (int i = 0; i < nodes.getLength(); i++) {
            Element e = (Element) nodes.item(i);
            domNodes.put(Long.parseLong(e.getAttribute("id")), new double[] {Double.parseDouble(e.getAttribute("lon")),
                Double.parseDouble(e.getAttribute("lat"))});
        }
        NodeList ways = doc.getElementsByTagName("way");
        for (int i = 0; i < ways.getLength(); i++) {
            Element w = (Element) ways.item(i);
            Map<String, String> tags = new HashMap<>();
            NodeList tl = w.getElementsByTagName("tag");
            for (int k = 0; k < tl.getLength(); k++) {
                Element t = (Element) tl.item(k);
                tags.put(t.getAttribute("k"), t.getAttribute("v"));
            }
            if (tags.containsKey("highway") && tags.containsKey("name")) {
                List<Long> refs = new ArrayList<>();
                NodeList nds = w.getElementsByTagName("nd");
                for (int k = 0; k < nds.getLength(); k++) {
                    refs.add(Long.parseLong(((Element) nds.item(k)).getAttribute("ref")));
                }
                domStreets.add(Map.entry(tags.get("name"), refs));
            }
        }
    }

    @Test
    void namedHighwayWaysBecomeStreetsMergedByName() {
        Set<String> domNames = domStreets.stream().map(Map.Entry::getKey).collect(Collectors.toCollection(TreeSet::new));
        Set<String> names = berlin.nodesOf(NodeKind.STREET).stream().map(SpatialNode::name)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(domNames, names);
        SpatialNode stern = berlin.nodesOf(NodeKind.STREET).stream().filter(s -> s.name().equals("Großer Stern"))
                .findFirst().orElseThrow();
        long sternWays = domStreets.stream().filter(e -> e.getKey().equals("Großer Stern")).count();
        assertEquals(sternWays, berlin.streetGeometry(stern).osmWayIds().length, "all ways of the roundabout merge");
        assertEquals("primary", stern.category(), "a roundabout ringed by cycle tracks is still a primary road");
        // Straße des 17. Juni is cut in two by the roundabout (250 m apart): two streets of one name
        assertEquals(2, berlin.nodesOf(NodeKind.STREET).stream().filter(s -> s.name().equals("Straße des 17. Juni")).count());
    }

    @Test
    void crossingsAreSharedNodesOfDifferentStreetsAndComplexFromThreeStreets() {
        Map<Long, Set<String>> namesAtNode = new HashMap<>();
        for (Map.Entry<String, List<Long>> w : domStreets) {
            for (long id : w.getValue()) {
                namesAtNode.computeIfAbsent(id, k -> new TreeSet<>()).add(w.getKey());
            }
        }
        List<SpatialNode> crossings = berlin.nodesOf(NodeKind.CROSSING);
        assertFalse(crossings.isEmpty());
        for (SpatialNode c : crossings) {
            long osm = Long.parseLong(c.key().substring("crossing/n".length()));
            Set<String> names = namesAtNode.get(osm);
            assertNotNull(names, c.key());
            assertTrue(names.size() >= 2, c.key() + " joins " + names);
            assertEquals(names.size() >= 3 ? "complex_crossing" : "crossing", c.category(), c.key() + " " + names);
            assertEquals("Intersection of " + String.join(" and ", names), c.name());
            assertEquals(domNodes.get(osm)[0], c.lon(), 0.0);
            assertEquals(domNodes.get(osm)[1], c.lat(), 0.0);
        }
        // every shared node of differently named streets is a crossing or lies within 30 m of one of the same streets
        for (Map.Entry<Long, Set<String>> e : namesAtNode.entrySet()) {
            if (e.getValue().size() < 2) {
                continue;
            }
            double[] p = domNodes.get(e.getKey());
            boolean covered = crossings.stream().anyMatch(c -> c.attribute("streets").equals(String.join(" / ", e.getValue()))
                    && Geo.haversine(p[0], p[1], c.lon(), c.lat()) < 30.0 + 1e-9);
            assertTrue(covered, "shared node " + e.getKey() + " of " + e.getValue());
        }
        SpatialNode complex = berlin.byKey("crossing/n21487169");
        assertEquals("complex_crossing", complex.category());
        assertEquals("Intersection of Altonaer Straße and Großer Stern and Straße des 17. Juni", complex.name());
    }

    @Test
    void streetsMeetingAtAComplexCrossingAreLinkedPairwise() {
        var g = berlin.graph();
        List<SpatialEdge> viaComplex = g.edgeSet().stream().filter(e -> "crossing/n21487169".equals(e.via())).toList();
        assertEquals(3, viaComplex.size(), "three streets give three pairs");
        for (SpatialEdge e : viaComplex) {
            assertEquals(Relation.COMPLEX_CROSSING, e.relation());
            SpatialNode s = g.getEdgeSource(e);
            SpatialNode t = g.getEdgeTarget(e);
            assertEquals(NodeKind.STREET, s.kind());
            assertEquals(NodeKind.STREET, t.kind());
            assertEquals(Geo.haversine(s.lon(), s.lat(), t.lon(), t.lat()), e.lengthM(), 0.05);
            assertEquals(Geo.bearing(s.lon(), s.lat(), t.lon(), t.lat()), e.bearingDeg(), 0.05);
        }
        long simple = g.edgeSet().stream().filter(e -> e.relation() == Relation.INTERSECTION).count();
        assertTrue(simple >= 3, "Großer Stern meets Fasanerieallee, Hofjägerallee and Große Sternallee alone");
    }

    @Test
    void onSameStreetLinksConsecutiveCrossingsWithTheLengthAlongTheStreet() {
        // crossings n1337618611 and n3366747771 both lie on a way of Straße des 17. Juni; walk it in the DOM
        long a = 1337618611L;
        long b = 3366747771L;
        double along = Double.NaN;
        for (Map.Entry<String, List<Long>> w : domStreets) {
            List<Long> refs = w.getValue();
            int i = refs.indexOf(a);
            int j = refs.indexOf(b);
            if (w.getKey().equals("Straße des 17. Juni") && i >= 0 && j >= 0) {
                along = 0;
                for (int k = Math.min(i, j); k < Math.max(i, j); k++) {
                    double[] p = domNodes.get(refs.get(k));
                    double[] q = domNodes.get(refs.get(k + 1));
                    along += Geo.haversine(p[0], p[1], q[0], q[1]);
                }
            }
        }
        assertFalse(Double.isNaN(along), "the DOM holds a way with both crossings");
        SpatialNode ca = berlin.byKey("crossing/n" + a);
        SpatialNode cb = berlin.byKey("crossing/n" + b);
        SpatialEdge e = berlin.graph().getEdge(ca, cb);
        assertNotNull(e);
        assertEquals(Relation.ON_SAME_STREET, e.relation());
        assertEquals(along, e.lengthM(), 0.051);
        assertEquals(Geo.bearing(ca.lon(), ca.lat(), cb.lon(), cb.lat()), e.bearingDeg(), 0.051);
    }

    @Test
    void aPoiLinksToItsNearestStreetWithThePerpendicularDistance() {
        SpatialNode cafe = berlin.byKey("poi/n270667310");
        assertEquals("Café Viktoria", cafe.name());
        assertEquals("cafe", cafe.category());
        SpatialEdge nearest = berlin.graph().outgoingEdgesOf(cafe).stream()
                .filter(e -> e.relation() == Relation.NEAREST).findFirst().orElseThrow();
        SpatialNode street = berlin.graph().getEdgeTarget(nearest);
        // brute force over every named way segment in a local metric frame, independent of the index
        double best = Double.MAX_VALUE;
        String bestName = null;
        double k = Math.cos(Math.toRadians(cafe.lat()));
        for (Map.Entry<String, List<Long>> w : domStreets) {
            for (int i = 0; i + 1 < w.getValue().size(); i++) {
                double[] p = domNodes.get(w.getValue().get(i));
                double[] q = domNodes.get(w.getValue().get(i + 1));
                if (p == null || q == null) {
                    continue;
                }
                double ax = (p[0] - cafe.lon()) * k;
                double ay = p[1] - cafe.lat();
                double bx = (q[0] - cafe.lon()) * k;
                double by = q[1] - cafe.lat();
                double dx = bx - ax;
                double dy = by - ay;
                double t = Math.max(0, Math.min(1, -(ax * dx + ay * dy) / (dx * dx + dy * dy)));
                double d = Math.hypot(ax + t * dx, ay + t * dy) * Math.PI / 180 * Geo.EARTH_RADIUS_M;
                if (d < best) {
                    best = d;
                    bestName = w.getKey();
                }
            }
        }
        assertEquals(bestName, street.name());
        assertEquals(best, nearest.lengthM(), 0.06);
    }

    @Test
    void everyNodeTypeAndTheBerlinRelationTypesArePresent() {
        Map<NodeKind, Integer> nodes = berlin.nodeCounts();
        for (NodeKind k : List.of(NodeKind.POI, NodeKind.STREET, NodeKind.CROSSING, NodeKind.AREA)) {
            assertTrue(nodes.getOrDefault(k, 0) > 0, k.toString());
        }
        Map<Relation, Integer> edges = berlin.edgeCounts();
        for (Relation r : List.of(Relation.ON_SAME_STREET, Relation.INTERSECTION, Relation.COMPLEX_CROSSING,
                Relation.NEAREST, Relation.NEAR)) {
            assertTrue(edges.getOrDefault(r, 0) > 0, r.toString());
        }
    }

    @Test
    void theHandMadeTownHasTheNumbersWorkedOutByHand() throws IOException {
        CityGraph g = TinyTown.build(tmp);
        double m = TinyTown.MILLI_DEG_M;
        assertEquals(3, g.nodesOf(NodeKind.STREET).size());
        SpatialNode ab = g.byKey("crossing/n2");
        SpatialNode ac = g.byKey("crossing/n3");
        assertEquals("Intersection of A Street and B Street", ab.name());
        assertEquals("crossing", ab.category());
        SpatialEdge along = g.graph().getEdge(ab, ac);
        assertEquals(Relation.ON_SAME_STREET, along.relation());
        assertEquals(2 * m, along.lengthM(), 0.05);
        assertEquals(90.0, along.bearingDeg(), 0.05);
        SpatialNode cafe = g.byKey("poi/n7");
        SpatialNode a = g.nodesOf(NodeKind.STREET).stream().filter(s -> s.name().equals("A Street")).findFirst().orElseThrow();
        SpatialEdge toStreet = g.graph().getEdge(cafe, a);
        assertEquals(Relation.NEAREST, toStreet.relation());
        assertEquals(0.3 * m, toStreet.lengthM(), 0.05);
        assertEquals(180.0, toStreet.bearingDeg(), 0.05);
        SpatialEdge near = g.graph().getEdge(cafe, ab);
        assertEquals(Relation.NEAR, near.relation());
        assertEquals(Math.hypot(0.5, 0.3) * m, near.lengthM(), 0.05);
        assertEquals(Math.toDegrees(Math.atan2(-0.5, -0.3)) + 360, near.bearingDeg(), 0.05);
        // image anchoring: nearest street A, 0.1 milli-degree south; crossing A/B near (111.7 m < 150 m)
        SpatialNode img = g.anchorImage("i1", "street-view image", "synthetic", 0.001, 0.0001, Map.of());
        SpatialEdge imgStreet = g.graph().getEdge(img, a);
        assertEquals(Relation.NEAREST, imgStreet.relation());
        assertEquals(0.1 * m, imgStreet.lengthM(), 0.05);
        assertEquals(180.0, imgStreet.bearingDeg(), 0.05);
        assertNotNull(g.graph().getEdge(img, ab));
        assertEquals(null, g.graph().getEdge(img, cafe), "the cafe is 168 m away, beyond the 150 m image radius");
    }

    @Test
    void areasBoundThePointsInsideAndIntersectTheStreetsThroughThem() throws IOException {
        Path f = tmp.resolve("park.osm");
        Files.writeString(f, TinyTown.XML.replace("</osm>", """
                 <node id="20" lat="0.001" lon="0.0015"/>
                 <node id="21" lat="0.001" lon="0.0035"/>
                 <node id="22" lat="0.0018" lon="0.0035"/>
                 <node id="23" lat="0.0018" lon="0.0015"/>
                 <way id="200"><nd ref="20"/><nd ref="21"/><nd ref="22"/><nd ref="23"/><nd ref="20"/><tag k="leisure" v="park"/><tag k="name" v="Park Eins"/></way>
                 <node id="24" lat="0.0015" lon="0.003"><tag k="historic" v="memorial"/><tag k="name" v="Denkmal"/></node>
                </osm>
                """));
        CityGraph g = CityGraphBuilder.build(OsmReader.read(f, new BuildIssues(null)), "park", GraphSettings.defaults());
        SpatialNode park = g.byKey("area/w200");
        assertEquals("Park Eins", park.name());
        assertEquals("park", park.category());
        assertEquals(0.002 * 0.0008 * 1e6 * TinyTown.MILLI_DEG_M * TinyTown.MILLI_DEG_M,
                g.areaGeometry(park).areaM2(), 1.0);
        SpatialNode memorial = g.byKey("poi/n24");
        assertEquals(Relation.BOUNDS, g.graph().getEdge(park, memorial).relation());
        SpatialNode b = g.nodesOf(NodeKind.STREET).stream().filter(s -> s.name().equals("B Street")).findFirst().orElseThrow();
        SpatialNode a = g.nodesOf(NodeKind.STREET).stream().filter(s -> s.name().equals("A Street")).findFirst().orElseThrow();
        assertEquals(Relation.INTERSECTS, g.graph().getEdge(b, park).relation(), "B Street runs through the park");
        assertEquals(null, g.graph().getEdge(a, park), "A Street passes 111 m south of it");
    }

    @Test
    void anAreaWhoseNodesAreCollinearIsSkippedAndReported() throws IOException {
        // way 14 runs 1 -> 2 -> 3 -> 1 along A Street and back: closed, named, but with no inside
        Path f = tmp.resolve("thin-park.osm");
        Files.writeString(f, TinyTown.XML.replace("</osm>", """
                 <way id="14"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="1"/><tag k="leisure" v="park"/><tag k="name" v="Thin Park"/></way>
                 <node id="20" lat="0.001" lon="0.0015"/>
                 <node id="21" lat="0.001" lon="0.0035"/>
                 <node id="22" lat="0.0018" lon="0.0035"/>
                 <node id="23" lat="0.0018" lon="0.0015"/>
                 <way id="200"><nd ref="20"/><nd ref="21"/><nd ref="22"/><nd ref="23"/><nd ref="20"/><tag k="leisure" v="park"/><tag k="name" v="Park Eins"/></way>
                </osm>
                """));
        BuildIssues issues = new BuildIssues(null);
        CityGraph g = CityGraphBuilder.build(OsmReader.read(f, issues), "park", GraphSettings.defaults(), issues);
        assertEquals(null, g.byKey("area/w14"));
        assertEquals("Park Eins", g.byKey("area/w200").name(), "the other areas are kept");
        assertEquals(3, g.nodesOf(NodeKind.STREET).size());
        assertEquals(1, issues.count(BuildIssues.Kind.OSM_BAD_GEOMETRY));
        BuildIssues.Issue issue = issues.examples().getFirst();
        assertEquals(f + ": way 14", issue.where());
        assertTrue(issue.message().contains("'Thin Park'") && issue.message().contains("encloses no area"),
                issue.message());
        assertEquals(null, AreaGeometry.of(new double[] {0, 0.001, 0.002, 0}, new double[] {0, 0, 0, 0}));
        assertThrows(IllegalArgumentException.class,
                () -> new AreaGeometry(new double[] {0, 0.001, 0, 0.001, 0}, new double[] {0, 0, 0, 0, 0}));
    }

    /** The on_same_street edges of a street as "from -> to length" lines. */
    static Set<String> alongStreet(CityGraph g, SpatialNode street) {
        Set<String> out = new TreeSet<>();
        for (SpatialEdge e : g.graph().edgeSet()) {
            if (e.relation() == Relation.ON_SAME_STREET && street.key().equals(e.via())) {
                out.add(g.graph().getEdgeSource(e).name() + " -> " + g.graph().getEdgeTarget(e).name() + " "
                        + e.lengthM());
            }
        }
        return out;
    }

    @Test
    void aCrossingWhereAStreetsOwnPolylinesBranchLiesBetweenItsNeighboursOnEach() throws IOException {
        // Main Street: way 100 runs west to east along the equator (1-2-3), way 101 south to north (4-2-5) through
        // node 2, where Cross Street ends; so node 2 lies on both of Main Street's polylines, at 0 m from each
        Path f = tmp.resolve("branch.osm");
        Files.writeString(f, """
                <?xml version="1.0" encoding="UTF-8"?>
                <osm version="0.6">
                 <node id="1" lat="0" lon="0"/>
                 <node id="2" lat="0" lon="0.001"/>
                 <node id="3" lat="0" lon="0.002"/>
                 <node id="4" lat="-0.001" lon="0.001"/>
                 <node id="5" lat="0.002" lon="0.001"/>
                 <node id="6" lat="0.0005" lon="0.0015"/>
                 <node id="7" lat="-0.001" lon="0.002"/>
                 <node id="8" lat="0.002" lon="0.002"/>
                 <way id="100"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/><tag k="name" v="Main Street"/></way>
                 <way id="101"><nd ref="4"/><nd ref="2"/><nd ref="5"/><tag k="highway" v="residential"/><tag k="name" v="Main Street"/></way>
                 <way id="102"><nd ref="2"/><nd ref="6"/><tag k="highway" v="residential"/><tag k="name" v="Cross Street"/></way>
                 <way id="103"><nd ref="4"/><nd ref="7"/><tag k="highway" v="residential"/><tag k="name" v="South Street"/></way>
                 <way id="104"><nd ref="5"/><nd ref="8"/><tag k="highway" v="residential"/><tag k="name" v="North Street"/></way>
                </osm>
                """);
        CityGraph g = CityGraphBuilder.build(OsmReader.read(f, new BuildIssues(null)), "branch", GraphSettings.defaults());
        SpatialNode main = g.nodesOf(NodeKind.STREET).stream().filter(s -> s.name().equals("Main Street")).findFirst()
                .orElseThrow();
        assertEquals(2, g.streetGeometry(main).lons().size(), "two polylines: neither way ends where the other does");
        // lengths along the street, to 0.1 m: one and two milli-degrees
        String one = Double.toString(Math.round(TinyTown.MILLI_DEG_M * 10) / 10.0);
        String two = Double.toString(Math.round(2 * TinyTown.MILLI_DEG_M * 10) / 10.0);
        // not "Main and South -> Main and North" over 333.6 m: the Cross Street crossing lies between them
        assertEquals(Set.of(
                "Intersection of Main Street and South Street -> Intersection of Cross Street and Main Street " + one,
                "Intersection of Cross Street and Main Street -> Intersection of Main Street and North Street " + two),
                alongStreet(g, main));
    }

    @Test
    void copenhagensFrankrigsgadeRegistersTheLybaekgadeCrossingOnBothOfItsPolylines() throws IOException {
        // ways 1881157 and 1881816 of Frankrigsgade branch at the Lybækgade crossing; Wittenberggade and
        // Lyneborggade lie on either side of it along way 1881816 (101.2 m and 69.1 m, 170.3 m in all)
        CityGraph g = CityGraphBuilder.build(OsmReader.read(Fixtures.path("data", "cities", "copenhagen-center.osm.pbf"),
                new BuildIssues(null)), "copenhagen", GraphSettings.defaults());
        SpatialNode street = g.nodesOf(NodeKind.STREET).stream().filter(s -> s.name().equals("Frankrigsgade"))
                .findFirst().orElseThrow();
        Set<String> along = alongStreet(g, street);
        assertTrue(along.contains("Intersection of Frankrigsgade and Frankrigshusene and Wittenberggade"
                + " -> Intersection of Frankrigsgade and Lybækgade 101.2"), along.toString());
        assertTrue(along.contains("Intersection of Frankrigsgade and Lybækgade"
                + " -> Intersection of Frankrigsgade and Lyneborggade 69.1"), along.toString());
        assertFalse(along.contains("Intersection of Frankrigsgade and Frankrigshusene and Wittenberggade"
                + " -> Intersection of Frankrigsgade and Lyneborggade 170.3"), along.toString());
        assertEquals(8, along.size());
    }

    @Test
    void bearingsJustWestOfNorthRoundToZeroNotTo360() {
        CityGraph g = new CityGraph("t", null, GraphSettings.defaults());
        SpatialNode a = g.addNode("poi/n1", NodeKind.POI, "A", "cafe", 0, 0, Map.of());
        SpatialNode b = g.addNode("poi/n2", NodeKind.POI, "B", "cafe", 0, 0.001, Map.of());
        assertEquals(0.0, g.link(a, b, Relation.NEAR, 10, 359.97, null).bearingDeg(), 0.0);
        assertEquals(359.9, g.link(a, b, Relation.NEAR, 10, 359.94, null).bearingDeg(), 0.0);
        // from anchors: 0.0005 m west of due north over 111 m is a bearing of 359.9997
        SpatialNode c = g.addNode("poi/n3", NodeKind.POI, "C", "cafe", -0.0000000045, 0.001, Map.of());
        double b1 = Geo.bearing(0, 0, c.lon(), c.lat());
        assertTrue(b1 > 359.95 && b1 < 360, Double.toString(b1));
        assertEquals(0.0, g.link(a, c, Relation.NEAR, null).bearingDeg(), 0.0);
    }

    /** A graph of the given OSM elements (nodes and ways), written to a file. */
    CityGraph graphOf(String elements) throws IOException {
        Path f = tmp.resolve("town-" + System.nanoTime() + ".osm");
        Files.writeString(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<osm version=\"0.6\">\n" + elements + "</osm>\n");
        return CityGraphBuilder.build(OsmReader.read(f, new BuildIssues(null)), "town", GraphSettings.defaults());
    }

    static SpatialNode street(CityGraph g, String name) {
        return g.nodesOf(NodeKind.STREET).stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    /** A square of 0.001 degree (111.2 m a side) on the equator, with spokes east at 2, north at 3 and west at 4. */
    static final String SQUARE_AND_SPOKES = """
             <node id="1" lat="0" lon="0"/>
             <node id="2" lat="0" lon="0.001"/>
             <node id="3" lat="0.001" lon="0.001"/>
             <node id="4" lat="0.001" lon="0"/>
             <node id="5" lat="0" lon="0.002"/>
             <node id="6" lat="0.002" lon="0.001"/>
             <node id="7" lat="0.001" lon="-0.001"/>
             <way id="201"><nd ref="2"/><nd ref="5"/><tag k="highway" v="residential"/><tag k="name" v="East Street"/></way>
             <way id="202"><nd ref="3"/><nd ref="6"/><tag k="highway" v="residential"/><tag k="name" v="North Street"/></way>
             <way id="203"><nd ref="4"/><nd ref="7"/><tag k="highway" v="residential"/><tag k="name" v="West Street"/></way>
            """;

    @Test
    void aRingStreetLinksItsLastCrossingBackToItsFirst() throws IOException {
        String one = Double.toString(Math.round(TinyTown.MILLI_DEG_M * 10) / 10.0);
        String two = Double.toString(Math.round(2 * TinyTown.MILLI_DEG_M * 10) / 10.0);
        Set<String> expected = Set.of(
                "Intersection of East Street and Ring Road -> Intersection of North Street and Ring Road " + one,
                "Intersection of North Street and Ring Road -> Intersection of Ring Road and West Street " + one,
                // the closing edge: from the west spoke (3 sides along) round the corner at 1 to the east spoke
                "Intersection of Ring Road and West Street -> Intersection of East Street and Ring Road " + two);
        // one closed way 1-2-3-4-1
        CityGraph closed = graphOf(SQUARE_AND_SPOKES + """
                 <way id="100"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/><tag k="highway" v="residential"/><tag k="name" v="Ring Road"/></way>
                """);
        assertEquals(expected, alongStreet(closed, street(closed, "Ring Road")));
        // two ways chained into a ring: 1-2-3 and 3-4-1
        CityGraph chained = graphOf(SQUARE_AND_SPOKES + """
                 <way id="100"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/><tag k="name" v="Ring Road"/></way>
                 <way id="101"><nd ref="3"/><nd ref="4"/><nd ref="1"/><tag k="highway" v="residential"/><tag k="name" v="Ring Road"/></way>
                """);
        SpatialNode ring = street(chained, "Ring Road");
        assertEquals(1, chained.streetGeometry(ring).lons().size(), "the two ways chain into one ring");
        assertEquals(expected, alongStreet(chained, ring));
    }

    @Test
    void aCrossingThatALinePassesTwiceLiesAtBothPlaces() throws IOException {
        // Loop Lane 8-1-2-3-4-1: a stick from 8 to 1, then round the square back to 1; Stick Street meets it at 1,
        // East Street at 2, West Street at 4
        CityGraph g = graphOf(SQUARE_AND_SPOKES + """
                 <node id="8" lat="-0.001" lon="0"/>
                 <node id="9" lat="0" lon="-0.001"/>
                 <way id="100"><nd ref="8"/><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/><tag k="highway" v="residential"/><tag k="name" v="Loop Lane"/></way>
                 <way id="204"><nd ref="1"/><nd ref="9"/><tag k="highway" v="residential"/><tag k="name" v="Stick Street"/></way>
                """);
        String one = Double.toString(Math.round(TinyTown.MILLI_DEG_M * 10) / 10.0);
        String two = Double.toString(Math.round(2 * TinyTown.MILLI_DEG_M * 10) / 10.0);
        assertEquals(Set.of(
                "Intersection of Loop Lane and Stick Street -> Intersection of East Street and Loop Lane " + one,
                "Intersection of East Street and Loop Lane -> Intersection of Loop Lane and North Street " + one,
                "Intersection of Loop Lane and North Street -> Intersection of Loop Lane and West Street " + one,
                // back at node 1, the line's second pass through it
                "Intersection of Loop Lane and West Street -> Intersection of Loop Lane and Stick Street " + one),
                alongStreet(g, street(g, "Loop Lane")));
    }

    @Test
    void streetsOfOneNameWhoseBoxesOverlapButWhoseLinesLieFarApartStaySeparate() throws IOException {
        // a long diagonal Hauptstrasse and a short one inside its box, 550 m from it
        CityGraph apart = graphOf("""
                 <node id="1" lat="0" lon="0"/>
                 <node id="2" lat="0.01" lon="0.01"/>
                 <node id="3" lat="0.001" lon="0.008"/>
                 <node id="4" lat="0.001" lon="0.009"/>
                 <way id="100"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/><tag k="name" v="Hauptstrasse"/></way>
                 <way id="101"><nd ref="3"/><nd ref="4"/><tag k="highway" v="residential"/><tag k="name" v="Hauptstrasse"/></way>
                """);
        assertEquals(2, apart.nodesOf(NodeKind.STREET).size());
        // the two carriageways of one road, 40 m apart, are one street
        CityGraph carriageways = graphOf("""
                 <node id="1" lat="0" lon="0"/>
                 <node id="2" lat="0" lon="0.005"/>
                 <node id="3" lat="0.00036" lon="0.005"/>
                 <node id="4" lat="0.00036" lon="0"/>
                 <way id="100"><nd ref="1"/><nd ref="2"/><tag k="highway" v="primary"/><tag k="name" v="Hauptstrasse"/></way>
                 <way id="101"><nd ref="3"/><nd ref="4"/><tag k="highway" v="primary"/><tag k="name" v="Hauptstrasse"/></way>
                """);
        assertEquals(1, carriageways.nodesOf(NodeKind.STREET).size());
    }

    @Test
    void aMergedDualCarriagewayCrossingLiesOnBothCarriageways() throws IOException {
        // Boulevard: a north carriageway (lat 0.0001, west to east) and a south one (lat -0.0001, east to west), 22 m
        // apart; B, C and D Street cross both at lon 0.0005, 0.0015 and 0.0025, so each crossing merges its two
        // nodes; C's kept node (the lower id, 20) is on the south carriageway, B's and D's on the north one
        CityGraph g = graphOf("""
                 <node id="1" lat="0.0001" lon="0"/>
                 <node id="11" lat="0.0001" lon="0.0005"/>
                 <node id="21" lat="0.0001" lon="0.0015"/>
                 <node id="12" lat="0.0001" lon="0.0025"/>
                 <node id="2" lat="0.0001" lon="0.003"/>
                 <node id="3" lat="-0.0001" lon="0.003"/>
                 <node id="32" lat="-0.0001" lon="0.0025"/>
                 <node id="20" lat="-0.0001" lon="0.0015"/>
                 <node id="31" lat="-0.0001" lon="0.0005"/>
                 <node id="4" lat="-0.0001" lon="0"/>
                 <node id="41" lat="-0.001" lon="0.0005"/><node id="42" lat="0.001" lon="0.0005"/>
                 <node id="43" lat="-0.001" lon="0.0015"/><node id="44" lat="0.001" lon="0.0015"/>
                 <node id="45" lat="-0.001" lon="0.0025"/><node id="46" lat="0.001" lon="0.0025"/>
                 <way id="100"><nd ref="1"/><nd ref="11"/><nd ref="21"/><nd ref="12"/><nd ref="2"/><tag k="highway" v="primary"/><tag k="name" v="Boulevard"/></way>
                 <way id="101"><nd ref="3"/><nd ref="32"/><nd ref="20"/><nd ref="31"/><nd ref="4"/><tag k="highway" v="primary"/><tag k="name" v="Boulevard"/></way>
                 <way id="201"><nd ref="41"/><nd ref="31"/><nd ref="11"/><nd ref="42"/><tag k="highway" v="residential"/><tag k="name" v="B Street"/></way>
                 <way id="202"><nd ref="43"/><nd ref="20"/><nd ref="21"/><nd ref="44"/><tag k="highway" v="residential"/><tag k="name" v="C Street"/></way>
                 <way id="203"><nd ref="45"/><nd ref="32"/><nd ref="12"/><nd ref="46"/><tag k="highway" v="residential"/><tag k="name" v="D Street"/></way>
                """);
        SpatialNode boulevard = street(g, "Boulevard");
        assertEquals(2, g.streetGeometry(boulevard).lons().size(), "two carriageways");
        assertEquals(3, g.nodesOf(NodeKind.CROSSING).size(), "one crossing per cross street");
        assertEquals("crossing/n20", g.nodesOf(NodeKind.CROSSING).stream()
                .filter(c -> c.name().contains("C Street")).findFirst().orElseThrow().key());
        String one = Double.toString(Math.round(TinyTown.MILLI_DEG_M * 10) / 10.0);
        assertEquals(Set.of(
                "Intersection of B Street and Boulevard -> Intersection of Boulevard and C Street " + one,
                "Intersection of Boulevard and C Street -> Intersection of Boulevard and D Street " + one),
                alongStreet(g, boulevard));
    }
}
