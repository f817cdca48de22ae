package org.urbangraph.ugbench;

import java.nio.file.Path;
import java.util.List;

/**
 * One query drawn in the HTML report: where it was taken, the truth and the embedder's top five.
 *
 * @param task task id
 * @param mode query mode
 * @param city city id
 * @param variant variant name
 * @param questionId the row id
 * @param queryImage the query image, or null
 * @param queryText the query text or question
 * @param lon camera longitude
 * @param lat camera latitude
 * @param headingDeg camera heading, NaN if unknown
 * @param truth the truth
 * @param top the five best-scored candidates, best first
 * @param truthRank the truth's rank (ties against it)
 * @param datasetDir the dataset the query comes from (for the city graph)
 */
public record QueryExample(String task, String mode, String city, String variant, String questionId, Path queryImage,
        String queryText, double lon, double lat, double headingDeg, Pick truth, List<Pick> top, int truthRank,
        Path datasetDir) {

    /** A candidate on the map. */
    public record Pick(String id, String text, double lon, double lat, double score, boolean isTruth) {}
}
