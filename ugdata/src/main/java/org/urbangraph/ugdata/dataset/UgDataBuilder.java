package org.urbangraph.ugdata.dataset;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.urbangraph.ugdata.BuildIssues;
import org.urbangraph.ugdata.geo.Geo;
import org.urbangraph.ugdata.graph.CityGraph;
import org.urbangraph.ugdata.graph.CityGraphBuilder;
import org.urbangraph.ugdata.graph.GraphJson;
import org.urbangraph.ugdata.graph.PointIndex;
import org.urbangraph.ugdata.graph.SpatialNode;
import org.urbangraph.ugdata.graph.Subgraph;
import org.urbangraph.ugdata.graph.SubgraphExtractor;
import org.urbangraph.ugdata.osm.OsmData;
import org.urbangraph.ugdata.osm.OsmReader;
import org.urbangraph.ugdata.photo.ImageRecord;
import org.urbangraph.ugdata.photo.PhotoDecoder;
import org.urbangraph.ugdata.render.CameraPose;
import org.urbangraph.ugdata.render.PngOut;
import org.urbangraph.ugdata.render.SceneIndex;
import org.urbangraph.ugdata.render.StreetViewRenderer;
import org.urbangraph.ugdata.supervision.CaptionContext;
import org.urbangraph.ugdata.supervision.ImageSurroundings;
import org.urbangraph.ugdata.supervision.PerceptionLabels;
import org.urbangraph.ugdata.supervision.PlaceDescriber;
import org.urbangraph.ugdata.supervision.ReasoningPathFinder;
import org.urbangraph.ugdata.supervision.S2Buckets;
import org.urbangraph.ugdata.supervision.SpatialReasoningPath;

/**
 * Builds one city's UGData directory: reads the OSM extract, builds the spatial graph, gathers photos and renders
 * synthetic street views, anchors every image in the graph, cuts its subgraph, writes captions, reasoning paths
 * and OSM-derived labels, then the stage-1 / stage-2 rows, the city graph, the benchmark task files and the
 * manifest. The library entry point of {@code ug data build}, {@code ug quickstart} and the trainer.
 *
 * <p>Deterministic for a seed (same inputs, seed and settings give the same bytes, whatever the thread count);
 * written atomically (the directory is complete or absent); bad input is reported, counted and skipped, and the
 * build fails only when no image is left.
 */
public final class UgDataBuilder {
    public static final String GENERATOR = "UrbanGraph ugdata 0.1.0";
    private static final double PAIR_SHIFT_M = 6;
    private static final double PAIR_TURN_DEG = 20;

    private final UgDataConfig c;
    private final BuildIssues issues;

    private UgDataBuilder(UgDataConfig c) {
        this.c = c;
        this.issues = new BuildIssues(c.log());
    }

    /** Builds the dataset and returns its manifest (also written as {@code manifest.json}). */
    public static DatasetManifest build(UgDataConfig config) throws IOException {
        System.setProperty("java.awt.headless", "true");
        return new UgDataBuilder(config).run();
    }

