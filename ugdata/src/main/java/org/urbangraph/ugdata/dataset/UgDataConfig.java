package org.urbangraph.ugdata.dataset;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import org.urbangraph.ugdata.graph.GraphSettings;
import org.urbangraph.ugdata.render.RenderSettings;
import org.urbangraph.ugdata.supervision.ContextCaptioner;
import org.urbangraph.ugdata.supervision.TemplateCaptioner;

/**
 * Everything one city's UGData build needs. Make one with {@link #builder(Path, Path)}; every setting has the
 * default of the UGE authors' recipe or, where they give none, of this project (see {@code ugdata/README.md}).
 *
 * @param city file-safe city id (used in image file names and row ids)
 * @param cityName display name used in texts
 * @param osm the OSM extract (.osm.pbf, .osm or .osm.gz)
 * @param photos a folder of geotagged photos, or null
 * @param photoManifest a CSV / JSONL manifest of photos, or null
 * @param render number of synthetic street views to render
 * @param out the dataset directory to write (written atomically)
 * @param seed seed of every random choice
 * @param split training city or held-out city
 * @param renderSettings street-view renderer settings (image size ...)
 * @param graphSettings city graph linking settings
 * @param subgraphRadiusM subgraph radius around each image (authors: 700 m)
 * @param subgraphMaxNodes subgraph size cap (BFS order from the image)
 * @param s2Level S2 cell level for bucketing images before reasoning paths (authors: 18)
 * @param maxImagesPerCell images per S2 cell that get reasoning paths (authors: 3)
 * @param maxHops hops of a reasoning path (authors: 3)
 * @param maxPathsPerNode reasoning paths per image (authors: 10)
 * @param evalFraction share of a training city's images kept for the benchmark (held-out cities: all)
 * @param benchMaxPerTask benchmark samples per task and city (authors: 700)
 * @param benchCandidates candidates per benchmark question (truth included)
 * @param minSpacingM minimum distance between two rendered camera positions
 * @param threads worker threads for rendering and per-image work
 * @param overwrite replace an existing dataset directory
 * @param captioner writes the spatial context captions
 * @param log progress and warnings (null: silent)
 */
