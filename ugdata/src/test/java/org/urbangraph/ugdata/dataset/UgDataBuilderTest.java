package org.urbangraph.ugdata.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.ugdata.geo.Geo;
import org.urbangraph.ugdata.graph.GraphFile;
import org.urbangraph.ugdata.graph.NodeKind;
import org.urbangraph.ugdata.render.PngOut;

/**
 * A whole Monaco build (6 rendered views and the 29 Lund photos placed synthetically), read back through
 * {@link UgDataset} and checked row by row.
 */
class UgDataBuilderTest {
    @TempDir
    static Path shared;

    static Path dir;
    static DatasetManifest manifest;
    static UgDataset dataset;

    @BeforeAll
    static void build() throws Exception {
        dir = shared.resolve("monaco");
        manifest = UgDataBuilder.build(UgDataConfig.builder(Fixtures.path("data", "cities", "monaco.osm.pbf"), dir)
                .photoManifest(Fixtures.path("data", "images", "lund-placed-in-monaco.csv"))
                .render(6).seed(3).threads(2).bench(700, 5).log(null).build());
        dataset = UgDataset.open(dir);
    }

    @Test
    void theDirectoryHoldsEveryFileAndNoTemporaryLeftovers() throws IOException {
        for (String f : List.of("manifest.json", "stage1.jsonl", "stage2.jsonl", "graph.json")) {
            assertTrue(Files.isRegularFile(dir.resolve(f)), f);
        }
        for (String task : BenchTaskWriter.TASKS) {
            assertTrue(Files.isRegularFile(dir.resolve("bench").resolve(task + ".jsonl")), task);
        }
        try (Stream<Path> s = Files.list(shared)) {
            assertEquals(List.of(dir), s.toList(), "only the finished dataset remains");
        }
    }

    @Test
    void theManifestCountsAndAttributes() throws Exception {
        DatasetManifest m = dataset.manifest();
        assertEquals(manifest, m, "the manifest reads back as written");
        assertEquals("ugdata-1", m.format());
        assertEquals("monaco", m.city());
        assertEquals("train", m.split());
        assertEquals(3, m.seed());
        assertTrue(m.attribution().contains("OpenStreetMap contributors") && m.attribution().contains("ODbL"));
        DatasetManifest.Counts c = m.counts();
        assertEquals(35, c.images());
        assertEquals(6, c.syntheticImages());
        assertEquals(29, c.realImages());
        assertEquals(29, c.syntheticPlacement());
        assertEquals(7, c.evalImages(), "20 % of 35");
        assertEquals(28, c.trainImages());
        assertEquals(28, c.stage1Rows());
        assertEquals(35, c.subgraphs());
        assertEquals(35, (int) c.nodes().get("image"));
        DatasetManifest.Source osm = m.sources().getFirst();
        assertEquals("osm", osm.role());
        assertEquals("monaco.osm.pbf", osm.file());
        assertEquals(sha256(Fixtures.path("data", "cities", "monaco.osm.pbf")), osm.sha256());
        assertEquals(1 + 1 + 29, m.sources().size(), "extract, manifest and every photo");
        assertEquals("template", m.captioner());
    }

    @Test
    void stageOneRowsHaveTheOfficialShape() throws IOException {
        List<UgeSample> rows = dataset.stage1();
        assertEquals(28, rows.size());
        Set<String> ids = new HashSet<>();
        for (UgeSample r : rows) {
            assertTrue(r.query().startsWith("<image> "), r.query());
            assertEquals(1, r.positives().size());
            assertEquals(1, r.images().size());
            assertTrue(r.graphs().isEmpty());
            assertEquals("stage1_image_only", r.pairType());
            assertTrue(r.synthetic(), "rendered views and placed photos are both synthetic");
            assertTrue(r.positives().getFirst().contains("Monaco"), r.positives().getFirst());
            assertTrue(ids.add(r.imageId()));
            assertEquals("train", r.meta().get("split"));
            if (!r.negatives().isEmpty()) {
                assertFalse(r.negatives().getFirst().equals(r.positives().getFirst()));
            }
        }
    }

