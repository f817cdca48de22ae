package org.urbangraph.ugbench.task;

import java.util.List;
import java.util.Map;
import org.urbangraph.ugdata.dataset.BenchSample;
import org.urbangraph.uge.embed.EmbedInput;

/**
 * One benchmark question ready to embed: the query as an input for each mode it is asked in, and the candidates as
 * inputs. Candidates whose input is identical to the truth's (two POIs of the same name and category, say) are dropped,
 * since no embedder can tell them apart; {@code candidates.get(answer)} is the truth.
 *
 * @param sample the row as read from the task file
 * @param queries the query input per mode
 * @param candidates candidate inputs (after dropping copies of the truth)
 * @param kept for each candidate input, its index in {@code sample.candidates()}
 * @param answer index of the truth in {@code candidates}
 * @param droppedDuplicates how many copies of the truth were dropped
 */
public record BenchQuestion(BenchSample sample, Map<QueryMode, EmbedInput> queries, List<EmbedInput> candidates,
        int[] kept, int answer, int droppedDuplicates) {

    public BenchSample.Candidate candidate(int i) {
        return sample.candidates().get(kept[i]);
    }
}
