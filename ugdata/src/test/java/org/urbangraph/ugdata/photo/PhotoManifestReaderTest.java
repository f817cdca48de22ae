package org.urbangraph.ugdata.photo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.ugdata.BuildIssues;

class PhotoManifestReaderTest {
    @TempDir
    Path tmp;

    @Test
    void readsTheBundledSyntheticPlacement() throws IOException {
        BuildIssues issues = new BuildIssues(null);
        List<ImageRecord> r = PhotoManifestReader.read(Fixtures.path("data", "images", "lund-placed-in-monaco.csv"), issues);
        assertEquals(29, r.size());
        assertEquals(0, issues.total());
        ImageRecord first = r.getFirst();
        assertEquals("lund-01", first.id());
        assertEquals(7.4219198, first.lon(), 1e-12);
        assertEquals(43.7331723, first.lat(), 1e-12);
        assertEquals(181.16, first.headingDeg(), 1e-12);
        assertTrue(first.syntheticPlacement());
        assertFalse(first.syntheticImage());
        assertTrue(first.synthetic());
        assertTrue(Files.isRegularFile(first.file()));
    }

    @Test
    void badRowsAreReportedWithTheirLineAndSkipped() throws IOException {
        Path photo = Files.copy(Fixtures.path("data", "images", "lund", "01.jpg"), tmp.resolve("a.jpg"));
        Path m = tmp.resolve("m.csv");
        Files.writeString(m, """
                id,file,lon,lat,heading,capture_time
                good,a.jpg,7.42,43.73,90,2020-01-01T10:00:00
                badlon,a.jpg,seven,43.73,,
                badlat,a.jpg,7.42,93.0,,
                nofile,missing.jpg,7.42,43.73,,
                badheading,a.jpg,7.42,43.73,east,
                good,a.jpg,7.43,43.74,,
                """);
        BuildIssues issues = new BuildIssues(null);
        List<ImageRecord> r = PhotoManifestReader.read(m, issues);
        assertEquals(1, r.size());
        assertEquals(photo, r.getFirst().file());
        assertEquals(4, issues.count(BuildIssues.Kind.MANIFEST_BAD_ROW));
        assertEquals(1, issues.count(BuildIssues.Kind.PHOTO_UNREADABLE));
        List<String> where = issues.examples().stream().map(BuildIssues.Issue::where).toList();
        assertEquals(List.of(m + ": line 3", m + ": line 4", m + ": line 5", m + ": line 6", m + ": line 7"), where);
        assertTrue(issues.examples().getFirst().message().contains("longitude 'seven' is not a number"));
        assertTrue(issues.examples().get(1).message().contains("latitude 93.0 is outside"));
        assertTrue(issues.examples().getLast().message().contains("duplicate id 'good'"));
    }

    @Test
    void readsJsonLinesWithTheSameColumns() throws IOException {
        Files.copy(Fixtures.path("data", "images", "lund", "02.jpg"), tmp.resolve("b.jpg"));
        Path m = tmp.resolve("m.jsonl");
        Files.writeString(m, """
                {"id": "b", "file": "b.jpg", "lon": 9.52, "lat": 47.14, "heading": 370, "placement": "synthetic"}
                {"id": "c", "file": "b.jpg", "lon": 9.52}
                not json
                """);
        BuildIssues issues = new BuildIssues(null);
        List<ImageRecord> r = PhotoManifestReader.read(m, issues);
        assertEquals(1, r.size());
        assertEquals(10.0, r.getFirst().headingDeg(), 1e-12, "headings wrap to [0, 360)");
        assertTrue(r.getFirst().syntheticPlacement());
        assertEquals(2, issues.count(BuildIssues.Kind.MANIFEST_BAD_ROW));
        assertTrue(issues.examples().stream().anyMatch(i -> i.where().endsWith("line 2")
                && i.message().contains("missing latitude")), issues.examples().toString());
        assertTrue(issues.examples().stream().anyMatch(i -> i.where().endsWith("line 3")
                && i.message().contains("not valid JSON")), issues.examples().toString());
    }

