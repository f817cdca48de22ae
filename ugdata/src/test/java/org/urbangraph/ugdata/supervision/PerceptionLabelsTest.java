package org.urbangraph.ugdata.supervision;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.ugdata.BuildIssues;
import org.urbangraph.ugdata.graph.CityGraph;
import org.urbangraph.ugdata.graph.CityGraphBuilder;
import org.urbangraph.ugdata.graph.GraphSettings;
import org.urbangraph.ugdata.graph.TinyTown;
import org.urbangraph.ugdata.osm.OsmReader;

class PerceptionLabelsTest {
    @TempDir
    Path tmp;

    /** The tiny town, with a residential area west of lon 0.002, a park east of it, and cafes and a shop. */
    CityGraph town() throws Exception {
        Path f = tmp.resolve("labels.osm");
        Files.writeString(f, TinyTown.XML.replace("</osm>", """
                 <node id="30" lat="-0.003" lon="-0.002"/>
                 <node id="31" lat="-0.003" lon="0.002"/>
                 <node id="32" lat="0.003" lon="0.002"/>
                 <node id="33" lat="0.003" lon="-0.002"/>
                 <way id="300"><nd ref="30"/><nd ref="31"/><nd ref="32"/><nd ref="33"/><nd ref="30"/><tag k="landuse" v="residential"/></way>
                 <node id="34" lat="-0.003" lon="0.0061"/>
                 <node id="35" lat="0.003" lon="0.0061"/>
                 <way id="301"><nd ref="31"/><nd ref="34"/><nd ref="35"/><nd ref="32"/><nd ref="31"/><tag k="leisure" v="park"/></way>
                 <node id="40" lat="0.0002" lon="0.0001"><tag k="amenity" v="restaurant"/><tag k="name" v="R1"/></node>
                 <node id="41" lat="0.0004" lon="0.0002"><tag k="amenity" v="bar"/><tag k="name" v="B1"/></node>
                 <node id="42" lat="-0.0002" lon="0.0003"><tag k="shop" v="bakery"/><tag k="name" v="S1"/></node>
                </osm>
                """));
        return CityGraphBuilder.build(OsmReader.read(f, new BuildIssues(null)), "labels", GraphSettings.defaults());
    }

    @Test
    void landUseIsTheMajorityOfSampledPointsWithinTheRadius() throws Exception {
        CityGraph g = town();
        assertEquals("residential", PerceptionLabels.at(g, 0.0, 0.0, "residential").landUse());
        assertEquals("green", PerceptionLabels.at(g, 0.0045, 0.0, "residential").landUse());
        // far outside both areas: too little mapped land use to say
        assertEquals(PerceptionLabels.UNKNOWN, PerceptionLabels.at(g, 0.02, 0.02, null).landUse());
    }

    @Test
    void poiMixCountsGroupsWithinTheRadius() throws Exception {
        CityGraph g = town();
        // within 200 m of (0, 0): restaurant, bar and bakery -> food and drink 2 : shopping 1
        assertEquals("food_and_drink", PerceptionLabels.at(g, 0.0, 0.0, null).poiMix());
        // near the cafe alone
        assertEquals("few_places", PerceptionLabels.at(g, 0.0045, 0.0, null).poiMix());
    }

    @Test
    void streetClassesGroupHighwayValues() {
        assertEquals("major_road", PerceptionLabels.streetClass("primary"));
        assertEquals("collector_road", PerceptionLabels.streetClass("tertiary"));
        assertEquals("local_street", PerceptionLabels.streetClass("living_street"));
        assertEquals("pedestrian", PerceptionLabels.streetClass("pedestrian"));
        assertEquals("service_road", PerceptionLabels.streetClass("service"));
        assertEquals(PerceptionLabels.UNKNOWN, PerceptionLabels.streetClass(null));
    }

    @Test
    void everyLabelSetListsItsClassesInAFixedOrder() {
        assertEquals(List.of("residential", "commercial", "industrial", "green", "agricultural", "water"),
                List.copyOf(PerceptionLabels.PROTOTYPES.get(PerceptionLabels.LabelSet.LAND_USE).keySet()));
        assertEquals(7, PerceptionLabels.PROTOTYPES.get(PerceptionLabels.LabelSet.POI_MIX).size());
        assertEquals(5, PerceptionLabels.PROTOTYPES.get(PerceptionLabels.LabelSet.STREET_CLASS).size());
    }
}
