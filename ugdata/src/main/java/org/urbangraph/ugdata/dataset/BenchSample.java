package org.urbangraph.ugdata.dataset;

import java.nio.file.Path;
import java.util.List;

/**
 * One benchmark question from a {@code bench/<task>.jsonl} file, with its files resolved and checked.
 *
 * @param source file and line (for error messages)
 * @param id row id
 * @param task task name (the file name)
 * @param city city id
 * @param split "train" or "held-out"
 * @param modes query modes that apply: "image", "image+graph", "text"
 * @param query the query
 * @param candidates the candidates; {@code candidates.get(answer)} is the truth
 * @param answer index of the truth
 * @param labelSet for perception tasks: the label set, else null
 * @param label for perception tasks: the true label, else null
 * @param fold for perception tasks: "train" or "test" (fixed split for a linear probe), else null
 * @param synthetic true if the query image (or its placement) is synthetic
 */
public record BenchSample(String source, String id, String task, String city, String split, List<String> modes,
        Query query, List<Candidate> candidates, int answer, String labelSet, String label, String fold,
        boolean synthetic) {

    /** A query: an image, its graph and a text; any may be null. */
    public record Query(Path image, Path graph, String text, String imageId, Integer node, double lon, double lat,
            double headingDeg) {}

    /** A candidate: text, image (with its graph) or graph node; lon/lat NaN where not given. */
    public record Candidate(String id, String text, Path image, Path graph, Integer node, double lon, double lat) {}

    public Candidate truth() {
        return candidates.get(answer);
    }
}