    @Test
    void malformedCsvRowsAreReportedWithTheirLineAndTheOtherRowsAreRead() throws IOException {
        Files.copy(Fixtures.path("data", "images", "lund", "01.jpg"), tmp.resolve("a.jpg"));
        Path m = tmp.resolve("m.csv");
        Files.writeString(m, """
                id,file,lon,lat,heading
                good1,a.jpg,7.42,43.73,90
                extra,a.jpg,7.42,43.73,90,oops
                # a comment
                quote,"a.jpg,7.42,43.73,90
                good2,a.jpg,7.43,43.74,10

                good3,"a.jpg",7.44,43.75,20
                last,"a.jpg,7.45,43.76,30
                """);
        BuildIssues issues = new BuildIssues(null);
        List<ImageRecord> r = PhotoManifestReader.read(m, issues);
        assertEquals(List.of("good1", "good2", "good3"), r.stream().map(ImageRecord::id).toList());
        assertEquals(List.of(m + ": line 2", m + ": line 6", m + ": line 8"),
                r.stream().map(ImageRecord::origin).toList());
        assertEquals(7.44, r.get(2).lon(), 1e-12);
        assertEquals(3, issues.count(BuildIssues.Kind.MANIFEST_BAD_ROW), issues.examples().toString());
        List<BuildIssues.Issue> bad = issues.examples();
        assertEquals(List.of(m + ": line 3", m + ": line 5", m + ": line 9"),
                bad.stream().map(BuildIssues.Issue::where).toList());
        assertTrue(bad.get(0).message().contains("6 values, but the header has 5 columns"), bad.get(0).message());
        assertTrue(bad.get(1).message().contains("not valid CSV"), bad.get(1).message());
        assertTrue(bad.get(2).message().contains("Missing closing quote"), bad.get(2).message());
    }

    @Test
    void aManifestThatIsNotUtf8IsAnErrorNamingTheFile() throws IOException {
        Files.copy(Fixtures.path("data", "images", "lund", "01.jpg"), tmp.resolve("a.jpg"));
        Path latin1 = tmp.resolve("latin1.csv");
        Files.write(latin1, "id,file,lon,lat\ncaf\u00e9,a.jpg,7.42,43.73\n".getBytes(StandardCharsets.ISO_8859_1));
        IOException e = assertThrows(IOException.class, () -> PhotoManifestReader.read(latin1, new BuildIssues(null)));
        assertTrue(e.getMessage().startsWith(latin1 + ": line 2") && e.getMessage().contains("0xE9")
                && e.getMessage().contains("must be UTF-8"), e.getMessage());
        Path jsonl = tmp.resolve("latin1.jsonl");
        Files.write(jsonl, "{\"file\": \"caf\u00e9.jpg\", \"lon\": 7.42, \"lat\": 43.73}\n"
                .getBytes(StandardCharsets.ISO_8859_1));
        e = assertThrows(IOException.class, () -> PhotoManifestReader.read(jsonl, new BuildIssues(null)));
        assertTrue(e.getMessage().startsWith(jsonl + ": line 1") && e.getMessage().contains("must be UTF-8"),
                e.getMessage());
        // UTF-8 with a byte-order mark (as spreadsheet programs write it) is fine
        Path bom = tmp.resolve("bom.csv");
        Files.writeString(bom, "\uFEFFid,file,lon,lat\ncaf\u00e9,a.jpg,7.42,43.73\n");
        BuildIssues issues = new BuildIssues(null);
        List<ImageRecord> r = PhotoManifestReader.read(bom, issues);
        assertEquals(0, issues.total(), issues.examples().toString());
        assertEquals("caf", r.getFirst().id(), "the 'id' column is found behind the byte-order mark");
    }

    @Test
    void aMissingManifestIsAnError() {
        assertThrows(IOException.class, () -> PhotoManifestReader.read(tmp.resolve("none.csv"), new BuildIssues(null)));
    }
}