    @Test
    void stageTwoRowsCarryAReasoningPathAndAGraphCentredOnTheImage() throws IOException {
        List<UgeSample> rows = dataset.stage2();
        assertFalse(rows.isEmpty());
        assertEquals(dataset.manifest().counts().stage2Rows(), rows.size());
        for (UgeSample r : rows.subList(0, Math.min(rows.size(), 25))) {
            assertTrue(r.query().startsWith("<graph><image> "), r.query());
            assertTrue(r.query().contains("Spatial Reasoning Path: ("), r.query());
            assertTrue(r.query().contains("Destination: the camera position of this street view"), r.query());
            assertEquals("stage2_image_graph", r.pairType());
            GraphFile g = GraphFile.read(r.graphs().getFirst());
            assertEquals(((Number) r.meta().get("node")).intValue(), g.centerNode());
            GraphFile.Node center = g.nodes().get(g.indexOf(g.centerNode()));
            assertEquals(NodeKind.IMAGE, center.type());
            assertEquals(((Number) r.meta().get("lon")).doubleValue(), center.lon(), 1e-7);
            assertTrue(g.nodes().size() <= 500);
            for (GraphFile.Node n : g.nodes()) {
                assertTrue(n.text().startsWith("Name: ") && n.text().contains("Coordinates: ("), n.text());
                assertTrue(n.type() == NodeKind.IMAGE ? n.id() == g.centerNode() : true, "one image per subgraph");
                assertTrue(Geo.haversine(center.lon(), center.lat(), n.lon(), n.lat()) < 700 || n.type() == NodeKind.STREET
                        || n.type() == NodeKind.AREA, "points lie within the radius");
            }
            assertEquals(g.edges().size(), g.toJGraphT().edgeSet().size());
        }
    }

