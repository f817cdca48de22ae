package org.urbangraph.ugdata.dataset;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.urbangraph.ugdata.BuildIssues;
import org.urbangraph.ugdata.geo.Geo;
import org.urbangraph.ugdata.graph.CityGraph;
import org.urbangraph.ugdata.graph.PointIndex;
import org.urbangraph.ugdata.graph.SpatialNode;
import org.urbangraph.ugdata.supervision.PerceptionLabels;

/**
 * Writes the UGBench task files of one city under {@code bench/}: one JSON Lines file per task, each row a
 * query (image, optional graph, optional text), its candidates and the index of the truth ({@code answer}).
 * Queries come from the benchmark images (never in the training rows); hard negatives come from the same city,
 * nearest to the truth first, each with an input of its own (no two candidates of a row share an image or, without
 * one, a text); at most {@code benchMaxPerTask} rows per task. The wrong images of the image tasks
 * are benchmark images too: a training image among them would give itself away to a model that has seen its
 * caption, since the truth never is one. Where a city has too few benchmark images for the candidates asked for,
 * the questions keep fewer, and the shortfall is reported once per task
 * ({@link BuildIssues.Kind#BENCH_FEW_CANDIDATES}). The row format is documented in {@code ugdata/README.md}; {@link BenchSample} reads it.
 */
final class BenchTaskWriter {
    static final List<String> TASKS = List.of("geolocation", "text_to_image", "image_to_image",
            "perception_land_use", "perception_poi_mix", "perception_street_class", "nearest_poi",
            "distance_direction");
    /** Tasks whose candidates are benchmark images (or their place descriptions). */
    static final Set<String> IMAGE_TASKS = Set.of("geolocation", "text_to_image", "image_to_image");

    /** Candidate images closer than this to the truth are too alike to be negatives. */
    static final double MIN_NEGATIVE_DISTANCE_M = 15;
    /** POIs and crossings searched for the grounding tasks. */
    static final double GROUNDING_RADIUS_M = 1000;
    /** A distance-direction truth lies at least this far inside its eight-point sector, not on an edge. */
    static final double SECTOR_EDGE_MARGIN_DEG = 8;
    /** A wrong distance-direction candidate this close in bearing to the truth must not fit the stated distance. */
    static final double SAME_DIRECTION_DEG = 30;

    private final UgDataConfig c;
    private final CityGraph graph;
    private final List<ImageWork> all;
    private final BuildIssues issues;
    /** The benchmark images: the only images that may be candidates. */
    private final PointIndex<ImageWork> index = new PointIndex<>();

    BenchTaskWriter(UgDataConfig c, CityGraph graph, List<ImageWork> all, BuildIssues issues) {
        this.c = c;
        this.graph = graph;
        this.all = all;
        this.issues = issues;
        for (ImageWork w : all) {
            if (w.image().eval()) {
                index.add(w, w.lon(), w.lat());
            }
        }
        index.build();
    }

    Map<String, Integer> write(Path dir) throws IOException {
        Path bench = Files.createDirectories(dir.resolve("bench"));
        List<ImageWork> queries = all.stream().filter(w -> w.image().eval()).toList();
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (int t = 0; t < TASKS.size(); t++) {
            String task = TASKS.get(t);
            SplittableRandom rnd = new SplittableRandom(c.seed() * 1_000_003L + t);
            List<ImageWork> order = shuffled(queries, rnd);
            int n = 0;
            int fewer = 0;
            int fewest = Integer.MAX_VALUE;
            try (BufferedWriter out = Files.newBufferedWriter(bench.resolve(task + ".jsonl"), StandardCharsets.UTF_8)) {
                for (ImageWork q : order) {
                    if (n >= c.benchMaxPerTask()) {
                        break;
                    }
                    ObjectNode row = row(task, q, n, rnd);
                    if (row != null) {
                        out.write(UgDataJson.MAPPER.writeValueAsString(row));
                        out.write('\n');
                        n++;
                        int k = row.get("candidates").size();
                        if (IMAGE_TASKS.contains(task) && k < c.benchCandidates()) {
                            fewer++;
                            fewest = Math.min(fewest, k);
                        }
                    }
                }
            }
            if (fewer > 0) {
                issues.report(BuildIssues.Kind.BENCH_FEW_CANDIDATES, "bench/" + task + ".jsonl", String.format(
                        Locale.ROOT, "%d of %d questions have fewer than the %d candidates asked for (as few as %d):"
                        + " wrong candidates are other benchmark images at least %.0f m from the truth, never training"
                        + " images, and %s has %d benchmark images; render more views or raise --eval-fraction for"
                        + " more", fewer, n, c.benchCandidates(), fewest, MIN_NEGATIVE_DISTANCE_M, c.cityName(),
                        queries.size()));
            }
            counts.put(task, n);
        }
        return counts;
    }

