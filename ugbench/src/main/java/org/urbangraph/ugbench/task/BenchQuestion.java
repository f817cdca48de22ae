package org.urbangraph.ugbench.task;

import java.util.List;
import java.util.Map;
import org.urbangraph.ugdata.dataset.BenchSample;
import org.urbangraph.uge.embed.EmbedInput;

/**
 * One benchmark question ready to embed: the query as an input for each mode it is asked in, and the candidates as
 * inputs. Candidates whose input is identical to the truth's (two POIs of the same name and category, say) are dropped,
 * since no embedder can tell them apart; of wrong candidates with identical inputs only the first is kept, since each
 * copy would cost the truth a rank for one mistake. {@code candidates.get(answer)} is the truth.
 *
 * @param sample the row as read from the task file
 * @param queries the query input per mode
 * @param candidates candidate inputs (after dropping copies of the truth and repeated wrong candidates)
 * @param kept for each candidate input, its index in {@code sample.candidates()}
 * @param answer index of the truth in {@code candidates}
 * @param droppedDuplicates how many copies of the truth were dropped
 * @param droppedWrongDuplicates how many copies of a wrong candidate were dropped (the first copy is kept)
 */
public record BenchQuestion(BenchSample sample, Map<QueryMode, EmbedInput> queries, List<EmbedInput> candidates,
        int[] kept, int answer, int droppedDuplicates, int droppedWrongDuplicates) {

    public BenchSample.Candidate candidate(int i) {
        return sample.candidates().get(kept[i]);
    }
}
