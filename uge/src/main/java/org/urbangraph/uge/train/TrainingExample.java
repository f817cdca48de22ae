package org.urbangraph.uge.train;

import java.util.ArrayList;
import java.util.List;
import org.urbangraph.uge.model.UgeInput;
import org.urbangraph.ugdata.dataset.UgeSample;

/**
 * One contrastive example: the query (image, instruction, and in stage 2 the graph and reasoning path), its positive
 * text, and an optional hard negative text. {@code id} names it in logs and errors (dataset file and line).
 */
public record TrainingExample(String id, UgeInput query, String positive, String hardNegative) {

    public static TrainingExample of(UgeSample s) {
        if (s.positives().isEmpty()) {
            throw new IllegalArgumentException(s.source() + ": the row has no positive_messages");
        }
        return new TrainingExample(s.source(), new UgeInput(s.query(), s.images(), s.graphs()), s.positives().get(0),
                s.negatives().isEmpty() ? null : s.negatives().get(0));
    }

    public static List<TrainingExample> of(List<UgeSample> samples) {
        List<TrainingExample> out = new ArrayList<>();
        for (UgeSample s : samples) {
            out.add(of(s));
        }
        return out;
    }
}