    private ObjectNode row(String task, ImageWork q, int n, SplittableRandom rnd) {
        return switch (task) {
            case "geolocation" -> geolocation(q, n, rnd);
            case "text_to_image" -> textToImage(q, n, rnd);
            case "image_to_image" -> imageToImage(q, n, rnd);
            case "perception_land_use" -> perception(q, n, PerceptionLabels.LabelSet.LAND_USE, task, rnd);
            case "perception_poi_mix" -> perception(q, n, PerceptionLabels.LabelSet.POI_MIX, task, rnd);
            case "perception_street_class" -> perception(q, n, PerceptionLabels.LabelSet.STREET_CLASS, task, rnd);
            case "nearest_poi" -> nearestPoi(q, n, rnd);
            case "distance_direction" -> distanceDirection(q, n, rnd);
            default -> throw new IllegalStateException(task);
        };
    }

    // ---- tasks ----

    private ObjectNode geolocation(ImageWork q, int n, SplittableRandom rnd) {
        List<ObjectNode> all = new ArrayList<>();
        for (ImageWork o : nearestImages(q)) {
            all.add(candidate(o.image().id(), o.place(), null, null, o.image().node(), o.lon(), o.lat()));
        }
        ObjectNode truth = candidate(q.image().id(), q.place(), null, null, q.image().node(), q.lon(), q.lat());
        // other images with the query's place description, or with one another's, are one answer
        List<ObjectNode> cands = distinctInputs(all, truth, c.benchCandidates() - 1);
        if (cands.isEmpty()) {
            return null;
        }
        ObjectNode row = base("geolocation", q, n, List.of("image", "image+graph"));
        query(row, q, true, true, "Where was this street view taken?", null);
        return finish(row, cands, truth, rnd);
    }

    private ObjectNode textToImage(ImageWork q, int n, SplittableRandom rnd) {
        ObjectNode truth = candidate(q.image().id(), null, q.image().file(), q.graphFile(), q.image().node(), q.lon(),
                q.lat());
        List<ObjectNode> cands = imageNegatives(q, truth);
        if (cands.isEmpty()) {
            return null;
        }
        boolean usePath = n % 2 == 1 && !q.paths().isEmpty();
        String text = usePath ? q.paths().getFirst().text() + ". " + q.paths().getFirst().summary() : q.caption();
        ObjectNode row = base("text_to_image", q, n, List.of("text"));
        query(row, q, false, false, text, usePath ? "reasoning_path" : "caption");
        return finish(row, cands, truth, rnd);
    }

    private ObjectNode imageToImage(ImageWork q, int n, SplittableRandom rnd) {
        if (q.image().pairFile() == null) {
            return null;
        }
        ObjectNode truth = candidate(q.image().id(), null, q.image().file(), q.graphFile(), q.image().node(), q.lon(),
                q.lat());
        // the query is the second view: a wrong image nearer to it than the truth is (a photo pair may be up to 15 m
        // apart) would be the better answer; each wrong image lies farther from the query than the truth, and at
        // least the minimum separation from it
        double qLon = q.image().pairLon();
        double qLat = q.image().pairLat();
        double truthM = Geo.haversine(qLon, qLat, q.lon(), q.lat());
        List<ObjectNode> all = new ArrayList<>();
        for (ImageWork o : nearestImages(q)) {
            double d = Geo.haversine(qLon, qLat, o.lon(), o.lat());
            if (!o.image().id().equals(q.image().pairId()) && d > truthM && d >= MIN_NEGATIVE_DISTANCE_M) {
                all.add(candidate(o.image().id(), null, o.image().file(), o.graphFile(), o.image().node(), o.lon(),
                        o.lat()));
            }
        }
        List<ObjectNode> cands = distinctInputs(all, truth, c.benchCandidates() - 1);
        if (cands.isEmpty()) {
            return null;
        }
        ObjectNode row = base("image_to_image", q, n, List.of("image"));
        ObjectNode query = row.putObject("query");
        query.put("image", q.image().pairFile());
        query.put("text", "Find the image taken at the same place as this one.");
        query.put("image_id", q.image().pairId());
        return finish(row, cands, truth, rnd);
    }

