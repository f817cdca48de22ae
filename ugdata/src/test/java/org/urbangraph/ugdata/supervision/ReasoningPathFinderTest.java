package org.urbangraph.ugdata.supervision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.ugdata.BuildIssues;
import org.urbangraph.ugdata.graph.CityGraph;
import org.urbangraph.ugdata.graph.CityGraphBuilder;
import org.urbangraph.ugdata.graph.GraphSettings;
import org.urbangraph.ugdata.graph.NodeKind;
import org.urbangraph.ugdata.graph.Relation;
import org.urbangraph.ugdata.graph.SpatialNode;
import org.urbangraph.ugdata.graph.Subgraph;
import org.urbangraph.ugdata.graph.SubgraphExtractor;
import org.urbangraph.ugdata.graph.TinyTown;
import org.urbangraph.ugdata.osm.OsmReader;

class ReasoningPathFinderTest {
    @TempDir
    Path tmp;

    CityGraph town;
    SpatialNode image;
    Subgraph sub;

    @BeforeEach
    void setUp() throws Exception {
        town = TinyTown.build(tmp);
        image = town.anchorImage("i1", "street-view image", "synthetic", 0.001, 0.0001, Map.of());
        sub = new SubgraphExtractor(town, 700, 500).extract(image);
    }

    @Test
    void thePathFromTheCafeReadsLikeTheAuthorsTriples() {
        List<SpatialReasoningPath> paths = new ReasoningPathFinder(town, 3, 10).paths(sub, 7);
        SpatialReasoningPath cafe = paths.stream().filter(p -> p.startKey().equals("poi/n7")).findFirst().orElseThrow();
        // worked by hand: the cafe is 0.3 milli-degree (33.36 m) north of A Street, the image 0.1 (11.12 m) north of it;
        // the image's nearest edge points south (180), so walking from the street to the image goes north, against
        // the edge: A Street is the nearest street of the image, not the other way round
        assertEquals("(Cafe Uno, nearest, A Street) -> (33.4m, 180°(S)) -> (A Street, nearest_street_of,"
                + " street-view image) -> (11.1m, 0°(N))", cafe.text());
        // straight line from the cafe to the image: 1.5 x 0.2 milli-degrees west-south-west, 168.3 m at 262.4 degrees
        assertEquals("Destination: the camera position of this street view, about 168 m to the west (262°(W)) of"
                + " Cafe Uno, 2 steps away.", cafe.summary());
        assertEquals(2, cafe.hops());
    }

    @Test
    void aStepAgainstAnEdgeStatesTheInverseRelation() throws Exception {
        // Park Eins (lon 0.0015-0.0035, lat 0.001-0.0018) holds the Denkmal and a second image
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
        SpatialNode img = g.anchorImage("p1", "street-view image", "synthetic", 0.002, 0.0012, Map.of());
        SpatialNode park = g.byKey("area/w200");
        SpatialNode denkmal = g.byKey("poi/n24");
        SpatialNode b = g.nodesOf(NodeKind.STREET).stream().filter(s -> s.name().equals("B Street")).findFirst()
                .orElseThrow();
        assertEquals("(Park Eins, bounds, Denkmal)", ReasoningPathFinder.step(g.graph(), park, denkmal).triple());
        assertEquals("(Denkmal, within, Park Eins)", ReasoningPathFinder.step(g.graph(), denkmal, park).triple());
        assertEquals("(street-view image, within, Park Eins)", ReasoningPathFinder.step(g.graph(), img, park).triple());
        assertEquals("(street-view image, nearest, B Street)", ReasoningPathFinder.step(g.graph(), img, b).triple());
        assertEquals("(B Street, nearest_street_of, street-view image)",
                ReasoningPathFinder.step(g.graph(), b, img).triple());
        // symmetric relations read the same both ways
        SpatialNode a = g.nodesOf(NodeKind.STREET).stream().filter(s -> s.name().equals("A Street")).findFirst()
                .orElseThrow();
        String ab = ReasoningPathFinder.step(g.graph(), a, b).relation();
        assertEquals(ab, ReasoningPathFinder.step(g.graph(), b, a).relation());
        assertEquals("intersection", ab);
        for (Relation r : Relation.values()) {
            assertEquals(switch (r) {
                case BOUNDS -> "within";
                case NEAREST -> "nearest_street_of";
                default -> r.label();
            }, r.inverseLabel());
        }
    }

    @Test
    void pathsEndAtTheImageChainTheirStepsAndRespectTheLimits() {
        List<SpatialReasoningPath> paths = new ReasoningPathFinder(town, 3, 10).paths(sub, 7);
        assertFalse(paths.isEmpty());
        assertTrue(paths.size() <= 10);
        for (SpatialReasoningPath p : paths) {
            assertTrue(p.hops() >= 1 && p.hops() <= 3, p.text());
            assertEquals("image/i1", p.targetKey());
            assertEquals("street-view image", p.steps().getLast().to());
            for (int i = 0; i + 1 < p.steps().size(); i++) {
                assertEquals(p.steps().get(i).to(), p.steps().get(i + 1).from(), p.text());
            }
        }
        // farthest starts come first: the first path has the most hops present
        int maxHops = paths.stream().mapToInt(SpatialReasoningPath::hops).max().orElseThrow();
        assertEquals(maxHops, paths.getFirst().hops());
        List<SpatialReasoningPath> two = new ReasoningPathFinder(town, 1, 2).paths(sub, 7);
        assertEquals(2, two.size());
        assertTrue(two.stream().allMatch(p -> p.hops() == 1));
    }

