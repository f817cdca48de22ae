package org.urbangraph.ugdata.dataset;

import java.util.List;
import java.util.Map;

/**
 * {@code manifest.json} of a UGData dataset directory: what was built from what, with which settings and seed,
 * how much of each thing it holds, what input was skipped and why, and the OpenStreetMap attribution. Written
 * with snake_case keys (see {@link UgDataJson}); no time stamps, so the same build gives the same bytes.
 *
 * @param format dataset format id, {@value #FORMAT}
 * @param generator the program and version that wrote it
 * @param city file-safe city id
 * @param cityName display name
 * @param split "train" or "held-out"
 * @param seed seed of every random choice
 * @param attribution the ODbL attribution line, to be shown wherever the data is used
 * @param sources input files with SHA-256 checksums
 * @param settings every build setting
 * @param counts sizes of what was written
 * @param bench rows per benchmark task file (task name to count)
 * @param issues skipped input and benchmark shortfalls, by kind, with examples
 * @param files where things are, relative to the dataset directory
 * @param captioner the captioner that wrote the spatial context captions
 */
public record DatasetManifest(String format, String generator, String city, String cityName, String split, long seed,
        String attribution, List<Source> sources, Map<String, Object> settings, Counts counts,
        Map<String, Integer> bench, Issues issues, Map<String, String> files, String captioner) {

    public static final String FORMAT = "ugdata-1";
    public static final String OSM_ATTRIBUTION = "Map data © OpenStreetMap contributors, available under the "
            + "Open Database License (ODbL) 1.0 (https://www.openstreetmap.org/copyright).";

    /** An input file: its role ("osm", "photo", "photo-manifest"), name, checksum and size. */
    public record Source(String role, String file, String sha256, long bytes) {}

    /**
     * Sizes. {@code nodes} and {@code edges} are by type / relation; images are counted by origin and split.
     */
    public record Counts(Map<String, Integer> nodes, Map<String, Integer> edges, int images, int syntheticImages,
            int realImages, int syntheticPlacement, int trainImages, int evalImages, int pairViews, int stage1Rows,
            int stage2Rows, int subgraphs, int reasoningPaths, long osmNodes, long osmWays, long osmRelations) {}

    /** Skipped input: counts by kind and the first examples of each. */
    public record Issues(Map<String, Integer> counts, List<Example> examples) {}

    /** One skipped-input report. */
    public record Example(String kind, String where, String message) {}
}
