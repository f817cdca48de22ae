package org.urbangraph.ugbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.urbangraph.ugbench.cache.InputHasher;
import org.urbangraph.ugbench.embed.OracleEmbedder;
import org.urbangraph.ugbench.task.BenchData;
import org.urbangraph.uge.embed.Embedder;

/** The example queries of the report: the listed top five and the stated rank of the truth agree, ties included. */
class ExampleQueriesTest {

    /** Every input gets the same vector: every candidate ties with the truth. */
    private static final Embedder SAME = FnEmbedder.constant("same-vector", 0.5f, 0.5f, 0.5f, 0.5f);

    @Test
    void aTiedTruthIsRankedAndListedAfterTheCandidatesItTiesWith() throws Exception {
        BenchConfig cfg = BenchConfig.builder(TestCities.dirs()).bootstrap(100).mapQueries(2).build();
        BenchData data = UgBench.load(cfg);
        InputHasher h = new InputHasher();
        BenchResults r = UgBench.run(cfg, data, List.of(BenchVariant.of("same", SAME),
                BenchVariant.of("oracle", OracleEmbedder.of(data, h))));
        int tied = 0;
        int oracle = 0;
        for (QueryExample ex : r.examples()) {
            List<QueryExample.Pick> top = ex.top();
            if (ex.variant().equals("oracle")) {
                oracle++;
                assertEquals(1, ex.truthRank(), ex.questionId());
                assertTrue(top.getFirst().isTruth(), ex.questionId());
                continue;
            }
            tied++;
            assertTrue(ex.truthRank() >= 2, ex.questionId() + ": every candidate ties, so the truth is not first");
            int at = -1;
            for (int i = 0; i < top.size(); i++) {
                at = top.get(i).isTruth() ? i : at;
            }
            if (ex.truthRank() <= top.size()) {
                assertEquals(ex.truthRank() - 1, at, ex.questionId() + ": listed where its rank says");
            } else {
                assertEquals(-1, at, ex.questionId() + ": ranked " + ex.truthRank() + ", so not in the top five");
            }
            assertFalse(top.getFirst().isTruth(), ex.questionId());
        }
        assertTrue(tied > 0 && oracle > 0, tied + " tied and " + oracle + " oracle examples");
    }
}