    /** The wrong images of the image tasks: other benchmark images, nearest first, each file once. */
    private List<ObjectNode> imageNegatives(ImageWork q, ObjectNode truth) {
        List<ObjectNode> all = new ArrayList<>();
        for (ImageWork o : nearestImages(q)) {
            all.add(candidate(o.image().id(), null, o.image().file(), o.graphFile(), o.image().node(), o.lon(),
                    o.lat()));
        }
        return distinctInputs(all, truth, c.benchCandidates() - 1);
    }

    private ObjectNode perception(ImageWork q, int n, PerceptionLabels.LabelSet set, String task, SplittableRandom rnd) {
        String label = q.labels().get(set);
        if (label.equals(PerceptionLabels.UNKNOWN)) {
            return null;
        }
        ObjectNode row = base(task, q, n, List.of("image", "image+graph"));
        query(row, q, true, true, "Which description fits the surroundings of this street view?", null);
        ArrayNode cands = row.putArray("candidates");
        int answer = -1;
        int i = 0;
        for (Map.Entry<String, String> e : PerceptionLabels.PROTOTYPES.get(set).entrySet()) {
            ObjectNode cand = cands.addObject();
            cand.put("id", e.getKey());
            cand.put("text", e.getValue());
            if (e.getKey().equals(label)) {
                answer = i;
            }
            i++;
        }
        row.put("answer", answer);
        row.put("label_set", set.label());
        row.put("label", label);
        // a fixed split for linear probes: 70 % fit, 30 % test, seeded
        row.put("fold", rnd.nextDouble() < 0.7 ? "train" : "test");
        row.put("label_source", "openstreetmap");
        return row;
    }

    private ObjectNode nearestPoi(ImageWork q, int n, SplittableRandom rnd) {
        // more than the candidates asked for: places of one name and category are kept once
        List<PointIndex.Hit<SpatialNode>> pois = graph.poiIndex().within(q.lon(), q.lat(), GROUNDING_RADIUS_M,
                c.benchCandidates() * 4 + 8);
        if (pois.size() < 2) {
            return null;
        }
        // the truth must be clearly nearer than the nearest place of another name; a place of its own name (two
        // platforms of one stop) reads as the same answer, so however near it is, it takes nothing from the margin
        SpatialNode nearest = pois.getFirst().item();
        PointIndex.Hit<SpatialNode> second = pois.stream().filter(h -> !h.item().name().equals(nearest.name()))
                .findFirst().orElse(null);
        if (second == null || second.distanceM() - pois.getFirst().distanceM() < 5) {
            return null; // no wrong answer, or no clear nearest place
        }
        ObjectNode row = base("nearest_poi", q, n, List.of("image", "image+graph"));
        query(row, q, true, true, "Which place is nearest to where this street view was taken?", null);
        List<ObjectNode> all = new ArrayList<>();
        for (PointIndex.Hit<SpatialNode> h : pois.subList(1, pois.size())) {
            // a place of the truth's name (two platforms of one stop) is no wrong answer: no embedder can tell them
            // apart, and a question whose every candidate is such a copy has nothing to ask
            if (!h.item().name().equals(nearest.name())) {
                all.add(nodeCandidate(h.item()));
            }
        }
        ObjectNode truth = nodeCandidate(nearest);
        List<ObjectNode> cands = distinctInputs(all, truth, c.benchCandidates() - 1);
        if (cands.isEmpty()) {
            return null;
        }
        ObjectNode out = finish(row, cands, truth, rnd);
        out.put("truth_distance_m", Math.round(pois.getFirst().distanceM() * 10) / 10.0);
        return out;
    }