    private DatasetManifest run() throws IOException {
        log("building UGData for %s (%s, split %s, seed %d) from %s", c.cityName(), c.city(), c.split().label(),
                c.seed(), c.osm());
        try (DatasetDirectory out = DatasetDirectory.create(c.out(), c.overwrite(), c.log())) {
            long t0 = System.nanoTime();
            OsmData osm = OsmReader.read(c.osm(), issues);
            log("read %s: %,d nodes, %,d ways, %,d relations (%d ms)", c.osm().getFileName(), osm.nodesRead(),
                    osm.waysRead(), osm.relationsRead(), (System.nanoTime() - t0) / 1_000_000);
            if (osm.extent() == null) {
                throw new IOException(c.osm() + ": nothing usable was read (no street geometry); "
                        + issueSummary());
            }
            CityGraph graph = CityGraphBuilder.build(osm, c.city(), c.graphSettings(), issues);
            log("city graph: %s nodes %s, %s edges %s", graph.graph().vertexSet().size(), graph.nodeCounts(),
                    graph.graph().edgeSet().size(), graph.edgeCounts());

            List<ImageRecord> photos = decodable(ImageCollector.photos(c, osm.extent(), issues));
            List<CameraPose> poses = ImageCollector.poses(c, graph);
            if (photos.isEmpty() && poses.isEmpty()) {
                throw new IOException("no usable image for " + c.cityName() + ": " + (c.render() == 0
                        ? "no synthetic views were asked for (--render 0)" : "no street to place a camera on")
                        + " and no photo is usable (" + issueSummary() + ")");
            }
            Path dir = out.dir();
            Files.createDirectories(dir.resolve("images"));
            Files.createDirectories(dir.resolve("graphs"));
            List<DatasetImage> images = plan(photos, poses);
            images = writeImages(dir, osm, images, poses);
            images = anchor(graph, images);
            List<ImageWork> work = perImage(dir, graph, images);

            int[] rows = writeRows(dir, work);
            GraphJson.write(graph, c.cityName(), graphAttributes(null), dir.resolve("graph.json"));
            Map<String, Integer> bench = new BenchTaskWriter(c, graph, work, issues).write(dir);
            DatasetManifest manifest = manifest(osm, graph, images, work, rows, bench, photos);
            UgDataJson.MAPPER.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("manifest.json").toFile(), manifest);
            out.commit(c.overwrite());
            log("wrote %s: %d images (%d rendered, %d photos placed synthetically), %d stage-1 rows, %d stage-2 rows,"
                    + " bench %s in %s", out.target(), images.size(), manifest.counts().syntheticImages(),
                    manifest.counts().syntheticPlacement(), rows[0], rows[1], bench,
                    Progress.duration((System.nanoTime() - t0) / 1e9));
            if (issues.total() > 0) {
                log("issues: %s (details in manifest.json)", issues.counts());
            }
            return manifest;
        }
    }

    // ---- images ----

    /**
     * The photos that decode as complete JPEG or PNG images (in parallel, reported in order); the others (a text
     * file named in a manifest, a truncated JPEG with an intact EXIF header ...) are reported as unreadable and
     * skipped, so they never reach the dataset.
     */
    private List<ImageRecord> decodable(List<ImageRecord> photos) throws IOException {
        if (photos.isEmpty()) {
            return photos;
        }
        Progress progress = new Progress(c.log(), "photos " + c.city(), photos.size());
        List<Callable<String>> tasks = new ArrayList<>();
        for (ImageRecord r : photos) {
            tasks.add(() -> {
                String problem = PhotoDecoder.problem(r.file());
                progress.step();
                return problem;
            });
        }
        List<String> problems = runAll(tasks);
        progress.finish();
        List<ImageRecord> out = new ArrayList<>(photos.size());
        for (int i = 0; i < photos.size(); i++) {
            ImageRecord r = photos.get(i);
            if (problems.get(i) == null) {
                out.add(r);
            } else {
                issues.report(BuildIssues.Kind.PHOTO_UNREADABLE, r.origin(), "image file " + r.file()
                        + " is not a readable JPEG or PNG image: " + problems.get(i) + "; photo skipped");
            }
        }
        return out;
    }

    /** Photos first (sorted by id), then synthetic views; benchmark images by a seeded shuffle. */
    private List<DatasetImage> plan(List<ImageRecord> photos, List<CameraPose> poses) {
        List<DatasetImage> list = new ArrayList<>();
        for (ImageRecord r : photos) {
            list.add(new DatasetImage(r, ImageCollector.photoFile(r), null, false, null));
        }
        for (int i = 0; i < poses.size(); i++) {
            CameraPose p = poses.get(i);
            String id = ImageCollector.syntheticId(c.city(), i);
            ImageRecord r = new ImageRecord(id, null, p.lon(), p.lat(), p.headingDeg(), null, true, false,
                    "synthetic view " + i + " on " + p.streetName());
            list.add(new DatasetImage(r, "images/" + id + ".png", p, false, null));
        }
        int nEval = (int) Math.round(c.evalFraction() * list.size());
        if (c.split() == Split.TRAIN && nEval == list.size() && list.size() > 1) {
            nEval = list.size() - 1; // a training city keeps at least one training image
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            order.add(i);
        }
        SplittableRandom rnd = new SplittableRandom(c.seed() ^ 0x5EEDL);
        for (int i = order.size() - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            Integer t = order.get(i);
            order.set(i, order.get(j));
            order.set(j, t);
        }
        Set<Integer> eval = Set.copyOf(order.subList(0, nEval));
        List<DatasetImage> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            DatasetImage d = list.get(i);
            out.add(new DatasetImage(d.record(), d.file(), d.pose(), eval.contains(i), null));
        }
        return out;
    }

    /**
     * Copies photos and renders synthetic views (and, for benchmark images, a second view of the same place) in
     * parallel. A benchmark photo's pair is the nearest other benchmark photo within 15 m, if any: a training photo
     * would put a training image among the queries.
     */
    private List<DatasetImage> writeImages(Path dir, OsmData osm, List<DatasetImage> images, List<CameraPose> poses)
            throws IOException {
        StreetViewRenderer renderer = poses.isEmpty() ? null
                : new StreetViewRenderer(new SceneIndex(osm), c.renderSettings());
        Progress progress = new Progress(c.log(), "images " + c.city(), images.size());
        List<Callable<DatasetImage>> tasks = new ArrayList<>();
        for (DatasetImage img : images) {
            tasks.add(() -> {
                DatasetImage done = img.pose() == null ? copyPhoto(dir, img) : renderView(dir, renderer, img);
                progress.step();
                return done;
            });
        }
        List<DatasetImage> out = runAll(tasks);
        progress.finish();
        return pairPhotos(out);
    }

    private DatasetImage copyPhoto(Path dir, DatasetImage img) throws IOException {
        Files.copy(img.record().file(), dir.resolve(img.file()), StandardCopyOption.REPLACE_EXISTING);
        return img;
    }

    private DatasetImage renderView(Path dir, StreetViewRenderer renderer, DatasetImage img) throws IOException {
        CameraPose p = img.pose();
        writePng(renderer.render(p), p, img.id(), dir.resolve(img.file()));
        if (!img.eval()) {
            return img;
        }
        double[] moved = Geo.destination(p.lon(), p.lat(), p.headingDeg(), PAIR_SHIFT_M);
        CameraPose second = new CameraPose(moved[0], moved[1], Geo.normalizeDegrees(p.headingDeg() + PAIR_TURN_DEG),
                p.streetKey(), p.streetName(), p.highway());
        String pairId = img.id() + "-view2";
        String pair = "images/" + pairId + ".png";
        writePng(renderer.render(second), second, pairId, dir.resolve(pair));
        return img.withPair(pair, pairId, second.lon(), second.lat());
    }

    private void writePng(BufferedImage image, CameraPose p, String id, Path file) throws IOException {
        Map<String, String> text = new LinkedHashMap<>();
        text.put("Title", "UGData synthetic street view " + id);
        text.put("Source", "synthetic: rendered from OpenStreetMap geometry by " + GENERATOR);
        text.put("Synthetic", "true");
        text.put("Location", String.format(Locale.ROOT, "lon %.7f, lat %.7f, heading %.1f deg, on %s", p.lon(),
                p.lat(), p.headingDeg(), p.streetName()));
        text.put("Copyright", DatasetManifest.OSM_ATTRIBUTION);
        PngOut.write(image, text, file);
    }

    private static List<DatasetImage> pairPhotos(List<DatasetImage> images) {
        List<DatasetImage> out = new ArrayList<>(images);
        for (int i = 0; i < out.size(); i++) {
            DatasetImage a = out.get(i);
            if (a.pose() != null || !a.eval()) {
                continue;
            }
            DatasetImage best = null;
            double bestD = 15;
            for (DatasetImage b : images) {
                if (b != a && b.pose() == null && b.eval()) {
                    double d = Geo.haversine(a.record().lon(), a.record().lat(), b.record().lon(), b.record().lat());
                    if (d < bestD) {
                        best = b;
                        bestD = d;
                    }
                }
            }
            if (best != null) {
                out.set(i, a.withPair(best.file(), best.id(), best.record().lon(), best.record().lat()));
            }
        }
        return out;
    }

    /** Image nodes join the graph one by one, in dataset order, so node ids do not depend on threads. */
    private List<DatasetImage> anchor(CityGraph graph, List<DatasetImage> images) {
        List<DatasetImage> out = new ArrayList<>(images.size());
        for (DatasetImage img : images) {
            ImageRecord r = img.record();
            Map<String, String> attrs = new LinkedHashMap<>();
            attrs.put("image_id", r.id());
            attrs.put("file", img.file());
            if (r.hasHeading()) {
                attrs.put("heading_deg", String.format(Locale.ROOT, "%.1f", r.headingDeg()));
            }
            if (r.captureTime() != null) {
                attrs.put("capture_time", r.captureTime());
            }
            attrs.put("synthetic", Boolean.toString(r.synthetic()));
            attrs.put("synthetic_image", Boolean.toString(r.syntheticImage()));
            attrs.put("synthetic_placement", Boolean.toString(r.syntheticPlacement()));
            attrs.put("split", img.eval() ? "eval" : "train");
            // a rendered view stands on the street its camera was placed on, not on a tunnel or footway beneath it
            // and is of the class of the section its camera was placed on, not of the merged street as a whole
            SpatialNode n = graph.anchorImage(r.id(), "street-view image", r.source(), r.lon(), r.lat(), attrs,
                    img.pose() == null ? null : img.pose().streetKey(),
                    img.pose() == null ? null : img.pose().highway(), r.headingDeg());
            out.add(img.withNode(n));
        }
        return out;
    }

    // ---- per image: subgraph, caption, labels, paths ----

    private List<ImageWork> perImage(Path dir, CityGraph graph, List<DatasetImage> images) throws IOException {
        SubgraphExtractor extractor = new SubgraphExtractor(graph, c.subgraphRadiusM(), c.subgraphMaxNodes());
        ReasoningPathFinder finder = new ReasoningPathFinder(graph, c.maxHops(), c.maxPathsPerNode());
        Set<SpatialNode> withPaths = S2Buckets.select(images.stream().map(DatasetImage::node).toList(), c.s2Level(),
                c.maxImagesPerCell(), c.seed()).values().stream().flatMap(List::stream).collect(Collectors.toSet());
        Progress progress = new Progress(c.log(), "subgraphs and captions " + c.city(), images.size());
        List<Callable<ImageWork>> tasks = new ArrayList<>();
        for (DatasetImage img : images) {
            tasks.add(() -> {
                Subgraph sub = extractor.extract(img.node());
                String graphFile = "graphs/" + img.id() + ".json";
                GraphJson.write(sub, graph, c.cityName(), graphAttributes(img), dir.resolve(graphFile));
                ImageSurroundings around = ImageSurroundings.of(graph, sub);
                PerceptionLabels.Labels labels = PerceptionLabels.at(graph, img.record().lon(), img.record().lat(),
                        around.streetHighway());
                String caption = c.captioner().caption(new CaptionContext(c.cityName(), img.node(),
                        img.record().headingDeg(), dir.resolve(img.file()), graph, sub, labels, c.seed()));
                List<SpatialReasoningPath> paths = withPaths.contains(img.node())
                        ? finder.paths(sub, c.seed() + img.node().index()) : List.of();
                progress.step();
                return new ImageWork(img, graphFile, caption, PlaceDescriber.describe(around), labels, paths);
            });
        }
        List<ImageWork> out = runAll(tasks);
        progress.finish();
        return out;
    }

    private Map<String, Object> graphAttributes(DatasetImage img) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("city", c.city());
        a.put("city_name", c.cityName());
        if (img != null) {
            a.put("image_id", img.id());
            a.put("synthetic", img.record().synthetic());
            a.put("radius_m", c.subgraphRadiusM());
            a.put("max_nodes", c.subgraphMaxNodes());
        }
        a.put("attribution", DatasetManifest.OSM_ATTRIBUTION);
        return a;
    }

    // ---- rows ----

    /** Writes stage1.jsonl and stage2.jsonl from the training images; returns the two row counts. */
    private int[] writeRows(Path dir, List<ImageWork> work) throws IOException {
        List<ImageWork> train = work.stream().filter(w -> !w.image().eval()).toList();
        PointIndex<ImageWork> index = new PointIndex<>();
        for (ImageWork w : train) {
            index.add(w, w.lon(), w.lat());
        }
        index.build();
        int n1 = 0;
        int n2 = 0;
        String split = c.split().label();
        try (BufferedWriter s1 = Files.newBufferedWriter(dir.resolve("stage1.jsonl"), StandardCharsets.UTF_8);
                BufferedWriter s2 = Files.newBufferedWriter(dir.resolve("stage2.jsonl"), StandardCharsets.UTF_8)) {
            for (ImageWork w : train) {
                String negative = hardNegative(index, w);
                int pick = (int) Math.floorMod(S2Buckets.mix(c.seed(), w.image().node().index()),
                        (long) UgeRows.STAGE1_INSTRUCTIONS.size());
                ObjectNode row = UgeRows.stage1(w.image(), UgeRows.STAGE1_INSTRUCTIONS.get(pick), w.caption(), negative,
                        c.city(), split);
                s1.write(UgDataJson.MAPPER.writeValueAsString(row));
                s1.write('\n');
                n1++;
                for (SpatialReasoningPath p : w.paths()) {
                    ObjectNode r2 = UgeRows.stage2(w.image(), w.graphFile(), p, w.caption(), negative, c.city(), split);
                    s2.write(UgDataJson.MAPPER.writeValueAsString(r2));
                    s2.write('\n');
                    n2++;
                }
            }
        }
        return new int[] {n1, n2};
    }

    /** The caption of the nearest other training image whose caption differs (a hard negative), or null. */
    private static String hardNegative(PointIndex<ImageWork> index, ImageWork w) {
        for (PointIndex.Hit<ImageWork> h : index.nearest(w.lon(), w.lat(), 8, 5_000)) {
            if (h.item() != w && !h.item().caption().equals(w.caption())) {
                return h.item().caption();
            }
        }
        return null;
    }

    // ---- manifest ----

    private DatasetManifest manifest(OsmData osm, CityGraph graph, List<DatasetImage> images, List<ImageWork> work,
            int[] rows, Map<String, Integer> bench, List<ImageRecord> photos) throws IOException {
        List<DatasetManifest.Source> sources = new ArrayList<>();
        sources.add(source("osm", c.osm()));
        if (c.photoManifest() != null) {
            sources.add(source("photo-manifest", c.photoManifest()));
        }
        for (ImageRecord r : photos) {
            sources.add(source("photo", r.file()));
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("render", c.render());
        settings.put("image_width", c.renderSettings().width());
        settings.put("image_height", c.renderSettings().height());
        settings.put("hfov_deg", c.renderSettings().hfovDeg());
        settings.put("eye_height_m", c.renderSettings().eyeHeightM());
        settings.put("view_distance_m", c.renderSettings().viewDistanceM());
        settings.put("min_spacing_m", c.minSpacingM());
        settings.put("subgraph_radius_m", c.subgraphRadiusM());
        settings.put("subgraph_max_nodes", c.subgraphMaxNodes());
        settings.put("s2_level", c.s2Level());
        settings.put("max_images_per_cell", c.maxImagesPerCell());
        settings.put("max_hops", c.maxHops());
        settings.put("max_paths_per_node", c.maxPathsPerNode());
        settings.put("eval_fraction", c.evalFraction());
        settings.put("bench_max_per_task", c.benchMaxPerTask());
        settings.put("bench_candidates", c.benchCandidates());
        settings.put("graph", UgDataJson.MAPPER.convertValue(c.graphSettings(),
                new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {}));
        Map<String, Integer> nodes = new LinkedHashMap<>();
        graph.nodeCounts().forEach((k, v) -> nodes.put(k.label(), v));
        Map<String, Integer> edges = new LinkedHashMap<>();
        graph.edgeCounts().forEach((k, v) -> edges.put(k.label(), v));
        int synthetic = (int) images.stream().filter(i -> i.record().syntheticImage()).count();
        int placed = (int) images.stream().filter(i -> i.record().syntheticPlacement()).count();
        int eval = (int) images.stream().filter(DatasetImage::eval).count();
        int pairs = (int) images.stream().filter(i -> i.pairFile() != null && i.pose() != null).count();
        int paths = work.stream().mapToInt(w -> w.paths().size()).sum();
        DatasetManifest.Counts counts = new DatasetManifest.Counts(nodes, edges, images.size(), synthetic,
                images.size() - synthetic, placed, images.size() - eval, eval, pairs, rows[0], rows[1], work.size(),
                paths, osm.nodesRead(), osm.waysRead(), osm.relationsRead());
        Map<String, Integer> issueCounts = new LinkedHashMap<>();
        issues.counts().forEach((k, v) -> issueCounts.put(k.name().toLowerCase(Locale.ROOT), v));
        List<DatasetManifest.Example> examples = issues.examples().stream()
                .map(i -> new DatasetManifest.Example(i.kind().name().toLowerCase(Locale.ROOT), i.where(), i.message()))
                .toList();
        Map<String, String> files = new LinkedHashMap<>();
        files.put("stage1", "stage1.jsonl");
        files.put("stage2", "stage2.jsonl");
        files.put("graph", "graph.json");
        files.put("images", "images/");
        files.put("graphs", "graphs/");
        files.put("bench", "bench/");
        return new DatasetManifest(DatasetManifest.FORMAT, GENERATOR, c.city(), c.cityName(), c.split().label(), c.seed(),
                DatasetManifest.OSM_ATTRIBUTION, sources, settings, counts, bench,
                new DatasetManifest.Issues(issueCounts, examples), files, c.captioner().name());
    }

    private static DatasetManifest.Source source(String role, Path file) throws IOException {
        return new DatasetManifest.Source(role, file.getFileName().toString(), FileHashes.sha256(file), Files.size(file));
    }

    // ---- plumbing ----

    /** Runs tasks on the configured threads and returns their results in submission order. */
    private <T> List<T> runAll(List<Callable<T>> tasks) throws IOException {
        ExecutorService pool = Executors.newFixedThreadPool(c.threads(), r -> {
            Thread t = new Thread(r, "ugdata-" + c.city());
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<T>> futures = new ArrayList<>(tasks.size());
            for (Callable<T> t : tasks) {
                futures.add(pool.submit(t));
            }
            List<T> out = new ArrayList<>(tasks.size());
            for (Future<T> f : futures) {
                out.add(f.get());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("build interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(cause);
        } finally {
            pool.shutdownNow();
        }
    }

    private String issueSummary() {
        return issues.total() == 0 ? "no input problems were reported" : "skipped input: " + issues.counts();
    }

    private void log(String fmt, Object... args) {
        if (c.log() != null) {
            c.log().println(String.format(Locale.ROOT, fmt, args));
        }
    }
}
