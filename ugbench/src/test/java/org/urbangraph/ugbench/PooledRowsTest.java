package org.urbangraph.ugbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.ugbench.metrics.Estimate;
import org.urbangraph.ugbench.metrics.Metric;
import org.urbangraph.ugbench.metrics.RankOutcome;
import org.urbangraph.ugbench.metrics.Scoring;

/**
 * Pooled rows of a split of several cities: their values, intervals and counts, and how the reports show them.
 */
class PooledRowsTest {
    @TempDir
    Path out;

    private static final BenchConfig CONFIG = BenchConfig.builder(List.of()).bootstrap(500).seed(3).build();

    /** {@code hits} questions answered first out of {@code n}, the others ranked third of ten. */
    private static List<RankOutcome> outcomes(int n, int hits) {
        List<RankOutcome> o = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            o.add(i < hits ? new RankOutcome(0, 0, 10) : new RankOutcome(2, 0, 10));
        }
        return o;
    }

    private static ResultRow row(String city, String split, List<RankOutcome> o, int synthetic) {
        return new ResultRow("geolocation", "Geolocation", "image", city, split, "model", o.size(),
                Scoring.estimate(o, CONFIG.bootstrap(), city.hashCode()), synthetic, 1, 2, null);
    }

    @Test
    void citiesOfASplitPoolByTheirQuestions() {
        List<RankOutcome> a = outcomes(40, 30);
        List<RankOutcome> b = outcomes(10, 2);
        List<RankOutcome> c = outcomes(25, 5);
        ResultRow ra = row("a", "held-out", a, 4);
        ResultRow rb = row("b", "held-out", b, 1);
        ResultRow rc = row("c", "train", c, 0);
        Map<ResultRow, List<RankOutcome>> byRow = new IdentityHashMap<>();
        byRow.put(ra, a);
        byRow.put(rb, b);
        byRow.put(rc, c);
        List<ResultRow> pooled = UgBench.pooledRows(List.of(ra, rb, rc), byRow, Set.of("held-out"), CONFIG);
        assertEquals(1, pooled.size(), "the training split has one city: no pooled row");
        ResultRow p = pooled.getFirst();
        assertNull(p.city());
        assertEquals("held-out", p.split());
        assertEquals(50, p.n());
        assertEquals(5, p.syntheticQueries());
        assertEquals(2, p.droppedDuplicates());
        assertEquals(4, p.droppedWrongDuplicates());
        Estimate hit1 = p.get(Metric.HIT_1);
        assertEquals(32.0 / 50, hit1.value(), 1e-12);
        // the mean of the cities' values weighted by their questions, as the report tables compute it
        assertEquals((ra.get(Metric.MRR).value() * 40 + rb.get(Metric.MRR).value() * 10) / 50,
                p.get(Metric.MRR).value(), 1e-12);
        assertEquals(0.1, hit1.chance(), 1e-12);
        assertTrue(hit1.low() < hit1.value() && hit1.value() < hit1.high(), hit1.toString());
        // narrower than either city's own interval: it rests on more questions
        assertTrue(hit1.high() - hit1.low() < ra.get(Metric.HIT_1).high() - ra.get(Metric.HIT_1).low());
        List<ResultRow> again = UgBench.pooledRows(List.of(ra, rb, rc), byRow, Set.of("held-out"), CONFIG);
        assertEquals(hit1, again.getFirst().get(Metric.HIT_1), "seeded by task, split and mode");
    }

    @Test
    void reportsShowThePooledIntervals() throws Exception {
        List<RankOutcome> a = outcomes(40, 30);
        List<RankOutcome> b = outcomes(10, 2);
        ResultRow ra = row("a", "held-out", a, 0);
        ResultRow rb = row("b", "held-out", b, 0);
        Map<ResultRow, List<RankOutcome>> byRow = new IdentityHashMap<>();
        byRow.put(ra, a);
        byRow.put(rb, b);
        List<ResultRow> pooled = UgBench.pooledRows(List.of(ra, rb), byRow, Set.of("held-out"), CONFIG);
        BenchResults r = new BenchResults(new BenchResults.Settings(700, CONFIG.bootstrap(), CONFIG.seed(),
                Scoring.LEVEL), List.of(city("a"), city("b")), List.of(new BenchResults.VariantInfo("model", "test", 8,
                true, null, 0, 0, 0, 0.1)), List.of(ra, rb), pooled, List.of(), List.of());
        UgBench.writeReports(r, out);
        JsonNode root = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertEquals(2, root.get("rows").size());
        assertEquals(1, root.get("pooled").size());
        JsonNode p = root.get("pooled").get(0);
        assertTrue(p.get("city").isNull());
        assertEquals(50, p.get("n").asInt());
        assertEquals(0.64, p.get("hit@1").asDouble(), 1e-9);
        Estimate e = pooled.getFirst().get(Metric.HIT_1);
        assertEquals(e.low(), p.get("hit@1_ci95").get(0).asDouble(), 1e-6);
        assertEquals(e.high(), p.get("hit@1_ci95").get(1).asDouble(), 1e-6);
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains(String.format(java.util.Locale.ROOT, "Hit@1 95%% CI [%.2f, %.2f], n=50", e.low(),
                e.high())), "the pooled cell shows its interval");
        String md = Files.readString(out.resolve("results.md"));
        assertTrue(md.contains("| A (held-out) | B (held-out) | all held-out cities |"), md);
        assertTrue(md.contains("0.64 / "), md);
    }

    private static ResultRow probeRow(String city, List<RankOutcome> o, int train, int excluded, double priorHit1) {
        Map<Metric, Double> prior = new java.util.EnumMap<>(Metric.class);
        for (Metric m : Metric.ALL) {
            prior.put(m, m == Metric.HIT_1 ? priorHit1 : 0.5);
        }
        return new ResultRow("perception_land_use_probe", "Urban perception: land use (linear probe)", "image", city,
                "held-out", "model", o.size(), Scoring.estimate(o, CONFIG.bootstrap(), city.hashCode()), 0, 0, 0,
                new ResultRow.Probe(train, excluded, 4, 0.01, prior));
    }

    @Test
    void pooledProbeRowsCarryTheProbeDetailsOfTheirCities() throws Exception {
        List<RankOutcome> a = outcomes(30, 20);
        List<RankOutcome> b = outcomes(10, 5);
        ResultRow ra = probeRow("a", a, 70, 2, 0.4);
        ResultRow rb = probeRow("b", b, 25, 1, 0.2);
        Map<ResultRow, List<RankOutcome>> byRow = new IdentityHashMap<>();
        byRow.put(ra, a);
        byRow.put(rb, b);
        List<ResultRow> pooled = UgBench.pooledRows(List.of(ra, rb), byRow, Set.of("held-out"), CONFIG);
        ResultRow.Probe p = pooled.getFirst().probe();
        assertEquals(95, p.trainRows());
        assertEquals(3, p.excludedRows());
        assertEquals((0.4 * 30 + 0.2 * 10) / 40, p.prior().get(Metric.HIT_1), 1e-12, "weighted by questions");
        assertEquals(0.5, p.prior().get(Metric.MRR), 1e-12);

        BenchResults r = new BenchResults(new BenchResults.Settings(700, CONFIG.bootstrap(), CONFIG.seed(),
                Scoring.LEVEL), List.of(city("a"), city("b")), List.of(new BenchResults.VariantInfo("model", "test", 8,
                true, null, 0, 0, 0, 0.1)), List.of(ra, rb), pooled, List.of(), List.of());
        UgBench.writeReports(r, out);
        JsonNode root = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        JsonNode cityProbe = root.get("rows").get(0).get("probe");
        JsonNode pooledProbe = root.get("pooled").get(0).get("probe");
        assertEquals(70, cityProbe.get("train_rows").asInt());
        assertEquals(4, cityProbe.get("classes").asInt());
        assertEquals(95, pooledProbe.get("train_rows").asInt());
        assertEquals(3, pooledProbe.get("excluded_test_rows").asInt());
        assertEquals(0.35, pooledProbe.get("class_frequency_baseline").get("hit@1").asDouble(), 1e-9);
        assertEquals(0.5, pooledProbe.get("class_frequency_baseline").get("mrr").asDouble(), 1e-9);
        assertTrue(pooledProbe.get("classes").isNull() && pooledProbe.get("lambda").isNull(),
                "each city fits its own probe: " + pooledProbe);
        assertEquals(cityProbe.get("method"), pooledProbe.get("method"));
    }

    private BenchResults.CityInfo city(String id) {
        return new BenchResults.CityInfo(id, id.toUpperCase(java.util.Locale.ROOT), "held-out", out.resolve(id),
                "test data", Map.of("geolocation", 40), Map.of("geolocation", 40));
    }
}
