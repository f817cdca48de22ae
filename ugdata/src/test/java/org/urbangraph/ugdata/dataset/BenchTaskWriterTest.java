package org.urbangraph.ugdata.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.ugdata.BuildIssues;
import org.urbangraph.ugdata.graph.CityGraph;
import org.urbangraph.ugdata.graph.CityGraphBuilder;
import org.urbangraph.ugdata.graph.GraphSettings;
import org.urbangraph.ugdata.graph.SpatialNode;
import org.urbangraph.ugdata.osm.OsmReader;
import org.urbangraph.ugdata.photo.ImageRecord;
import org.urbangraph.ugdata.supervision.PerceptionLabels;

class BenchTaskWriterTest {
    /** Metres in 0.001 degree on the equator. */
    static final double MILLI_DEG_M = Math.PI / 180 * 6_371_008.8 / 1000;

    @TempDir
    Path tmp;

    /** A street along lat -0.001 from lon -0.003 to 0.003, with the given extra OSM elements. */
    CityGraph town(String extra) throws IOException {
        Path f = tmp.resolve("town.osm");
        Files.writeString(f, """
                <?xml version="1.0" encoding="UTF-8"?>
                <osm version="0.6">
                 <node id="1" lat="-0.001" lon="-0.003"/>
                 <node id="2" lat="-0.001" lon="0.003"/>
                 <way id="100"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/><tag k="name" v="Low Street"/></way>
                """ + extra + "</osm>\n");
        return CityGraphBuilder.build(OsmReader.read(f, new BuildIssues(null)), "town", GraphSettings.defaults());
    }

    /** A benchmark photo at (lon, lat) anchored in the graph. */
    static ImageWork benchImage(CityGraph g, String id, double lon, double lat) {
        ImageRecord r = new ImageRecord(id, null, lon, lat, Double.NaN, null, false, false, "test");
        SpatialNode node = g.anchorImage(id, "street-view image", "photo", lon, lat, Map.of());
        DatasetImage img = new DatasetImage(r, "images/" + id + ".jpg", null, true, node);
        return new ImageWork(img, "graphs/" + id + ".json", "caption of " + id, "place of " + id,
                new PerceptionLabels.Labels(PerceptionLabels.UNKNOWN, PerceptionLabels.UNKNOWN, PerceptionLabels.UNKNOWN),
                List.of());
    }