public record UgDataConfig(String city, String cityName, Path osm, Path photos, Path photoManifest, int render,
        Path out, long seed, Split split, RenderSettings renderSettings, GraphSettings graphSettings,
        double subgraphRadiusM, int subgraphMaxNodes, int s2Level, int maxImagesPerCell, int maxHops,
        int maxPathsPerNode, double evalFraction, int benchMaxPerTask, int benchCandidates, double minSpacingM,
        int threads, boolean overwrite, ContextCaptioner captioner, PrintStream log) {

    /** Rendered views when no photos are given and no count is set. */
    public static final int DEFAULT_RENDER_WITHOUT_PHOTOS = 100;

    public UgDataConfig {
        if (osm == null || out == null) {
            throw new IllegalArgumentException("an OSM extract and an output directory are required");
        }
        if (!city.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException("city id '" + city + "' may only hold letters, digits, '-' and '_'");
        }
        if (render < 0) {
            throw new IllegalArgumentException("render count must not be negative, got " + render);
        }
        if (!(subgraphRadiusM > 0 && Double.isFinite(subgraphRadiusM)) || subgraphMaxNodes < 1) {
            throw new IllegalArgumentException("subgraph radius must be a positive, finite number of metres and max"
                    + " nodes at least 1, got " + subgraphRadiusM + " m and " + subgraphMaxNodes);
        }
        if (s2Level < 0 || s2Level > 30 || maxImagesPerCell < 1 || maxHops < 1 || maxPathsPerNode < 1) {
            throw new IllegalArgumentException("S2 level must be 0..30; images per cell, hops and paths per node at least 1");
        }
        if (!(evalFraction >= 0 && evalFraction <= 1)) {
            throw new IllegalArgumentException("eval fraction must be in [0, 1], got " + evalFraction);
        }
        if (split == Split.HELD_OUT && evalFraction != 1) {
            throw new IllegalArgumentException("a held-out city keeps every image for the benchmark: eval fraction must"
                    + " be 1, got " + evalFraction);
        }
        if (benchMaxPerTask < 0 || benchCandidates < 2) {
            throw new IllegalArgumentException("bench samples must not be negative and candidates at least 2");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
    }

    public static Builder builder(Path osm, Path out) {
        return new Builder(osm, out);
    }

    /** The city id a file name suggests: "liechtenstein.osm.pbf" gives "liechtenstein". */
    public static String cityFromFile(Path osm) {
        String n = osm.getFileName().toString().replaceFirst("(?i)(\\.osm)?(\\.pbf|\\.gz|\\.xml|\\.osm)$", "")
                .replaceFirst("(?i)\\.osm$", "").replaceFirst("(?i)-latest$", "");
        String id = n.replaceAll("[^A-Za-z0-9_-]+", "-").replaceAll("^-+|-+$", "");
        return id.isEmpty() ? "city" : id.toLowerCase(Locale.ROOT);
    }

    /** "copenhagen-center" gives "Copenhagen Center". */
    public static String displayName(String city) {
        StringBuilder sb = new StringBuilder();
        for (String w : city.split("[-_]+")) {
            if (!w.isEmpty()) {
                if (!sb.isEmpty()) {
                    sb.append(' ');
                }
                sb.append(Character.toUpperCase(w.charAt(0))).append(w.substring(1));
            }
        }
        return sb.toString();
    }

    /** Builder with the defaults. */
    public static final class Builder {
        private final Path osm;
        private final Path out;
        private String city;
        private String cityName;
        private Path photos;
        private Path photoManifest;
        private Integer render;
        private long seed;
        private Split split = Split.TRAIN;
        private RenderSettings renderSettings = RenderSettings.defaults();
        private GraphSettings graphSettings = GraphSettings.defaults();
        private double subgraphRadiusM = 700;
        private int subgraphMaxNodes = 500;
        private int s2Level = 18;
        private int maxImagesPerCell = 3;
        private int maxHops = 3;
        private int maxPathsPerNode = 10;
        private Double evalFraction;
        private int benchMaxPerTask = 700;
        private int benchCandidates = 20;
        private double minSpacingM = 20;
        private int threads = Runtime.getRuntime().availableProcessors();
        private boolean overwrite;
        private ContextCaptioner captioner = new TemplateCaptioner();
        private PrintStream log = System.err;

        private Builder(Path osm, Path out) {
            this.osm = osm;
            this.out = out;
        }

        public Builder city(String v) {
            city = v;
            return this;
        }

        public Builder cityName(String v) {
            cityName = v;
            return this;
        }

        public Builder photos(Path v) {
            photos = v;
            return this;
        }

        public Builder photoManifest(Path v) {
            photoManifest = v;
            return this;
        }

        public Builder render(int v) {
            render = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        public Builder split(Split v) {
            split = v;
            return this;
        }

        public Builder renderSettings(RenderSettings v) {
            renderSettings = v;
            return this;
        }

        public Builder imageSize(int width, int height) {
            renderSettings = renderSettings.withSize(width, height);
            return this;
        }

        public Builder graphSettings(GraphSettings v) {
            graphSettings = v;
            return this;
        }

        public Builder subgraph(double radiusM, int maxNodes) {
            subgraphRadiusM = radiusM;
            subgraphMaxNodes = maxNodes;
            return this;
        }

        public Builder reasoningPaths(int s2Level, int maxImagesPerCell, int maxHops, int maxPathsPerNode) {
            this.s2Level = s2Level;
            this.maxImagesPerCell = maxImagesPerCell;
            this.maxHops = maxHops;
            this.maxPathsPerNode = maxPathsPerNode;
            return this;
        }

        public Builder evalFraction(double v) {
            evalFraction = v;
            return this;
        }

        public Builder bench(int maxPerTask, int candidates) {
            benchMaxPerTask = maxPerTask;
            benchCandidates = candidates;
            return this;
        }

        public Builder minSpacingM(double v) {
            minSpacingM = v;
            return this;
        }

        public Builder threads(int v) {
            threads = v;
            return this;
        }

        public Builder overwrite(boolean v) {
            overwrite = v;
            return this;
        }

        public Builder captioner(ContextCaptioner v) {
            captioner = v;
            return this;
        }

        public Builder log(PrintStream v) {
            log = v;
            return this;
        }

        public UgDataConfig build() {
            String id = city != null ? city : cityFromFile(osm);
            int n = render != null ? render : (photos == null && photoManifest == null ? DEFAULT_RENDER_WITHOUT_PHOTOS : 0);
            double ef = evalFraction != null ? evalFraction : (split == Split.HELD_OUT ? 1.0 : 0.2);
            return new UgDataConfig(id, cityName != null ? cityName : displayName(id), osm, photos, photoManifest, n,
                    out, seed, split, renderSettings, graphSettings, subgraphRadiusM, subgraphMaxNodes, s2Level,
                    maxImagesPerCell, maxHops, maxPathsPerNode, ef, benchMaxPerTask, benchCandidates, minSpacingM,
                    threads, overwrite, captioner, log);
        }
    }
}