    private ObjectNode distanceDirection(ImageWork q, int n, SplittableRandom rnd) {
        List<PointIndex.Hit<SpatialNode>> near = new ArrayList<>();
        near.addAll(graph.poiIndex().within(q.lon(), q.lat(), GROUNDING_RADIUS_M, 200));
        near.addAll(graph.crossingIndex().within(q.lon(), q.lat(), GROUNDING_RADIUS_M, 200));
        near.sort(Comparator.comparingDouble((PointIndex.Hit<SpatialNode> h) -> h.distanceM())
                .thenComparingInt(h -> h.item().index()));
        // a truth on the edge between two directions (22 degrees off "west") would make the direction word moot
        List<PointIndex.Hit<SpatialNode>> eligible = near.stream()
                .filter(h -> h.distanceM() >= 40 && h.distanceM() <= 500)
                .filter(h -> sectorEdgeMarginDeg(Geo.bearing(q.lon(), q.lat(), h.item().lon(), h.item().lat()))
                        >= SECTOR_EDGE_MARGIN_DEG)
                .toList();
        if (eligible.isEmpty()) {
            return null;
        }
        PointIndex.Hit<SpatialNode> truth = eligible.get(rnd.nextInt(eligible.size()));
        double tb = Geo.bearing(q.lon(), q.lat(), truth.item().lon(), truth.item().lat());
        long stated = statedDistanceM(truth.distanceM());
        List<PointIndex.Hit<SpatialNode>> negatives = new ArrayList<>();
        for (PointIndex.Hit<SpatialNode> h : near) {
            if (h.item() == truth.item()) {
                continue;
            }
            // a wrong candidate must not fit the question as asked (the stated distance, not the true one), nor lie
            // just across the sector edge from the truth at a distance that fits: no reader could tell them apart
            double b = Geo.bearing(q.lon(), q.lat(), h.item().lon(), h.item().lat());
            if (!couldBeTheAnswer(b, h.distanceM(), tb, stated) && !h.item().name().equals(truth.item().name())) {
                negatives.add(h);
            }
        }
        if (negatives.isEmpty()) {
            return null;
        }
        // hard negatives: nearest to the truth first
        SpatialNode t = truth.item();
        negatives.sort(Comparator.comparingDouble((PointIndex.Hit<SpatialNode> h) ->
                Geo.haversine(t.lon(), t.lat(), h.item().lon(), h.item().lat())).thenComparingInt(h -> h.item().index()));
        String text = String.format(Locale.ROOT, "Which place is about %d m to the %s of this street view?", stated,
                Geo.compassWords(tb));
        ObjectNode row = base("distance_direction", q, n, List.of("image", "image+graph"));
        query(row, q, true, true, text, null);
        List<ObjectNode> all = new ArrayList<>();
        for (PointIndex.Hit<SpatialNode> h : negatives) {
            all.add(nodeCandidate(h.item()));
        }
        ObjectNode truthCandidate = nodeCandidate(t);
        ObjectNode out = finish(row, distinctInputs(all, truthCandidate, c.benchCandidates() - 1), truthCandidate, rnd);
        out.put("truth_distance_m", Math.round(truth.distanceM() * 10) / 10.0);
        out.put("truth_bearing_deg", Math.round(tb * 10) / 10.0);
        return out;
    }

    /** The distance a distance-direction question states: rounded to 10 m below 100 m, else to 50 m. */
    static long statedDistanceM(double distanceM) {
        return distanceM < 100 ? Math.round(distanceM / 10) * 10 : Math.round(distanceM / 50) * 50;
    }

    /**
     * True if a place at this bearing and distance could answer a question that states {@code statedM} m and the
     * direction of {@code truthBearingDeg}: its distance fits the stated one, and it lies in the truth's eight-point
     * sector or within {@link #SAME_DIRECTION_DEG} of the truth's bearing.
     */
    static boolean couldBeTheAnswer(double bearingDeg, double distanceM, double truthBearingDeg, long statedM) {
        return fitsStatedDistance(distanceM, statedM) && (Geo.sector8(bearingDeg) == Geo.sector8(truthBearingDeg)
                || Geo.angleBetween(bearingDeg, truthBearingDeg) <= SAME_DIRECTION_DEG);
    }

    /** How far a bearing lies inside its eight-point sector: 22.5 degrees at the sector's centre, 0 on its edge. */
    static double sectorEdgeMarginDeg(double bearingDeg) {
        return 22.5 - Geo.angleBetween(bearingDeg, Geo.sector8(bearingDeg) * 45.0);
    }

    /** True if a place this far away is "about {@code statedM} m" away: 0.6 to 1.6 times the stated distance. */
    static boolean fitsStatedDistance(double distanceM, long statedM) {
        return distanceM >= 0.6 * statedM && distanceM <= 1.6 * statedM;
    }