    /** The rows of one task file written for these images. */
    List<JsonNode> rows(CityGraph g, List<ImageWork> images, String task) throws IOException {
        Path out = Files.createDirectories(tmp.resolve("out"));
        UgDataConfig c = UgDataConfig.builder(tmp.resolve("town.osm"), out).build();
        new BenchTaskWriter(c, g, images, new BuildIssues(null)).write(out);
        List<JsonNode> rows = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("bench").resolve(task + ".jsonl"))) {
            rows.add(UgDataJson.MAPPER.readTree(line));
        }
        return rows;
    }

    static String poi(int id, double lon, double lat, String name, String amenity) {
        return "<node id=\"" + id + "\" lat=\"" + lat + "\" lon=\"" + lon + "\"><tag k=\"amenity\" v=\"" + amenity
                + "\"/><tag k=\"name\" v=\"" + name + "\"/></node>\n";
    }

    @Test
    void theNearestPoiMarginIsMeasuredAgainstThePlaceOfAnotherName() throws IOException {
        // Cafe A 20 m north of the camera, its twin Cafe A 22.2 m south, Bank B 40 m east: Cafe A is clearly the
        // nearest place by name, though its twin is only 2.2 m farther
        double m = 0.001 / MILLI_DEG_M;
        CityGraph g = town(poi(10, 0, 20 * m, "Cafe A", "cafe") + poi(11, 0, -22.2 * m, "Cafe A", "cafe")
                + poi(12, 40 * m, 0, "Bank B", "bank"));
        List<JsonNode> rows = rows(g, List.of(benchImage(g, "q", 0, 0)), "nearest_poi");
        assertEquals(1, rows.size());
        JsonNode row = rows.getFirst();
        JsonNode truth = row.get("candidates").get(row.get("answer").asInt());
        assertEquals("Cafe A (cafe)", truth.get("text").asText());
        assertEquals(2, row.get("candidates").size(), row.toString());
        assertEquals(20.0, row.get("truth_distance_m").asDouble(), 0.05);
    }

    @Test
    void noNearestPoiQuestionWhenAPlaceOfAnotherNameIsWithin5MetresOfTheTruth() throws IOException {
        // Cafe A 20 m, Bank B 21 m, the twin Cafe A 26 m: Bank B is nearly as near as the truth
        double m = 0.001 / MILLI_DEG_M;
        CityGraph g = town(poi(10, 0, 20 * m, "Cafe A", "cafe") + poi(11, 0, -26 * m, "Cafe A", "cafe")
                + poi(12, 21 * m, 0, "Bank B", "bank"));
        assertEquals(List.of(), rows(g, List.of(benchImage(g, "q", 0, 0)), "nearest_poi"));
    }
    @Test
    void aWrongDistanceDirectionCandidateJustAcrossTheSectorEdgeIsNoWrongAnswer() {
        // bundled Copenhagen: "about 450 m to the south-west" with the truth 446 m away at 234.7 degrees; a crossing
        // 421 m away at 248.0 degrees is "west" by 0.5 degrees, but no reader can tell it from the truth
        assertEquals(450, BenchTaskWriter.statedDistanceM(446));
        assertTrue(BenchTaskWriter.couldBeTheAnswer(248.0, 421, 234.7, 450));
        assertTrue(BenchTaskWriter.couldBeTheAnswer(210.0, 300, 234.7, 450), "same sector, 0.67 times the distance");
        assertFalse(BenchTaskWriter.couldBeTheAnswer(265.0, 421, 234.7, 450), "30.3 degrees off and west");
        assertFalse(BenchTaskWriter.couldBeTheAnswer(240.0, 250, 234.7, 450), "0.56 times the stated distance");
        assertFalse(BenchTaskWriter.couldBeTheAnswer(240.0, 730, 234.7, 450), "1.62 times the stated distance");
    }

    @Test
    void aTruthMustLieWellInsideItsSector() {
        assertEquals(22.5, BenchTaskWriter.sectorEdgeMarginDeg(225), 1e-9);
        assertEquals(12.8, BenchTaskWriter.sectorEdgeMarginDeg(234.7), 1e-9);
        assertEquals(0.9, BenchTaskWriter.sectorEdgeMarginDeg(248.4), 1e-9, "Monaco: 21.6 degrees off west");
        assertEquals(7.5, BenchTaskWriter.sectorEdgeMarginDeg(15), 1e-9);
        assertEquals(7.5, BenchTaskWriter.sectorEdgeMarginDeg(345), 1e-9);
        assertTrue(BenchTaskWriter.sectorEdgeMarginDeg(15) < BenchTaskWriter.SECTOR_EDGE_MARGIN_DEG);
    }

    /** a's image paired with b's photo, as the build pairs benchmark photos within 15 m. */
    static ImageWork paired(ImageWork a, ImageWork b) {
        return new ImageWork(a.image().withPair(b.image().file(), b.image().id(), b.lon(), b.lat()), a.graphFile(), a.caption(), a.place(),
                a.labels(), a.paths());
    }

    @Test
    void noWrongImageToImageCandidateIsNearerTheQueryPhotoThanTheTruth() throws IOException {
        // the truth A at the origin; the query is photo B 12 m east of it; C is 16 m east of A, so 4 m from B, nearer
        // the query than the truth is; D lies 40 m west of A, E 30 m east (18 m from B, farther than the truth)
        double m = 0.001 / MILLI_DEG_M;
        CityGraph g = town("");
        ImageWork a = benchImage(g, "a", 0, 0);
        ImageWork b = benchImage(g, "b", 12 * m, 0);
        ImageWork c = benchImage(g, "c", 16 * m, 0);
        ImageWork d = benchImage(g, "d", -40 * m, 0);
        ImageWork e = benchImage(g, "e", 30 * m, 0);
        List<JsonNode> rows = rows(g, List.of(paired(a, b), b, c, d, e), "image_to_image");
        assertEquals(1, rows.size());
        JsonNode row = rows.getFirst();
        assertEquals("b", row.get("query").get("image_id").asText());
        List<String> ids = new ArrayList<>();
        row.get("candidates").forEach(x -> ids.add(x.get("id").asText()));
        assertEquals("a", ids.get(row.get("answer").asInt()));
        ids.remove("a");
        assertEquals(List.of("e", "d"), ids, "wrong candidates farther from the query than the truth, nearest first");
    }
}
