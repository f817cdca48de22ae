package org.urbangraph.ugbench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.ugbench.metrics.Metric;
import org.urbangraph.ugbench.task.TaskFiles;
import org.urbangraph.uge.embed.Embedder;

/** How the candidates of a question are scored and ranked, end to end from a task file to the reports. */
class RankingTest {
    @TempDir
    Path tmp;

    /** An embedder that returns a fixed vector per text. */
    private static Embedder byText(Map<String, float[]> vectors) {
        return new FnEmbedder("by-text", 2, in -> vectors.get(in.text()));
    }

    /** A vector of the given norm at the given cosine to (1, 0). */
    private static float[] unit(double cos, double norm) {
        return new float[] {(float) (norm * cos), (float) (norm * Math.sqrt(1 - cos * cos))};
    }

    @Test
    void scoresAreCosinesOfVectorsThatAreNearlyUnit() throws Exception {
        TaskFiles f = new TaskFiles(tmp.resolve("vaduz"), "vaduz", "held-out");
        ObjectNode r = f.row("nearest_poi", List.of("text"), null, null, "Q");
        TaskFiles.textCandidate(r, "t", "T");
        TaskFiles.textCandidate(r, "w", "W");
        r.put("answer", 0);
        // the truth at cosine 0.95 with norm 1; the wrong one at cosine 0.945 with norm 1.009, within the accepted
        // 1e-2 of unit norm: its dot product, 0.9535, is the larger, its cosine the smaller
        Embedder e = byText(Map.of("Q", unit(1, 1), "T", unit(0.95, 1), "W", unit(0.945, 1.009)));
        BenchConfig cfg = BenchConfig.builder(List.of(f.write())).bootstrap(100).mapQueries(0).build();
        ResultRow row = UgBench.run(cfg, List.of(BenchVariant.of("model", e))).rows().getFirst();
        assertEquals(1.0, row.get(Metric.HIT_1).value());
        assertEquals(1.0, row.get(Metric.MRR).value());
    }

    @Test
    void aWrongAnswerListedTwiceCostsTheTruthOneRank() throws Exception {
        TaskFiles f = new TaskFiles(tmp.resolve("vaduz"), "vaduz", "held-out");
        ObjectNode r = f.row("nearest_poi", List.of("text"), null, null, "Which place is nearest?");
        TaskFiles.textCandidate(r, "poi/1", "Mauren Post (platform)");
        TaskFiles.textCandidate(r, "poi/2", "Mauren Post (platform)");
        TaskFiles.textCandidate(r, "poi/3", "Cafe A (cafe)");
        TaskFiles.textCandidate(r, "poi/4", "Mauren Post (platform)");
        r.put("answer", 2);
        // the query is nearer the one wrong place than the truth: the truth is second of two, not fourth of four
        Embedder e = byText(Map.of("Which place is nearest?", unit(0.8, 1), "Mauren Post (platform)", unit(1, 1),
                "Cafe A (cafe)", unit(0, 1)));
        BenchConfig cfg = BenchConfig.builder(List.of(f.write())).bootstrap(100).mapQueries(0).build();
        BenchResults res = UgBench.run(cfg, List.of(BenchVariant.of("model", e)));
        ResultRow row = res.rows().getFirst();
        assertEquals(1, row.n());
        assertEquals(0.0, row.get(Metric.HIT_1).value());
        assertEquals(1.0, row.get(Metric.HIT_3).value());
        assertEquals(0.5, row.get(Metric.MRR).value(), 1e-12);
        assertEquals(0.5, row.get(Metric.HIT_1).chance(), 1e-12, "chance of two candidates");
        assertEquals(0.75, row.get(Metric.MRR).chance(), 1e-12);
        assertEquals(0, row.droppedDuplicates());
        assertEquals(2, row.droppedWrongDuplicates());
        UgBench.writeReports(res, tmp.resolve("out"));
        JsonNode json = new ObjectMapper().readTree(tmp.resolve("out").resolve("results.json").toFile())
                .get("rows").get(0);
        assertEquals(2, json.get("dropped_duplicate_wrong_candidates").asInt());
        assertEquals(0, json.get("dropped_duplicate_candidates").asInt());
    }
}