    @Test
    void imagesAreMarkedSyntheticInNamesAndFiles() throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("images"))) {
            List<Path> files = s.sorted().toList();
            assertEquals(35 + countPairs(), files.size(), "every image, and the second views rendered for the benchmark");
            for (Path f : files) {
                String n = f.getFileName().toString();
                assertTrue(n.startsWith("synthetic-monaco-") || n.endsWith("-synthetic-placement.jpg"), n);
                if (n.endsWith(".png")) {
                    assertEquals("true", PngOut.readText(f).get("Synthetic"), n);
                    assertTrue(PngOut.readText(f).get("Copyright").contains("OpenStreetMap"), n);
                }
            }
        }
        GraphFile city = dataset.cityGraph();
        long images = city.nodes().stream().filter(n -> n.type() == NodeKind.IMAGE).count();
        assertEquals(35, images);
        assertTrue(city.nodes().stream().filter(n -> n.type() == NodeKind.IMAGE)
                .allMatch(n -> "true".equals(n.attributes().get("synthetic"))));
    }

    private static int countPairs() {
        return dataset.manifest().counts().pairViews();
    }

    @Test
    void benchmarkTasksHaveValidCandidatesAndTheRightTruth() throws IOException {
        assertEquals(BenchTaskWriter.TASKS, dataset.benchTasks());
        for (String task : dataset.benchTasks()) {
            List<BenchSample> rows = dataset.bench(task);
            assertEquals((int) dataset.manifest().bench().get(task), rows.size(), task);
            for (BenchSample s : rows) {
                assertEquals(task, s.task());
                assertEquals("monaco", s.city());
                assertTrue(s.synthetic());
                assertTrue(s.candidates().size() >= 2);
                if (!task.startsWith("perception")) {
                    assertTrue(s.candidates().size() <= 5, s.id());
                }
                switch (task) {
                    case "geolocation" -> {
                        assertEquals(s.query().imageId(), s.truth().id());
                        assertNotNull(s.query().graph());
                        assertTrue(s.candidates().stream().allMatch(c -> c.text() != null));
                    }
                    case "text_to_image" -> {
                        assertNull(s.query().image());
                        assertNull(s.query().graph(), "a text query must not carry the image's graph");
                        assertTrue(s.truth().image().getFileName().toString().contains(s.query().imageId()));
                    }
                    case "image_to_image" -> {
                        assertFalse(s.query().image().equals(s.truth().image()));
                        assertFalse(s.truth().id().equals(s.query().imageId()));
                        double d = Geo.haversine(s.truth().lon(), s.truth().lat(), s.query().lon(), s.query().lat());
                        assertTrue(Double.isNaN(d) || d < 15, "the pair shows the same place");
                    }
                    case "nearest_poi" -> {
                        double truth = Geo.haversine(s.query().lon(), s.query().lat(), s.truth().lon(), s.truth().lat());
                        for (BenchSample.Candidate c : s.candidates()) {
                            assertTrue(Geo.haversine(s.query().lon(), s.query().lat(), c.lon(), c.lat()) >= truth - 1e-6);
                        }
                    }
                    case "distance_direction" -> {
                        double b = Geo.bearing(s.query().lon(), s.query().lat(), s.truth().lon(), s.truth().lat());
                        assertTrue(s.query().text().contains("to the " + Geo.compassWords(b) + " of"), s.query().text());
                    }
                    default -> {
                        assertEquals(s.label(), s.truth().id());
                        assertTrue(Set.of("train", "test").contains(s.fold()));
                    }
                }
            }
        }
        assertTrue(dataset.manifest().bench().get("geolocation") > 0);
    }

    @Test
    void noBenchmarkQueryOrTruthImageIsATrainingImage() throws IOException {
        Set<String> trainIds = new HashSet<>();
        Set<Path> trainFiles = new HashSet<>();
        for (UgeSample r : dataset.stage1()) {
            trainIds.add(r.imageId());
            r.images().forEach(f -> trainFiles.add(f.normalize()));
        }
        int imageQueries = 0;
        int photoPairs = 0;
        for (String task : BenchTaskWriter.TASKS) {
            for (BenchSample s : dataset.bench(task)) {
                if (s.query().image() != null) {
                    imageQueries++;
                    assertFalse(trainFiles.contains(s.query().image().normalize()), task + " " + s.id()
                            + ": query image " + s.query().image() + " is a training image");
                    if (task.equals("image_to_image") && !s.query().imageId().endsWith("-view2")) {
                        photoPairs++;
                    }
                }
                if (s.query().imageId() != null) {
                    assertFalse(trainIds.contains(s.query().imageId()), task + " " + s.id());
                }
                if (task.equals("geolocation") || task.equals("text_to_image") || task.equals("image_to_image")) {
                    assertFalse(trainFiles.contains(s.truth().image() == null ? null
                            : s.truth().image().normalize()), task + " " + s.id() + ": truth is a training image");
                    // nor is any wrong candidate: the truth never is one, so a training image would be a giveaway
                    for (BenchSample.Candidate c : s.candidates()) {
                        assertFalse(trainIds.contains(c.id()), task + " " + s.id() + ": candidate " + c.id()
                                + " is a training image");
                        assertTrue(c.image() == null || !trainFiles.contains(c.image().normalize()), c.id());
                    }
                }
            }
        }
        assertTrue(imageQueries > 0);
        assertTrue(photoPairs > 0, "the placed photos give image-to-image pairs of two photos");
    }

    /**
     * Captions and place descriptions state the map, counted here by brute force over every node of
     * {@code graph.json}: the crossings and places within 700 m, the nearest crossing and the two nearest places.
     * The subgraph (a breadth-first walk capped at 500 nodes) misses some of them around busy places.
     */
    @Test
    void captionsAndPlacesStateEveryCrossingAndPlaceWithinTheRadius() throws IOException {
        GraphFile city = dataset.cityGraph();
        int checked = 0;
        int capped = 0;
        for (UgeSample r : dataset.stage1()) {
            double lon = ((Number) r.meta().get("lon")).doubleValue();
            double lat = ((Number) r.meta().get("lat")).doubleValue();
            GraphFile.Node img = city.nodes().stream().filter(n -> n.type() == NodeKind.IMAGE
                    && n.key().equals("image/" + r.imageId())).findFirst().orElseThrow();
            List<GraphFile.Node> crossings = within(city, img, NodeKind.CROSSING, 700);
            List<GraphFile.Node> pois = within(city, img, NodeKind.POI, 700);
            String caption = r.positives().getFirst();
            Matcher m = Pattern.compile("and (\\d+) crossings?.*?, with (\\d+) places? of interest\\.").matcher(caption);
            assertTrue(m.find(), caption);
            assertEquals(crossings.size(), Integer.parseInt(m.group(1)), r.imageId() + ": " + caption);
            assertEquals(pois.size(), Integer.parseInt(m.group(2)), r.imageId() + ": " + caption);
            GraphFile.Node x = crossings.getFirst();
            long xd = Math.round(Geo.haversine(img.lon(), img.lat(), x.lon(), x.lat()));
            assertTrue(caption.contains(x.name()) && caption.contains(xd + " m"), r.imageId() + ": nearest crossing "
                    + x.name() + " at " + xd + " m: " + caption);
            GraphFile sub = GraphFile.read(dir.resolve("graphs").resolve(r.imageId() + ".json"));
            if (sub.nodes().size() == 500) {
                capped++;
            }
            checked++;
        }
        for (BenchSample s : dataset.bench("geolocation")) {
            for (BenchSample.Candidate c : s.candidates()) {
                GraphFile.Node img = city.nodes().get(city.indexOf(c.node()));
                List<GraphFile.Node> crossings = within(city, img, NodeKind.CROSSING, 700);
                List<GraphFile.Node> pois = within(city, img, NodeKind.POI, 700);
                GraphFile.Node x = crossings.getFirst();
                long xd = Math.round(Geo.haversine(img.lon(), img.lat(), x.lon(), x.lat()));
                assertTrue(c.text().contains(", " + xd + " m from the " + x.name() + ";"), c.id() + ": nearest crossing "
                        + x.name() + " at " + xd + " m: " + c.text());
                assertTrue(c.text().contains("; near " + pois.get(0).name() + " ("), c.text());
            }
        }
        assertTrue(checked > 20, "captions checked: " + checked);
        assertTrue(capped > 0, "some subgraphs reach the 500-node cap, so the check means something");
    }

    /** Nodes of one type within a radius of a node, nearest first, by brute force. */
    private static List<GraphFile.Node> within(GraphFile city, GraphFile.Node from, NodeKind type, double radiusM) {
        return city.nodes().stream().filter(n -> n.type() == type)
                .filter(n -> Geo.haversine(from.lon(), from.lat(), n.lon(), n.lat()) <= radiusM)
                .sorted(java.util.Comparator.comparingDouble((GraphFile.Node n) ->
                        Geo.haversine(from.lon(), from.lat(), n.lon(), n.lat())).thenComparingInt(GraphFile.Node::id))
                .toList();
    }

    @Test
    void questionsWithFewerCandidatesThanAskedForAreReportedOncePerTask() throws IOException {
        // 7 benchmark images, 5 candidates asked for: the truth and up to 4 other benchmark images 15 m away or more
        Map<String, Integer> expected = new java.util.TreeMap<>();
        for (String task : List.of("geolocation", "text_to_image", "image_to_image")) {
            List<BenchSample> rows = dataset.bench(task);
            int fewer = 0;
            for (BenchSample s : rows) {
                assertTrue(s.candidates().size() <= 7, "at most every benchmark image: " + s.id());
                if (s.candidates().size() < 5) {
                    fewer++;
                }
            }
            if (fewer > 0) {
                expected.put(task, fewer);
            }
        }
        assertFalse(expected.isEmpty(), "the placed photos lie close together on one boulevard, so some fall short");
        DatasetManifest.Issues issues = dataset.manifest().issues();
        assertEquals(expected.size(), (int) issues.counts().get("bench_few_candidates"));
        Map<String, String> reported = new java.util.TreeMap<>();
        for (DatasetManifest.Example e : issues.examples()) {
            if (e.kind().equals("bench_few_candidates")) {
                reported.put(e.where(), e.message());
            }
        }
        for (Map.Entry<String, Integer> e : expected.entrySet()) {
            String message = reported.get("bench/" + e.getKey() + ".jsonl");
            assertNotNull(message, e.getKey());
            int rows = dataset.bench(e.getKey()).size();
            assertTrue(message.startsWith(e.getValue() + " of " + rows + " questions have fewer than the 5 candidates"),
                    message);
            assertTrue(message.contains("Monaco has 7 benchmark images"), message);
        }
    }

    static String sha256(Path f) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(f)) {
            md.update(in.readAllBytes());
        }
        return HexFormat.of().formatHex(md.digest()).toLowerCase(Locale.ROOT);
    }
}
