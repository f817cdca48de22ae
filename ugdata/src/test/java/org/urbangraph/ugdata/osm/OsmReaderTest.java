package org.urbangraph.ugdata.osm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import crosby.binary.Fileformat;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.ugdata.BuildIssues;

class OsmReaderTest {
    @TempDir
    Path tmp;

    static Path city(String file) {
        return Fixtures.path("data", "cities", file);
    }

    @Test
    void readsThePbfExtractCompletely() throws IOException {
        BuildIssues issues = new BuildIssues(null);
        OsmData d = OsmReader.read(city("monaco.osm.pbf"), issues);
        // element counts from the reference data's README (osmium fileinfo)
        assertEquals(46_444, d.nodesRead());
        assertEquals(3_717, d.waysRead());
        assertEquals(210, d.relationsRead());
        assertEquals(0, issues.total(), () -> issues.examples().toString());
        // the street extent lies around the core extent given in the README (7.4104,43.7256 - 7.4383,43.7508)
        assertTrue(d.extent().minLon() < 7.4104 && d.extent().maxLon() > 7.4383, d.extent().toString());
        assertTrue(d.extent().minLat() < 43.7256 && d.extent().maxLat() > 43.7508, d.extent().toString());
        // node 4416197079 as pyosmium reads it (the reference data's derived POI file)
        OsmNode casino = d.nodes().stream().filter(n -> n.id() == 4416197079L).findFirst().orElse(null);
        assertNotNull(casino, "a named landmark node is kept with its tags");
        assertEquals("Casino de Monte Carlo", casino.tag("name"));
        assertEquals("casino", casino.tag("amenity"));
        assertEquals("Q1779905", casino.tag("wikidata"));
        assertEquals(7.428023, casino.lon(), 1e-9);
        assertEquals(43.7391605, casino.lat(), 1e-9);
    }

    @Test
    void readsGzippedXmlAndAgreesWithAnIndependentCount() throws IOException {
        BuildIssues issues = new BuildIssues(null);
        Path file = city("berlin-tiergarten.osm.gz");
        OsmData d = OsmReader.read(file, issues);
        String xml = new String(new java.util.zip.GZIPInputStream(Files.newInputStream(file)).readAllBytes(),
                StandardCharsets.UTF_8);
        assertEquals(count(xml, "<node "), d.nodesRead());
        assertEquals(count(xml, "<way "), d.waysRead());
        assertEquals(count(xml, "<relation "), d.relationsRead());
        assertEquals(5_117, d.nodesRead());
        assertEquals(418, d.waysRead());
        assertEquals(0, issues.total());
    }

    @Test
    void skipsAndCountsReferencesToNodesOutsideAClippedExtract() throws IOException {
        Path f = xml("""
                <osm version="0.6">
                 <node id="1" lat="52.0" lon="13.0"/>
                 <node id="2" lat="52.001" lon="13.0"/>
                 <node id="3" lat="52.002" lon="13.0"/>
                 <way id="10"><nd ref="1"/><nd ref="99"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/><tag k="name" v="A"/></way>
                 <way id="11"><nd ref="98"/><nd ref="97"/><tag k="highway" v="residential"/></way>
                </osm>
                """);
        BuildIssues issues = new BuildIssues(null);
        OsmData d = OsmReader.read(f, issues);
        assertEquals(3, issues.count(BuildIssues.Kind.OSM_MISSING_NODE_REF));
        assertEquals(1, d.ways().size(), "a way left with fewer than two nodes is dropped");
        assertEquals(List.of(1L, 2L, 3L), Arrays.stream(d.ways().getFirst().nodeIds()).boxed().toList());
    }

    @Test
    void anXmlSyntaxErrorKeepsWhatCameBeforeAndNamesTheLine() throws IOException {
        Path f = xml("""
                <osm version="0.6">
                 <node id="1" lat="52.0" lon="13.0"><tag k="amenity" v="cafe"/><tag k="name" v="Eins"/></node>
                 <node id="2" lat="52.001" lon="13.0"/>
                 <node id="3" lat="52.002" lon="13.0" <broken
                 <node id="4" lat="52.003" lon="13.0"/>
                </osm>
                """);
        BuildIssues issues = new BuildIssues(null);
        OsmData d = OsmReader.read(f, issues);
        assertEquals(1, issues.count(BuildIssues.Kind.OSM_XML_ERROR));
        BuildIssues.Issue issue = issues.examples().getFirst();
        assertTrue(issue.where().startsWith(f + ": line 4, column "), issue.where());
        // the parser's reason, not only its position
        assertTrue(issue.message().contains("XML syntax error")
                && issue.message().contains("Element type \"node\" must be followed by"), issue.message());
        assertEquals(2, d.nodesRead());
        assertEquals("Eins", d.nodes().getFirst().tag("name"));
    }

