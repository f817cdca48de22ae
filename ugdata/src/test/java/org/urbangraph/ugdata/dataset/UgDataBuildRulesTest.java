package org.urbangraph.ugdata.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.ugdata.geo.Geo;
import org.urbangraph.ugdata.graph.GraphFile;
import org.urbangraph.ugdata.graph.NodeKind;
import org.urbangraph.ugdata.graph.Relation;
import org.urbangraph.ugdata.graph.TinyTown;
import org.urbangraph.ugdata.render.PngOut;

/** Determinism, atomic writing, and bad input, on the small Berlin extract. */
class UgDataBuildRulesTest {
    @TempDir
    Path tmp;

    static Path berlin() {
        return Fixtures.path("data", "cities", "berlin-tiergarten.osm.gz");
    }

    UgDataConfig.Builder config(Path out) {
        return UgDataConfig.builder(berlin(), out).render(5).seed(11).log(null).bench(700, 4);
    }

    @Test
    void theSameSeedGivesTheSameBytesWhateverTheThreadCount() throws IOException {
        UgDataBuilder.build(config(tmp.resolve("a")).threads(1).build());
        UgDataBuilder.build(config(tmp.resolve("b")).threads(3).build());
        List<Path> a = files(tmp.resolve("a"));
        List<Path> b = files(tmp.resolve("b"));
        assertEquals(a.stream().map(p -> tmp.resolve("a").relativize(p)).toList(),
                b.stream().map(p -> tmp.resolve("b").relativize(p)).toList());
        assertTrue(a.size() > 15);
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(Files.readAllBytes(a.get(i)), Files.readAllBytes(b.get(i)), a.get(i).toString());
        }
        UgDataBuilder.build(config(tmp.resolve("c")).seed(12).render(2).threads(1).build());
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(tmp.resolve("a/stage1.jsonl")),
                Files.readAllBytes(tmp.resolve("c/stage1.jsonl"))), "another seed gives another dataset");
    }

    @Test
    void photosOutsideTheCityAreCountedAndSkipped() throws IOException {
        // the Lund photos are 36 km across the sea from anything in Berlin
        DatasetManifest m = UgDataBuilder.build(config(tmp.resolve("d")).render(2)
                .photos(Fixtures.path("data", "images", "lund")).build());
        assertEquals(29, (int) m.issues().counts().get("photo_outside_city"));
        assertEquals(2, m.counts().images());
        assertTrue(m.issues().examples().getFirst().message().contains("outside Berlin Tiergarten"),
                m.issues().examples().getFirst().message());
    }

    @Test
    void nothingUsableFailsWithTheReasonAndLeavesNothingBehind() throws IOException {
        Path manifest = tmp.resolve("bad.csv");
        Files.writeString(manifest, "file,lon,lat\nnowhere.jpg,13.35,52.51\nx.jpg,thirteen,52.51\n");
        Path out = tmp.resolve("out").resolve("berlin");
        IOException e = assertThrows(IOException.class, () -> UgDataBuilder.build(config(out).render(0)
                .photoManifest(manifest).build()));
        assertTrue(e.getMessage().contains("no usable image"), e.getMessage());
        assertTrue(e.getMessage().contains("--render 0"), e.getMessage());
        assertTrue(e.getMessage().contains("MANIFEST_BAD_ROW") && e.getMessage().contains("PHOTO_UNREADABLE"),
                e.getMessage());
        try (Stream<Path> s = Files.list(out.getParent())) {
            assertEquals(List.of(), s.toList(), "no dataset and no temporary directory");
        }
    }

    @Test
    void anExtractWithoutStreetsFails() throws IOException {
        Path osm = tmp.resolve("empty.osm");
        Files.writeString(osm, "<osm version=\"0.6\"><node id=\"1\" lat=\"1\" lon=\"1\"/></osm>");
        IOException e = assertThrows(IOException.class, () -> UgDataBuilder.build(UgDataConfig.builder(osm,
                tmp.resolve("e")).log(null).build()));
        assertTrue(e.getMessage().contains("empty.osm") && e.getMessage().contains("nothing usable"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("e")));
    }

    @Test
    void anAreaWithoutInsideIsCountedAndSkippedAndTheBuildGoesOn() throws IOException {
        Path osm = tmp.resolve("tiny-town.osm");
        Files.writeString(osm, TinyTown.XML.replace("</osm>", """
                 <way id="14"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="1"/><tag k="leisure" v="park"/><tag k="name" v="Thin Park"/></way>
                </osm>
                """));
        DatasetManifest m = UgDataBuilder.build(UgDataConfig.builder(osm, tmp.resolve("t")).render(2).imageSize(64, 64)
                .seed(1).log(null).build());
        assertEquals(2, m.counts().images());
        assertEquals(1, (int) m.issues().counts().get("osm_bad_geometry"));
        assertTrue(m.issues().examples().stream().anyMatch(i -> i.where().endsWith("tiny-town.osm: way 14")
                && i.message().contains("Thin Park")), m.issues().examples().toString());
        assertFalse(Files.readString(tmp.resolve("t/graph.json")).contains("Thin Park"));
    }

    @Test
    void aPhotoCopiedUnderAnotherNameIsKeptOnceAndReported() throws IOException {
        Path osm = lundStreets();
        Path photos = Files.createDirectories(tmp.resolve("photos"));
        Files.copy(Fixtures.path("data", "images", "lund", "01.jpg"), photos.resolve("IMG_1.jpg"));
        Files.copy(Fixtures.path("data", "images", "lund", "01.jpg"), photos.resolve("IMG_1 (1).jpg"));
        Path out = tmp.resolve("dups");
        DatasetManifest m = UgDataBuilder.build(UgDataConfig.builder(osm, out).render(0).seed(1).log(null)
                .photos(photos).build());
        assertEquals(1, m.counts().images());
        assertEquals(1, (int) m.issues().counts().get("photo_duplicate"), m.issues().examples().toString());
        assertTrue(m.issues().examples().stream().anyMatch(i -> i.where().equals(photos.resolve("IMG_1 (1).jpg")
                .toString()) && i.message().contains("IMG_1.jpg")), m.issues().examples().toString());
        try (Stream<Path> s = Files.list(out.resolve("images"))) {
            assertEquals(1, s.count());
        }
    }

    @Test
    void photosThatDoNotDecodeAreReportedAndLeftOut() throws IOException {
        Path osm = lundStreets();
        Path photos = Files.createDirectories(tmp.resolve("photos"));
        Files.copy(Fixtures.path("data", "images", "lund", "01.jpg"), photos.resolve("good.jpg"));
        Files.writeString(photos.resolve("notes.jpg"), "a text file, not a photo\n");
        byte[] jpeg = Files.readAllBytes(Fixtures.path("data", "images", "lund", "02.jpg"));
        Files.write(photos.resolve("cut.jpg"), Arrays.copyOf(jpeg, jpeg.length * 2 / 3)); // EXIF and GPS intact
        Path manifest = photos.resolve("photos.csv");
        Files.writeString(manifest, """
                id,file,lon,lat,heading
                good,good.jpg,13.19539,55.69817,179
                notes,notes.jpg,13.19530,55.69822,180
                cut,cut.jpg,13.19520,55.69824,182
                """);
        for (boolean fromManifest : new boolean[] {true, false}) {
            Path out = tmp.resolve(fromManifest ? "from-manifest" : "from-folder");
            UgDataConfig.Builder b = UgDataConfig.builder(osm, out).render(0).seed(1).log(null);
            DatasetManifest m = UgDataBuilder.build((fromManifest ? b.photoManifest(manifest) : b.photos(photos)).build());
            assertEquals(1, m.counts().images(), out.toString());
            assertEquals(2, (int) m.issues().counts().get("photo_unreadable"), m.issues().examples().toString());
            String cutWhere = fromManifest ? manifest + ": line 4" : photos.resolve("cut.jpg").toString();
            assertTrue(m.issues().examples().stream().anyMatch(i -> i.where().equals(cutWhere)
                    && i.message().contains("not a readable JPEG or PNG image")), m.issues().examples().toString());
            try (Stream<Path> s = Files.list(out.resolve("images"))) {
                assertEquals(List.of("photo-good.jpg"), s.map(p -> p.getFileName().toString()).toList());
            }
            for (String rows : List.of("stage1.jsonl", "stage2.jsonl", "graph.json")) {
                String text = Files.readString(out.resolve(rows));
                assertFalse(text.contains("photo-cut") || text.contains("photo-notes"), rows);
            }
        }
    }

    /** Two streets through the Lund photos' positions, so that those photos lie inside the city. */
    private Path lundStreets() throws IOException {
        Path osm = tmp.resolve("lund.osm");
        Files.writeString(osm, """
                <osm version="0.6">
                 <node id="1" lat="55.6975" lon="13.1950"/>
                 <node id="2" lat="55.6983" lon="13.1953"/>
                 <node id="3" lat="55.6990" lon="13.1956"/>
                 <node id="4" lat="55.6983" lon="13.1940"/>
                 <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/><tag k="name" v="Nygatan"/></way>
                 <way id="11"><nd ref="4"/><nd ref="2"/><tag k="highway" v="residential"/><tag k="name" v="Tvargatan"/></way>
                </osm>
                """);
        return osm;
    }

    @Test
    void noCandidateCopiesTheTruthOrAnotherCandidate() throws IOException {
        // Berlin Tiergarten has stops with several platforms of one name ("Großer Stern (platform)")
        Path out = tmp.resolve("np");
        UgDataBuilder.build(UgDataConfig.builder(berlin(), out).render(10).seed(3).bench(700, 20).log(null).build());
        UgDataset ds = UgDataset.open(out);
        List<BenchSample> rows = ds.bench("nearest_poi");
        assertFalse(rows.isEmpty(), "nearest-POI questions");
        for (BenchSample s : rows) {
            String truth = s.truth().text();
            for (int i = 0; i < s.candidates().size(); i++) {
                if (i != s.answer()) {
                    assertFalse(s.candidates().get(i).text().equals(truth), s.id() + ": a copy of the truth " + truth);
                }
            }
            assertTrue(s.candidates().size() >= 2, s.id());
        }
        // nor does a wrong candidate repeat another: a candidate is embedded as its image, or else its text, and one
        // wrong answer listed twice would cost the truth two ranks
        int wrong = 0;
        for (String task : ds.benchTasks()) {
            for (BenchSample s : ds.bench(task)) {
                Map<String, Integer> seen = new HashMap<>();
                for (int i = 0; i < s.candidates().size(); i++) {
                    BenchSample.Candidate c = s.candidates().get(i);
                    String input = c.image() != null ? "image " + c.image().normalize() : "text " + c.text();
                    Integer first = seen.putIfAbsent(input, i);
                    assertTrue(first == null, s.id() + ": candidates[" + i + "] repeats candidates[" + first + "], "
                            + input);
                    wrong += i == s.answer() ? 0 : 1;
                }
            }
        }
        assertTrue(wrong > 50, "wrong candidates checked: " + wrong);
    }

    @Test
    void noWrongDistanceDirectionCandidateFitsTheQuestionAsStated() throws IOException {
        // a held-out Monaco: every view is a benchmark query, with 20 candidates among many POIs and crossings
        Path out = tmp.resolve("dd");
        UgDataBuilder.build(UgDataConfig.builder(Fixtures.path("data", "cities", "monaco.osm.pbf"), out)
                .split(Split.HELD_OUT).render(60).imageSize(32, 32).seed(5).bench(700, 20).log(null).build());
        List<BenchSample> rows = UgDataset.open(out).bench("distance_direction");
        assertTrue(rows.size() >= 40, "rows: " + rows.size());
        Pattern question = Pattern.compile("about (\\d+) m to the ([a-z-]+) of this street view");
        for (BenchSample s : rows) {
            Matcher m = question.matcher(s.query().text());
            assertTrue(m.find(), s.query().text());
            long stated = Long.parseLong(m.group(1));
            String direction = m.group(2);
            double truthBearing = Geo.bearing(s.query().lon(), s.query().lat(), s.truth().lon(), s.truth().lat());
            // the truth lies at least 8 degrees inside its compass sector, not on the edge to the next direction
            double offCentre = Geo.angleBetween(truthBearing, Geo.sector8(truthBearing) * 45.0);
            assertTrue(offCentre <= 22.5 - 8, s.id() + ": the truth lies " + offCentre + " degrees off "
                    + direction);
            for (int i = 0; i < s.candidates().size(); i++) {
                BenchSample.Candidate c = s.candidates().get(i);
                double d = Geo.haversine(s.query().lon(), s.query().lat(), c.lon(), c.lat());
                double b = Geo.bearing(s.query().lon(), s.query().lat(), c.lon(), c.lat());
                boolean distanceFits = d >= 0.6 * stated && d <= 1.6 * stated;
                boolean fits = Geo.compassWords(b).equals(direction) && distanceFits;
                if (i == s.answer()) {
                    assertTrue(fits, s.id() + ": the truth fits its own question");
                } else {
                    assertFalse(fits, String.format(Locale.ROOT, "%s: wrong candidate %s is %.1f m to the %s, and"
                            + " the question asks for about %d m to the %s", s.id(), c.text(), d,
                            Geo.compassWords(b), stated, direction));
                    // nor does it lie just across the sector edge from the truth, at a distance that fits
                    assertFalse(distanceFits && Geo.angleBetween(b, truthBearing) <= 30, String.format(Locale.ROOT,
                            "%s: wrong candidate %s is %.1f m away at %.1f degrees, the truth at %.1f degrees; the"
                            + " question asks for about %d m to the %s", s.id(), c.text(), d, b, truthBearing, stated,
                            direction));
                }
            }
        }
    }

    @Test
    void aRenderedViewStandsOnTheStreetItsCameraWasPlacedOn() throws IOException {
        // the first 26 views of the bundled Monaco build (seed 0): view 3 stands on Avenue de la Porte Neuve 1.3 m
        // above Tunnel Rocher Palais (0.6 m), view 13 on Rue Baron Sainte-Suzanne beside the footway Rue Langlé
        Path out = tmp.resolve("streets");
        UgDataBuilder.build(UgDataConfig.builder(Fixtures.path("data", "cities", "monaco.osm.pbf"), out)
                .split(Split.HELD_OUT).render(26).imageSize(32, 32).seed(0).bench(700, 5).log(null).build());
        UgDataset ds = UgDataset.open(out);
        GraphFile city = ds.cityGraph();
        Map<String, String> streetOf = new HashMap<>();
        for (GraphFile.Node n : city.nodes()) {
            if (n.type() != NodeKind.IMAGE) {
                continue;
            }
            List<GraphFile.Edge> nearest = city.edges().stream().filter(e -> e.source() == n.id()
                    && e.relation() == Relation.NEAREST).toList();
            assertEquals(1, nearest.size(), n.key());
            String street = city.nodes().get(city.indexOf(nearest.getFirst().target())).name();
            String location = PngOut.readText(out.resolve(n.attributes().get("file"))).get("Location");
            assertTrue(location.endsWith(", on " + street), n.key() + " is linked to " + street + "; placed " + location);
            streetOf.put(n.attributes().get("image_id"), street);
        }
        assertEquals(26, streetOf.size());
        assertEquals("Avenue de la Porte Neuve", streetOf.get("synthetic-monaco-000003"));
        assertEquals("Rue Baron Sainte-Suzanne", streetOf.get("synthetic-monaco-000013"));
        for (BenchSample s : ds.bench("geolocation")) {
            if (s.query().imageId().equals("synthetic-monaco-000003")) {
                assertTrue(s.truth().text().startsWith("On Avenue de la Porte Neuve, "), s.truth().text());
            }
        }
        for (BenchSample s : ds.bench("perception_street_class")) {
            if (s.query().imageId().equals("synthetic-monaco-000013")) {
                assertEquals("local_street", s.label(), "Rue Baron Sainte-Suzanne is residential, Rue Langlé a footway");
            }
        }
        for (BenchSample s : ds.bench("text_to_image")) {
            assertFalse(s.query().text().contains("stands on Tunnel") || s.query().text().contains("view on Tunnel")
                    || s.query().text().contains("along Tunnel"), s.query().text());
        }
    }

    @Test
    void theStreetClassOfAViewIsThatOfTheSectionItsCameraStandsOn() throws IOException {
        // Birch Lane: a track of about 400 m that goes on as an unclassified road of about 100 m; the street is a
        // track (80 % of its length), but cameras stand only on the unclassified road, which they draw as a road
        Path osm = tmp.resolve("birch.osm");
        Files.writeString(osm, """
                <osm version="0.6">
                 <node id="1" lat="0" lon="0"/>
                 <node id="2" lat="0" lon="0.0036"/>
                 <node id="3" lat="0" lon="0.0045"/>
                 <way id="100"><nd ref="1"/><nd ref="2"/><tag k="highway" v="track"/><tag k="name" v="Birch Lane"/></way>
                 <way id="101"><nd ref="2"/><nd ref="3"/><tag k="highway" v="unclassified"/><tag k="name" v="Birch Lane"/></way>
                </osm>
                """);
        Path held = tmp.resolve("birch-held");
        UgDataBuilder.build(UgDataConfig.builder(osm, held).split(Split.HELD_OUT).render(6).imageSize(32, 32).seed(2)
                .bench(700, 4).log(null).build());
        UgDataset ds = UgDataset.open(held);
        GraphFile city = ds.cityGraph();
        assertEquals("track", city.nodes().stream().filter(n -> n.type() == NodeKind.STREET).findFirst().orElseThrow()
                .category(), "the street as a whole is a track");
        List<BenchSample> labels = ds.bench("perception_street_class");
        assertEquals(6, labels.size(), "every view is labelled");
        for (BenchSample s : labels) {
            assertEquals("local_street", s.label(), s.query().imageId() + " stands on the unclassified road");
        }
        Path train = tmp.resolve("birch-train");
        UgDataBuilder.build(UgDataConfig.builder(osm, train).render(4).evalFraction(0).imageSize(32, 32).seed(2)
                .bench(700, 4).log(null).build());
        List<UgeSample> rows = UgDataset.open(train).stage1();
        assertFalse(rows.isEmpty());
        for (UgeSample r : rows) {
            String text = r.query() + " " + String.join(" ", r.positives());
            assertTrue(text.contains("unclassified"), text);
            assertFalse(text.contains("track"), text);
        }
    }

    @Test
    void anExistingDatasetIsReplacedOnlyWhenAllowed() throws IOException {
        Path out = tmp.resolve("f");
        UgDataBuilder.build(config(out).render(2).build());
        assertThrows(FileAlreadyExistsException.class, () -> UgDataBuilder.build(config(out).render(3).build()));
        assertEquals(2, UgDataset.open(out).manifest().counts().images(), "the old dataset is untouched");
        UgDataBuilder.build(config(out).render(3).overwrite(true).build());
        assertEquals(3, UgDataset.open(out).manifest().counts().images());
    }

    @Test
    void overwriteReplacesOnlyADatasetOrAnEmptyDirectory() throws IOException {
        Path project = tmp.resolve("project");
        Files.createDirectories(project.resolve("src"));
        Files.writeString(project.resolve("src/Main.java"), "class Main {}");
        FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class,
                () -> UgDataBuilder.build(config(project).render(2).overwrite(true).build()));
        assertTrue(e.getMessage().startsWith(project.toString() + ": ") && e.getMessage().contains("not a UGData dataset")
                && !e.getMessage().contains("\n"), e.getMessage());
        assertEquals("class Main {}", Files.readString(project.resolve("src/Main.java")), "nothing is touched");

        Path file = tmp.resolve("afile");
        Files.writeString(file, "keep me");
        e = assertThrows(FileAlreadyExistsException.class,
                () -> UgDataBuilder.build(config(file).render(2).overwrite(true).build()));
        assertTrue(e.getMessage().startsWith(file + ": ") && e.getMessage().contains("a file"), e.getMessage());
        assertEquals("keep me", Files.readString(file));

        Path otherFormat = tmp.resolve("other");
        Files.createDirectories(otherFormat);
        Files.writeString(otherFormat.resolve("manifest.json"), "{\"format\": \"something-else\"}");
        assertThrows(FileAlreadyExistsException.class,
                () -> UgDataBuilder.build(config(otherFormat).render(2).overwrite(true).build()));
        assertTrue(Files.exists(otherFormat.resolve("manifest.json")));
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of("afile", "other", "project"), s.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temporary directory is left either");
        }

        Path empty = tmp.resolve("empty");
        Files.createDirectories(empty);
        UgDataBuilder.build(config(empty).render(2).overwrite(true).build());
        assertEquals(2, UgDataset.open(empty).manifest().counts().images());
    }

    @Test
    void aDatasetGetsTheOrdinaryPermissionsOfANewDirectory() throws IOException {
        Assumptions.assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("posix"));
        Path out = tmp.resolve("perm");
        UgDataBuilder.build(config(out).render(2).build());
        Path reference = Files.createDirectory(tmp.resolve("reference")); // made under the user's umask
        assertEquals(PosixFilePermissions.toString(Files.getPosixFilePermissions(reference)),
                PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
    }

    @Test
    void leftoversOfKilledBuildsAreRemovedWhenTheirProcessIsGone() throws Exception {
        Process ended = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-version")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        ended.waitFor();
        long dead = ended.pid();
        long alive = ProcessHandle.current().pid();
        Path parent = Files.createDirectories(tmp.resolve("parent"));
        Path stale = Files.createDirectories(parent.resolve(".city.tmp-" + dead).resolve("images"));
        Files.writeString(stale.resolve("a.png"), "half written");
        Files.createDirectories(parent.resolve(".city.tmp-" + dead + "-2"));
        Files.createDirectories(parent.resolve(".city.tmp-" + alive + "-7"));   // a build still running
        Files.createDirectories(parent.resolve(".other.tmp-" + dead));         // another dataset's
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        UgDataBuilder.build(config(parent.resolve("city")).render(2)
                .log(new PrintStream(log, true, StandardCharsets.UTF_8)).build());
        try (Stream<Path> s = Files.list(parent)) {
            assertEquals(List.of(".city.tmp-" + alive + "-7", ".other.tmp-" + dead, "city"),
                    s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        String text = log.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("removed " + parent.resolve(".city.tmp-" + dead) + ", left by an interrupted build")
                && text.contains("removed " + parent.resolve(".city.tmp-" + dead + "-2") + ","), text);
    }

    @Test
    void aRadiusThatIsNotAPositiveNumberIsRejected() {
        for (double r : new double[] {Double.NaN, Double.POSITIVE_INFINITY, 0, -700}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> config(tmp.resolve("r")).subgraph(r, 500).build());
            assertTrue(e.getMessage().contains("subgraph radius must be a positive, finite number"), e.getMessage());
        }
    }

    @Test
    void theReaderNamesTheFileAndLineOfABrokenRow() throws IOException {
        Path out = tmp.resolve("g");
        UgDataBuilder.build(config(out).render(4).build());
        Path s1 = out.resolve("stage1.jsonl");
        List<String> lines = Files.readAllLines(s1);
        assertTrue(lines.size() >= 2);
        lines.set(1, lines.get(1).replace("\"images\":[\"images/", "\"images\":[\"images/missing-"));
        Files.write(s1, lines);
        IOException e = assertThrows(IOException.class, () -> UgDataset.open(out).stage1());
        assertTrue(e.getMessage().contains("stage1.jsonl: line 2") && e.getMessage().contains("does not exist"),
                e.getMessage());
        lines.set(1, "{\"messages\": [], \"positive_messages\": [[]]}");
        Files.write(s1, lines);
        e = assertThrows(IOException.class, () -> UgDataset.open(out).stage1());
        assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("'messages'"), e.getMessage());
        Path task = out.resolve("bench/geolocation.jsonl");
        Files.writeString(task, "{\"query\": {\"text\": \"q\"}, \"candidates\": [{\"text\": \"a\"}, {\"text\": \"b\"}], \"answer\": 2}\n");
        e = assertThrows(IOException.class, () -> UgDataset.open(out).bench("geolocation"));
        assertTrue(e.getMessage().contains("geolocation.jsonl: line 1") && e.getMessage().contains("'answer'"),
                e.getMessage());
        assertThrows(IOException.class, () -> UgDataset.open(tmp.resolve("nothing-here")));
    }

    @Test
    void theManifestIsReadWholeAndEveryKeyIsNamedWhenWrong() throws IOException {
        Path out = tmp.resolve("m");
        DatasetManifest built = UgDataBuilder.build(config(out).render(3).build());
        DatasetCheck.Result good = DatasetCheck.run(out);
        assertTrue(good.ok(), good.problems().toString());
        assertEquals(built.counts().stage1Rows(), good.stage1Rows());
        assertEquals(built.counts().stage2Rows(), good.stage2Rows());
        assertEquals(built.bench(), good.benchRows());
        Path m = out.resolve("manifest.json");
        String text = Files.readString(m);

        Files.writeString(m, text.replaceFirst("\"images\" : \\d+", "\"images\" : \"many\""));
        IOException e = assertThrows(IOException.class, () -> UgDataset.open(out));
        assertTrue(e.getMessage().startsWith(m + ": key 'counts.images' has the wrong type"), e.getMessage());

        Files.writeString(m, text.replaceFirst("\"geolocation\" : \\d+", "\"geolocation\" : -1"));
        e = assertThrows(IOException.class, () -> UgDataset.open(out));
        assertTrue(e.getMessage().startsWith(m + ": key 'bench.geolocation' must be a row count"), e.getMessage());

        Files.writeString(m, text.replaceFirst("\\s*\"bench\" : \\{[^}]*},", ""));
        e = assertThrows(IOException.class, () -> UgDataset.open(out));
        assertEquals(m + ": missing key 'bench' (rows per benchmark task file)", e.getMessage());

        Files.writeString(m, text.replaceFirst("\\s*\"stage1_rows\" : \\d+,", "")
                .replaceFirst("\"split\" : \"train\"", "\"split\" : \"test\""));
        DatasetCheck.Result bad = DatasetCheck.run(out);
        assertEquals(List.of(m + ": missing key 'counts.stage1_rows'",
                m + ": key 'split': unknown split 'test'; expected 'train' or 'held-out'"), bad.problems());

        Files.writeString(m, "[]");
        assertEquals(List.of(m + ": unreadable manifest (expected a JSON object)"), DatasetCheck.run(out).problems());
    }

    @Test
    void theCheckReadsOnPastABadRowAndCountsItAsARow() throws IOException {
        Path out = tmp.resolve("r");
        DatasetManifest built = UgDataBuilder.build(config(out).render(4).build());
        Path s2 = out.resolve("stage2.jsonl");
        List<String> lines = Files.readAllLines(s2);
        assertTrue(lines.size() > 3, "rows: " + lines.size());
        lines.set(0, "{\"messages\": 1}");
        lines.set(2, "[1, 2]");
        lines.set(3, lines.get(3).replaceFirst("\"graphs\":\\[\"", "\"graphs\":[\"../"));
        Files.write(s2, lines);
        DatasetCheck.Result r = DatasetCheck.run(out);
        assertEquals(built.counts().stage2Rows(), r.stage2Rows(), "bad rows are rows");
        assertEquals(3, r.problems().size(), r.problems().toString());
        assertTrue(r.problems().get(0).startsWith(s2 + ": line 1: 'messages' must be"), r.problems().get(0));
        assertEquals(s2 + ": line 3: expected a JSON object", r.problems().get(1));
        assertTrue(r.problems().get(2).startsWith(s2 + ": line 4: graph '../graphs/")
                && r.problems().get(2).endsWith("points outside the dataset directory"), r.problems().get(2));
    }

    @Test
    void aHeldOutCityPutsEveryImageIntoTheBenchmark() throws IOException {
        DatasetManifest m = UgDataBuilder.build(config(tmp.resolve("h")).split(Split.HELD_OUT).build());
        assertEquals("held-out", m.split());
        assertEquals(5, m.counts().evalImages());
        assertEquals(0, m.counts().stage1Rows());
        assertEquals(0, m.counts().stage2Rows());
        assertTrue(m.bench().get("geolocation") > 0);
        assertTrue(UgDataset.open(tmp.resolve("h")).bench("geolocation").stream().allMatch(s -> s.split().equals("held-out")));
    }

    @Test
    void aHeldOutCityTakesNoOtherEvalFraction() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> config(tmp.resolve("i")).split(Split.HELD_OUT).evalFraction(0.5).build());
        assertTrue(e.getMessage().contains("held-out city keeps every image for the benchmark"), e.getMessage());
        assertEquals(1.0, config(tmp.resolve("i")).split(Split.HELD_OUT).evalFraction(1).build().evalFraction());
    }

    private static List<Path> files(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }
}