    // ---- helpers ----

    /** Other benchmark images nearest first, skipping those too close to the query to be told apart. */
    private List<ImageWork> nearestImages(ImageWork q) {
        List<ImageWork> out = new ArrayList<>();
        for (PointIndex.Hit<ImageWork> h : index.nearest(q.lon(), q.lat(), c.benchCandidates() * 4 + 8, 50_000)) {
            if (h.item() != q && h.distanceM() >= MIN_NEGATIVE_DISTANCE_M) {
                out.add(h.item());
            }
        }
        return out;
    }

    private ObjectNode base(String task, ImageWork q, int n, List<String> modes) {
        ObjectNode row = UgDataJson.MAPPER.createObjectNode();
        row.put("id", String.format(Locale.ROOT, "%s-%s-%05d", c.city(), task, n));
        row.put("task", task);
        row.put("city", c.city());
        row.put("split", c.split().label());
        ArrayNode m = row.putArray("modes");
        modes.forEach(m::add);
        row.put("synthetic", q.image().record().synthetic());
        return row;
    }

    private static void query(ObjectNode row, ImageWork q, boolean withImage, boolean withGraph, String text,
            String textKind) {
        ObjectNode query = row.putObject("query");
        if (withImage) {
            query.put("image", q.image().file());
        }
        if (withGraph) {
            query.put("graph", q.graphFile());
        }
        query.put("text", text);
        if (textKind != null) {
            query.put("text_kind", textKind);
        }
        query.put("image_id", q.image().id());
        query.put("node", q.image().node().index());
        query.put("lon", q.lon());
        query.put("lat", q.lat());
        if (q.image().record().hasHeading()) {
            query.put("heading_deg", Math.round(q.image().record().headingDeg() * 10) / 10.0);
        }
    }

    private static ObjectNode candidate(String id, String text, String image, String graph, SpatialNode node,
            double lon, double lat) {
        ObjectNode cand = UgDataJson.MAPPER.createObjectNode();
        cand.put("id", id);
        if (text != null) {
            cand.put("text", text);
        }
        if (image != null) {
            cand.put("image", image);
        }
        if (graph != null) {
            cand.put("graph", graph);
        }
        if (node != null) {
            cand.put("node", node.index());
        }
        cand.put("lon", lon);
        cand.put("lat", lat);
        return cand;
    }

    private static ObjectNode nodeCandidate(SpatialNode n) {
        return candidate(n.key(), n.name() + " (" + n.category().replace('_', ' ') + ")", null, null, n, n.lon(), n.lat());
    }

    /**
     * The first {@code max} of the negatives, in their order, that each bring an input of their own. A candidate is
     * embedded as its image, or else its text, so two wrong candidates of one image or one text ("Bus stop
     * (platform)" for two platforms) are one wrong answer listed twice, which would cost the truth two ranks; one with
     * the truth's input is no wrong answer at all.
     */
    static List<ObjectNode> distinctInputs(List<ObjectNode> negatives, ObjectNode truth, int max) {
        Set<String> seen = new HashSet<>();
        seen.add(input(truth));
        List<ObjectNode> out = new ArrayList<>();
        for (ObjectNode o : negatives) {
            if (out.size() >= max) {
                break;
            }
            if (seen.add(input(o))) {
                out.add(o);
            }
        }
        return out;
    }

    private static String input(ObjectNode cand) {
        return cand.hasNonNull("image") ? "image " + cand.get("image").asText() : "text " + cand.path("text").asText();
    }

    /** Candidates are the negatives in their order with the truth inserted at a seeded position. */
    private static ObjectNode finish(ObjectNode row, List<ObjectNode> negatives, ObjectNode truth, SplittableRandom rnd) {
        int answer = rnd.nextInt(negatives.size() + 1);
        ArrayNode cands = row.putArray("candidates");
        for (int i = 0, k = 0; i <= negatives.size(); i++) {
            cands.add(i == answer ? truth : negatives.get(k++));
        }
        row.put("answer", answer);
        return row;
    }

    private static List<ImageWork> shuffled(List<ImageWork> list, SplittableRandom rnd) {
        List<ImageWork> out = new ArrayList<>(list);
        for (int i = out.size() - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            ImageWork t = out.get(i);
            out.set(i, out.get(j));
            out.set(j, t);
        }
        return out;
    }
}
