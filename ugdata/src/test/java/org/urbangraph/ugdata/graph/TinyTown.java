package org.urbangraph.ugdata.graph;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.urbangraph.ugdata.BuildIssues;
import org.urbangraph.ugdata.osm.OsmReader;

/**
 * A hand-made town on the equator, where one thousandth of a degree is {@link #MILLI_DEG_M} metres in every
 * direction, so distances and bearings can be checked by hand:
 *
 * <pre>
 *   lat 0.002          5 (B)      6 (C)
 *                      |          |
 *   lat 0.0003         |  * Cafe Uno (0.0025, 0.0003)
 *   lat 0      1 ----- 2 -------- 3      A Street (1-2-3); crossings at 2 (A/B) and 3 (A/C)
 *                      |
 *   lat -0.002         4
 *          lon 0     0.002      0.004
 * </pre>
 */
public final class TinyTown {
    /** Metres in 0.001 degree of a great circle on the mean-radius sphere. */
    public static final double MILLI_DEG_M = Math.PI / 180 * 6_371_008.8 / 1000;

    public static final String XML = """
            <?xml version="1.0" encoding="UTF-8"?>
            <osm version="0.6">
             <node id="1" lat="0" lon="0"/>
             <node id="2" lat="0" lon="0.002"/>
             <node id="3" lat="0" lon="0.004"/>
             <node id="4" lat="-0.002" lon="0.002"/>
             <node id="5" lat="0.002" lon="0.002"/>
             <node id="6" lat="0.002" lon="0.004"/>
             <node id="7" lat="0.0003" lon="0.0025"><tag k="amenity" v="cafe"/><tag k="name" v="Cafe Uno"/></node>
             <way id="100"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/><tag k="name" v="A Street"/></way>
             <way id="101"><nd ref="4"/><nd ref="2"/><nd ref="5"/><tag k="highway" v="tertiary"/><tag k="name" v="B Street"/></way>
             <way id="102"><nd ref="3"/><nd ref="6"/><tag k="highway" v="residential"/><tag k="name" v="C Street"/></way>
            </osm>
            """;

    private TinyTown() {}

    public static CityGraph build(Path dir) throws IOException {
        Path f = dir.resolve("tiny-town.osm");
        Files.writeString(f, XML);
        return CityGraphBuilder.build(OsmReader.read(f, new BuildIssues(null)), "tiny-town", GraphSettings.defaults());
    }
}
