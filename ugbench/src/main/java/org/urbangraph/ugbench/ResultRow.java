package org.urbangraph.ugbench;

import java.util.Map;
import org.urbangraph.ugbench.metrics.Estimate;
import org.urbangraph.ugbench.metrics.Metric;

/**
 * One line of results: a task, query mode, city and variant.
 *
 * @param task task id ({@code geolocation}, ..., {@code perception_land_use_probe} for a linear probe)
 * @param title the task's readable title
 * @param mode query mode: image, image+graph or text
 * @param city city id; null in a pooled row (all cities of the split, {@link BenchResults#pooled()})
 * @param split "train" or "held-out"
 * @param variant the variant's name
 * @param n questions scored
 * @param metrics Hit@1/3/5/10 and MRR with 95 % intervals and chance
 * @param syntheticQueries how many of the questions have a rendered or synthetically placed query image
 * @param droppedDuplicates candidates dropped because their input equals the truth's
 * @param droppedWrongDuplicates wrong candidates dropped because their input equals an earlier wrong candidate's
 * @param probe the linear probe's details, for probe rows; else null
 */
public record ResultRow(String task, String title, String mode, String city, String split, String variant, int n,
        Map<Metric, Estimate> metrics, int syntheticQueries, int droppedDuplicates, int droppedWrongDuplicates,
        Probe probe) {

    public Estimate get(Metric m) {
        return metrics.get(m);
    }

    /**
     * Linear-probe details.
     *
     * @param trainRows rows of the training fold it was fitted on (in a pooled row, of all its cities)
     * @param excludedRows test rows left out because their class never occurs in the training fold (in a pooled row,
     *     of all its cities)
     * @param classes classes seen in the training fold (the candidates it ranks); 0 in a pooled row, whose cities each
     *     fit their own probe
     * @param lambda the ridge strength chosen by leave-one-out error; NaN in a pooled row
     * @param prior what ranking the classes by their training-fold frequency scores on the same test rows (the floor
     *     a probe reaches without information from the embedding; in a pooled row, weighted by each city's questions)
     */
    public record Probe(int trainRows, int excludedRows, int classes, double lambda, Map<Metric, Double> prior) {}
}