    @Test
    void aFileThatIsNotUtf8IsReportedWithTheParsersReasonAndNothingOnStderr() throws IOException {
        Path f = Files.createTempFile(tmp, "latin1", ".osm");
        Files.write(f, """
                <?xml version="1.0"?>
                <osm version="0.6">
                 <node id="1" lat="52.0" lon="13.0"><tag k="amenity" v="cafe"/><tag k="name" v="Eins"/></node>
                 <node id="2" lat="52.001" lon="13.0"><tag k="amenity" v="cafe"/><tag k="name" v="Caf\u00e9 Zwei"/></node>
                 <node id="3" lat="52.002" lon="13.0"/>
                </osm>
                """.getBytes(StandardCharsets.ISO_8859_1));
        BuildIssues issues = new BuildIssues(null);
        PrintStream stderr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        OsmData d;
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            d = OsmReader.read(f, issues);
        } finally {
            System.setErr(stderr);
        }
        assertEquals("", captured.toString(StandardCharsets.UTF_8), "the parser prints nothing itself");
        assertEquals(1, issues.count(BuildIssues.Kind.OSM_XML_ERROR));
        BuildIssues.Issue issue = issues.examples().getFirst();
        assertTrue(issue.where().startsWith(f + ": line 4, column "), issue.where());
        assertTrue(issue.message().contains("UTF-8") && issue.message().contains("Invalid byte"), issue.message());
        assertEquals(1, d.nodesRead(), "the node before the bad byte is kept");
        assertEquals("Eins", d.nodes().getFirst().tag("name"));
    }

    @Test
    void anElementWithABadNumberIsSkippedWithItsLine() throws IOException {
        Path f = xml("""
                <osm version="0.6">
                 <node id="1" lat="52.0" lon="13.0"/>
                 <node id="2" lat="fifty-two" lon="13.0"/>
                 <node id="3" lat="52.0" lon="213.0"/>
                 <node id="4" lat="52.002" lon="13.0"/>
                </osm>
                """);
        BuildIssues issues = new BuildIssues(null);
        OsmData d = OsmReader.read(f, issues);
        assertEquals(2, issues.count(BuildIssues.Kind.OSM_BAD_VALUE));
        assertTrue(issues.examples().get(0).where().endsWith(": line 3"), issues.examples().toString());
        assertTrue(issues.examples().get(1).where().endsWith(": line 4"), issues.examples().toString());
        assertEquals(2, d.nodesRead());
    }

    @Test
    void aCorruptPbfBlockIsReportedWithItsNumberAndTheOtherBlocksAreRead() throws IOException {
        byte[] bytes = Files.readAllBytes(city("monaco.osm.pbf"));
        long[][] blocks = frames(bytes);
        assertTrue(blocks.length > 4, "Monaco has several blocks");
        int victim = 2;
        int dataStart = (int) blocks[victim][0];
        int dataSize = (int) blocks[victim][1];
        // damage the middle of the block's compressed data
        for (int i = dataStart + dataSize / 2; i < dataStart + dataSize / 2 + 16; i++) {
            bytes[i] = (byte) ~bytes[i];
        }
        Path f = tmp.resolve("damaged.osm.pbf");
        Files.write(f, bytes);
        BuildIssues issues = new BuildIssues(null);
        OsmData d = OsmReader.read(f, issues);
        assertEquals(1, issues.count(BuildIssues.Kind.OSM_CORRUPT_BLOCK), () -> issues.examples().toString());
        assertTrue(issues.examples().getFirst().where().contains("block " + victim + " at byte "),
                issues.examples().getFirst().where());
        assertTrue(d.nodesRead() > 0 && d.nodesRead() < 46_444, "the damaged block's nodes are missing: " + d.nodesRead());
        assertEquals(3_717, d.waysRead(), "ways come from later, intact blocks");
    }

    @Test
    void aTruncatedPbfStopsWithAReportAndKeepsTheBlocksBefore() throws IOException {
        byte[] bytes = Files.readAllBytes(city("monaco.osm.pbf"));
        long[][] blocks = frames(bytes);
        int cut = (int) (blocks[3][0] + blocks[3][1] / 2);
        Path f = tmp.resolve("truncated.osm.pbf");
        Files.write(f, Arrays.copyOf(bytes, cut));
        BuildIssues issues = new BuildIssues(null);
        OsmData d = OsmReader.read(f, issues);
        assertEquals(1, issues.count(BuildIssues.Kind.OSM_CORRUPT_BLOCK));
        assertTrue(issues.examples().getFirst().message().contains("file ends inside the blob"),
                issues.examples().getFirst().message());
        assertTrue(d.nodesRead() > 0);
    }

    @Test
    void aMissingFileIsAClearError() {
        IOException e = assertThrows(IOException.class, () -> OsmReader.read(tmp.resolve("nope.osm.pbf"),
                new BuildIssues(null)));
        assertTrue(e.getMessage().contains("nope.osm.pbf"), e.getMessage());
    }

    /** Byte offset and size of each block's data, walking the frames independently of the reader. */
    static long[][] frames(byte[] bytes) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        java.util.List<long[]> out = new java.util.ArrayList<>();
        long pos = 0;
        while (pos < bytes.length) {
            int headerLen = in.readInt();
            byte[] header = in.readNBytes(headerLen);
            int size = Fileformat.BlobHeader.parseFrom(header).getDatasize();
            long dataStart = pos + 4 + headerLen;
            out.add(new long[] {dataStart, size});
            in.skipNBytes(size);
            pos = dataStart + size;
        }
        return out.toArray(new long[0][]);
    }

    private Path xml(String text) throws IOException {
        Path f = Files.createTempFile(tmp, "t", ".osm");
        Files.writeString(f, text);
        return f;
    }

    private static int count(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
