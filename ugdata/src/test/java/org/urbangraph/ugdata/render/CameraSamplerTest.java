package org.urbangraph.ugdata.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.ugdata.BuildIssues;
import org.urbangraph.ugdata.geo.Geo;
import org.urbangraph.ugdata.graph.CityGraph;
import org.urbangraph.ugdata.graph.CityGraphBuilder;
import org.urbangraph.ugdata.graph.GraphSettings;
import org.urbangraph.ugdata.graph.NodeKind;
import org.urbangraph.ugdata.graph.SpatialNode;
import org.urbangraph.ugdata.graph.StreetGeometry;
import org.urbangraph.ugdata.osm.OsmReader;

class CameraSamplerTest {
    static CityGraph berlin;

    @BeforeAll
    static void load() throws Exception {
        berlin = CityGraphBuilder.build(OsmReader.read(Fixtures.path("data", "cities", "berlin-tiergarten.osm.gz"),
                new BuildIssues(null)), "berlin", GraphSettings.defaults());
    }

    @Test
    void posesStandOnTheirStreetLookingAlongItAndKeepTheirDistance() {
        List<CameraPose> poses = CameraSampler.sample(berlin, 40, 30, 5);
        assertEquals(40, poses.size());
        for (CameraPose p : poses) {
            SpatialNode street = berlin.byKey(p.streetKey());
            StreetGeometry g = berlin.streetGeometry(street);
            StreetGeometry.Hit hit = g.project(p.lon(), p.lat());
            double width = SceneIndex.roadWidth(g.highway(), null, null);
            assertEquals(0.22 * width, hit.projection().distanceM(), 0.25, p + ": in the right-hand lane");
            double along = Geo.angleBetween(p.headingDeg(), hit.projection().lineBearingDeg());
            assertTrue(along < 5 || along > 175, p + " looks along the street (off by " + along + ")");
            assertEquals(street.name(), p.streetName());
        }
        for (int i = 0; i < poses.size(); i++) {
            for (int j = i + 1; j < poses.size(); j++) {
                // centre-line points are 30 m apart; lane offsets move each camera by under 2.5 m
                assertTrue(Geo.haversine(poses.get(i).lon(), poses.get(i).lat(), poses.get(j).lon(), poses.get(j).lat()) > 25);
            }
        }
    }

    @Test
    void seededAndHalvingTheSpacingWhenTheCityIsTooSmall() {
        assertEquals(CameraSampler.sample(berlin, 10, 30, 9), CameraSampler.sample(berlin, 10, 30, 9));
        assertNotEquals(CameraSampler.sample(berlin, 10, 30, 9), CameraSampler.sample(berlin, 10, 30, 10));
        // Berlin's streets are about 8 km long: 600 views cannot be 30 m apart, so the spacing shrinks
        assertEquals(600, CameraSampler.sample(berlin, 600, 30, 1).size());
        assertEquals(0, CameraSampler.sample(berlin, 0, 30, 1).size());
    }

    @Test
    void noCameraOnTheFootwayPartOfAResidentialStreet(@TempDir Path tmp) throws Exception {
        // Elm Road: a residential way 1-2 and a footway 2-3 of the same length, chained into one polyline; the
        // street is residential (half its length), but its footway half is no place for a car-mounted camera
        Path f = tmp.resolve("elm.osm");
        Files.writeString(f, """
                <?xml version="1.0" encoding="UTF-8"?>
                <osm version="0.6">
                 <node id="1" lat="0" lon="0"/>
                 <node id="2" lat="0" lon="0.001"/>
                 <node id="3" lat="0" lon="0.002"/>
                 <way id="100"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/><tag k="name" v="Elm Road"/></way>
                 <way id="101"><nd ref="2"/><nd ref="3"/><tag k="highway" v="footway"/><tag k="name" v="Elm Road"/></way>
                </osm>
                """);
        CityGraph g = CityGraphBuilder.build(OsmReader.read(f, new BuildIssues(null)), "elm", GraphSettings.defaults());
        SpatialNode elm = g.nodesOf(NodeKind.STREET).getFirst();
        assertEquals("residential", elm.category());
        assertEquals(1, g.streetGeometry(elm).lons().size(), "the two ways chain into one polyline");
        List<CameraPose> poses = CameraSampler.sample(g, 40, 5, 3);
        assertEquals(40, poses.size());
        double lane = 0.22 * SceneIndex.roadWidth("residential", null, null);
        for (CameraPose p : poses) {
            StreetGeometry.Hit hit = g.streetGeometry(elm).project(p.lon(), p.lat());
            assertTrue(hit.projection().footLon() <= 0.001 + 1e-12, p + " stands on the footway");
            assertEquals(lane, hit.projection().distanceM(), 0.25, p + ": in the right-hand lane of a residential road");
            assertEquals("residential", p.highway(), p + " carries the class of its section");
        }
    }
}