    @Test
    void namesInTriplesAreCleanedSoThatATripleSplitsIntoThreeParts() {
        // a Liechtenstein POI: "Rheintalstadion, Vaduz" would split into four parts at ", "
        SpatialReasoningPath.Step step = new SpatialReasoningPath.Step("Rheintalstadion, Vaduz", "nearest",
                "Lettstrasse", 35.2, 91);
        assertEquals("(Rheintalstadion - Vaduz, nearest, Lettstrasse)", step.triple());
        String inner = step.triple().substring(1, step.triple().length() - 1);
        assertEquals(List.of("Rheintalstadion - Vaduz", "nearest", "Lettstrasse"), List.of(inner.split(", ")));
        SpatialReasoningPath path = new SpatialReasoningPath("poi/n1", "image/i", List.of(step,
                new SpatialReasoningPath.Step("Lettstrasse", "nearest_street_of", "Bar,Restaurant", 3, 0)), "s");
        assertEquals("(Rheintalstadion - Vaduz, nearest, Lettstrasse) -> (35.2m, 91°(E)) -> (Lettstrasse,"
                + " nearest_street_of, Bar Restaurant) -> (3.0m, 0°(N))", path.text());
    }

    @Test
    void theSameSeedGivesTheSamePaths() {
        ReasoningPathFinder f = new ReasoningPathFinder(town, 3, 4);
        assertEquals(f.paths(sub, 11).stream().map(SpatialReasoningPath::text).toList(),
                f.paths(sub, 11).stream().map(SpatialReasoningPath::text).toList());
    }

    @Test
    void rejectsNonsenseLimits() {
        assertThrows(IllegalArgumentException.class, () -> new ReasoningPathFinder(town, 0, 10));
        assertThrows(IllegalArgumentException.class, () -> new ReasoningPathFinder(town, 3, 0));
    }

    @Test
    void poisAndCrossingsShareTheFirstRankAndAreSeededTogether() throws Exception {
        // Long Street along the equator, crossed by three streets (three crossings); three POIs; the image in the
        // middle sees all six within 150 m, one hop away
        Path f = tmp.resolve("landmarks.osm");
        Files.writeString(f, """
                <?xml version="1.0" encoding="UTF-8"?>
                <osm version="0.6">
                 <node id="1" lat="0" lon="0"/>
                 <node id="2" lat="0" lon="0.0005"/>
                 <node id="3" lat="0" lon="0.0015"/>
                 <node id="4" lat="0" lon="0.0025"/>
                 <node id="5" lat="0" lon="0.003"/>
                 <node id="11" lat="-0.0005" lon="0.0005"/><node id="12" lat="0.0005" lon="0.0005"/>
                 <node id="13" lat="-0.0005" lon="0.0015"/><node id="14" lat="0.0005" lon="0.0015"/>
                 <node id="15" lat="-0.0005" lon="0.0025"/><node id="16" lat="0.0005" lon="0.0025"/>
                 <node id="21" lat="0.0003" lon="0.001"><tag k="amenity" v="cafe"/><tag k="name" v="Cafe"/></node>
                 <node id="22" lat="0.0003" lon="0.002"><tag k="amenity" v="bank"/><tag k="name" v="Bank"/></node>
                 <node id="23" lat="-0.0003" lon="0.001"><tag k="shop" v="bakery"/><tag k="name" v="Bakery"/></node>
                 <way id="100"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="5"/><tag k="highway" v="residential"/><tag k="name" v="Long Street"/></way>
                 <way id="101"><nd ref="11"/><nd ref="2"/><nd ref="12"/><tag k="highway" v="residential"/><tag k="name" v="B Street"/></way>
                 <way id="102"><nd ref="13"/><nd ref="3"/><nd ref="14"/><tag k="highway" v="residential"/><tag k="name" v="C Street"/></way>
                 <way id="103"><nd ref="15"/><nd ref="4"/><nd ref="16"/><tag k="highway" v="residential"/><tag k="name" v="D Street"/></way>
                </osm>
                """);
        CityGraph g = CityGraphBuilder.build(OsmReader.read(f, new BuildIssues(null)), "landmarks", GraphSettings.defaults());
        SpatialNode img = g.anchorImage("i", "street-view image", "synthetic", 0.0015, 0.0001, Map.of());
        Subgraph s = new SubgraphExtractor(g, 700, 500).extract(img);
        assertEquals(3, g.nodesOf(NodeKind.CROSSING).size());
        assertEquals(3, g.nodesOf(NodeKind.POI).size());
        ReasoningPathFinder finder = new ReasoningPathFinder(g, 1, 3);
        int crossingStarts = 0;
        for (long seed = 0; seed < 32; seed++) {
            List<SpatialReasoningPath> paths = finder.paths(s, seed);
            assertEquals(3, paths.size());
            for (SpatialReasoningPath p : paths) {
                assertTrue(p.startKey().startsWith("poi/") || p.startKey().startsWith("crossing/"), p.startKey());
                assertEquals(1, p.hops(), p.text());
                if (p.startKey().startsWith("crossing/")) {
                    crossingStarts++;
                }
            }
        }
        assertTrue(crossingStarts > 0, "no crossing ever starts a path");
        assertTrue(crossingStarts < 3 * 32, "no POI ever starts a path");
    }
}
