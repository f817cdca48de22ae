package org.urbangraph.uge.embed;

import java.util.SortedSet;
import java.util.TreeSet;
import org.urbangraph.uge.model.TrainingData;

/**
 * What the model behind an {@link Embedder} was trained on, as UGBench checks it before embedding anything: no
 * benchmark image may be one of its training images, and no held-out dataset may be of a city it trained on.
 *
 * @param model how errors and warnings name the model (its directory)
 * @param stage the model's stage: 1, or 2 (stages 1 and 2)
 * @param data the records of its model directory; {@link TrainingData#NONE} where it records none (a directory
 *     written before training data was recorded), which leaves it unchecked
 */
public record TrainedOn(String model, int stage, TrainingData data) {

    /** Whether anything is recorded, so that there is something to check. */
    public boolean known() {
        return !data.isEmpty();
    }

    /** The stages up to the model's whose training data is not recorded. */
    public SortedSet<Integer> unrecordedStages() {
        SortedSet<Integer> s = new TreeSet<>();
        for (int i = 1; i <= stage; i++) {
            if (!data.stages().contains(i)) {
                s.add(i);
            }
        }
        return s;
    }

    /** A one-line warning where some or all of the training data is unknown; null where every stage's is recorded. */
    public String warning() {
        if (!known()) {
            return "the UGE model " + model + " records no training data (a directory written before training data "
                    + "was recorded, or saved without it), so its benchmark images and held-out cities are not checked against it";
        }
        SortedSet<Integer> missing = unrecordedStages();
        if (missing.isEmpty()) {
            return null;
        }
        return "the UGE model " + model + " records no training data for stage " + join(missing) + " (trained "
                + "from a model directory written before training data was recorded), so only the data of stage "
                + join(data.stages()) + " is checked against the benchmark";
    }

    private static String join(SortedSet<Integer> stages) {
        return String.join(" and ", stages.stream().map(String::valueOf).toList());
    }
}
