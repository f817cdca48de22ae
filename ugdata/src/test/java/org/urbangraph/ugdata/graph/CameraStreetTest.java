package org.urbangraph.ugdata.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.ugdata.BuildIssues;
import org.urbangraph.ugdata.osm.OsmReader;

/**
 * The street an image stands on, on a hand-made equator map (one milli-degree is {@link TinyTown#MILLI_DEG_M}
 * metres): Open Road runs east along the equator with Tunnel Road 2.2 m south of it underneath, Cross Walk (a
 * footway) runs north across it at lon 0.001, and Deep Tunnel lies 1.1 km north with no open-air street near;
 * 2.2 km north, Under Road ({@code location=underground}) runs 3.3 m south of Surface Lane.
 */
class CameraStreetTest {
    static final String XML = """
            <?xml version="1.0" encoding="UTF-8"?>
            <osm version="0.6">
             <node id="1" lat="0" lon="0"/>
             <node id="2" lat="0" lon="0.002"/>
             <node id="3" lat="-0.00002" lon="0"/>
             <node id="4" lat="-0.00002" lon="0.002"/>
             <node id="5" lat="-0.001" lon="0.001"/>
             <node id="6" lat="0.001" lon="0.001"/>
             <node id="7" lat="0.01" lon="0"/>
             <node id="8" lat="0.01" lon="0.002"/>
             <node id="9" lat="0.02" lon="0"/>
             <node id="10" lat="0.02" lon="0.002"/>
             <node id="11" lat="0.02003" lon="0"/>
             <node id="12" lat="0.02003" lon="0.002"/>
             <way id="100"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/><tag k="name" v="Open Road"/></way>
             <way id="101"><nd ref="3"/><nd ref="4"/><tag k="highway" v="primary"/><tag k="tunnel" v="yes"/><tag k="layer" v="-1"/><tag k="name" v="Tunnel Road"/></way>
             <way id="102"><nd ref="5"/><nd ref="6"/><tag k="highway" v="footway"/><tag k="name" v="Cross Walk"/></way>
             <way id="103"><nd ref="7"/><nd ref="8"/><tag k="highway" v="primary"/><tag k="tunnel" v="yes"/><tag k="name" v="Deep Tunnel"/></way>
             <way id="104"><nd ref="9"/><nd ref="10"/><tag k="highway" v="residential"/><tag k="location" v="underground"/><tag k="name" v="Under Road"/></way>
             <way id="105"><nd ref="11"/><nd ref="12"/><tag k="highway" v="residential"/><tag k="name" v="Surface Lane"/></way>
            </osm>
            """;

    @TempDir
    static Path tmp;
    static CityGraph g;

    @BeforeAll
    static void build() throws Exception {
        Path f = tmp.resolve("camera-street.osm");
        Files.writeString(f, XML);
        g = CityGraphBuilder.build(OsmReader.read(f, new BuildIssues(null)), "camera-street", GraphSettings.defaults());
    }

    static String street(double lon, double lat, double heading) {
        return g.cameraStreet(lon, lat, null, heading, 300).street().name();
    }

    static SpatialNode named(String name) {
        return g.nodesOf(NodeKind.STREET).stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void aPhotoAboveATunnelStandsOnTheOpenAirStreet() {
        // 0.56 m north of Tunnel Road, 1.67 m south of Open Road
        double lat = -0.000015;
        assertEquals("Tunnel Road", g.nearestStreet(0.0005, lat, 300).street().name(), "the tunnel is nearer");
        assertEquals("Open Road", street(0.0005, lat, Double.NaN));
        assertEquals("Open Road", street(0.0005, lat, 90));
        CityGraph.StreetHit hit = g.cameraStreet(0.0005, lat, null, Double.NaN, 300);
        assertEquals(0.015 * TinyTown.MILLI_DEG_M, hit.distanceM(), 0.01);
        // an underground way counts as a tunnel: 1.1 m above Under Road, 2.2 m from Surface Lane
        assertEquals("Under Road", g.nearestStreet(0.001, 0.02001, 300).street().name());
        assertEquals("Surface Lane", street(0.001, 0.02001, Double.NaN));
        // with no open-air street within reach, a tunnel it is
        assertEquals("Deep Tunnel", street(0.001, 0.01001, Double.NaN));
    }

    @Test
    void amongNearlyEqualStreetsThePhotoTakesTheOneAlongItsHeading() {
        // 2.2 m west of Cross Walk, 3.3 m north of Open Road
        double lon = 0.00098;
        double lat = 0.00003;
        assertEquals("Cross Walk", street(lon, lat, Double.NaN), "no heading: the nearest");
        assertEquals("Cross Walk", street(lon, lat, 0));
        assertEquals("Cross Walk", street(lon, lat, 200), "either way along the street");
        assertEquals("Open Road", street(lon, lat, 90), "looking along Open Road, 1.1 m farther");
        assertEquals("Open Road", street(lon, lat, 265));
        assertEquals("Cross Walk", street(lon, lat, 45), "aligned with neither: the nearest");
        // Open Road more than 10 m farther than Cross Walk is not nearly equal: 0.1 m from Cross Walk, 13.3 m from Open
        assertEquals("Cross Walk", street(0.000999, 0.00012, 90));
    }

    @Test
    void aRenderedViewStandsOnTheStreetItsCameraWasPlacedOn() {
        double lat = -0.000015;
        SpatialNode img = g.anchorImage("v1", "street-view image", "synthetic", 0.0005, lat, Map.of(),
                named("Open Road").key(), 270);
        SpatialEdge nearest = g.graph().outgoingEdgesOf(img).stream().filter(e -> e.relation() == Relation.NEAREST)
                .findFirst().orElseThrow();
        assertEquals("Open Road", g.graph().getEdgeTarget(nearest).name());
        assertEquals(1.7, nearest.lengthM(), 1e-9, "0.015 milli-degrees: 1.67 m to the foot on Open Road");
        assertEquals(0.0, nearest.bearingDeg(), 1e-9, "the foot lies due north");
        // even where the nearest street is another one
        SpatialNode img2 = g.anchorImage("v2", "street-view image", "synthetic", 0.00098, 0.00003, Map.of(),
                named("Open Road").key(), 0);
        assertEquals("Open Road", g.graph().getEdgeTarget(g.graph().outgoingEdgesOf(img2).stream()
                .filter(e -> e.relation() == Relation.NEAREST).findFirst().orElseThrow()).name());
        assertThrows(IllegalArgumentException.class, () -> g.cameraStreet(0, 0, "crossing/n1", 0, 300));
    }
}
