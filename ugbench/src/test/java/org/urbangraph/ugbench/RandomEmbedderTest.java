package org.urbangraph.ugbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.ugbench.cache.InputHasher;
import org.urbangraph.ugbench.embed.RandomEmbedder;
import org.urbangraph.ugbench.metrics.Estimate;
import org.urbangraph.ugbench.metrics.Metric;
import org.urbangraph.ugbench.task.BenchData;
import org.urbangraph.ugbench.task.TaskFiles;

/** The random embedder scores chance, within its intervals, and the intervals cover chance about 95 % of the time. */
class RandomEmbedderTest {
    @TempDir
    Path tmp;

    /** 400 text questions of 20 text candidates (the truth at a varying position). */
    private Path textTask() throws Exception {
        TaskFiles f = new TaskFiles(tmp.resolve("town"), "town", "held-out");
        for (int i = 0; i < 400; i++) {
            ObjectNode r = f.row("geolocation", List.of("text"), null, null, "Where is place " + i + "?");
            for (int c = 0; c < 20; c++) {
                TaskFiles.textCandidate(r, "p" + c, "Candidate place " + c + " of question " + i);
            }
            r.put("answer", (i * 7) % 20);
        }
        return f.write();
    }

    @Test
    void randomVectorsScoreChanceWithinTheirInterval() throws Exception {
        BenchConfig cfg = BenchConfig.builder(List.of(textTask())).bootstrap(1000).build();
        BenchData data = UgBench.load(cfg);
        InputHasher h = new InputHasher();
        ResultRow row = UgBench.run(cfg, data, List.of(BenchVariant.of("random", new RandomEmbedder(0, 32, h))))
                .rows().getFirst();
        assertEquals(400, row.n());
        double[] chance = {1 / 20.0, 3 / 20.0, 5 / 20.0, 10 / 20.0, harmonic(20) / 20};
        for (Metric m : Metric.ALL) {
            Estimate e = row.get(m);
            assertEquals(chance[m.ordinal()], e.chance(), 1e-12, m.key());
            assertTrue(e.low() <= e.chance() && e.chance() <= e.high(), m.key() + ": " + e);
            assertTrue(e.high() - e.low() < 0.12, "400 questions give a tight interval: " + e);
        }
    }

    @Test
    void intervalsCoverChanceAboutNineteenTimesInTwenty() throws Exception {
        BenchConfig cfg = BenchConfig.builder(List.of(textTask())).maxPerTask(200).bootstrap(500).build();
        BenchData data = UgBench.load(cfg);
        InputHasher h = new InputHasher();
        int covered = 0;
        for (int seed = 1; seed <= 20; seed++) {
            Estimate e = UgBench.run(cfg, data, List.of(BenchVariant.of("random", new RandomEmbedder(seed, 32, h))))
                    .rows().getFirst().get(Metric.HIT_5);
            covered += e.low() <= e.chance() && e.chance() <= e.high() ? 1 : 0;
        }
        // Binomial(20, 0.95): fewer than 16 has probability 0.0003
        assertTrue(covered >= 16, covered + " of 20 intervals cover chance");
    }

    @Test
    void onRealDatasetsEveryTaskIsNearChance() throws Exception {
        BenchConfig cfg = BenchConfig.builder(TestCities.dirs()).bootstrap(300).build();
        InputHasher h = new InputHasher();
        BenchResults r = UgBench.run(cfg, List.of(new BenchVariant("random", new RandomEmbedder(7, 64, h), false,
                "chance")));
        assertFalse(r.rows().stream().anyMatch(x -> x.mode().equals("image+graph")),
                "a variant that ignores graphs runs no image+graph mode");
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("ignores graphs")), r.notes().toString());
        double sum = 0;
        double chance = 0;
        int n = 0;
        for (ResultRow row : r.rows()) {
            if (row.probe() != null) {
                continue;
            }
            sum += row.get(Metric.HIT_1).value() * row.n();
            chance += row.get(Metric.HIT_1).chance() * row.n();
            n += row.n();
        }
        assertTrue(n > 150, "questions: " + n);
        // pooled over every ranking row: the standard error of Hit@1 is about 0.02 here
        assertEquals(chance / n, sum / n, 0.08, "pooled Hit@1 against pooled chance");
    }

    @Test
    void runsOfSeparateVariantsMergeIntoOneTable() throws Exception {
        BenchConfig cfg = BenchConfig.builder(List.of(textTask())).maxPerTask(50).bootstrap(200).build();
        BenchData data = UgBench.load(cfg);
        InputHasher h = new InputHasher();
        BenchResults a = UgBench.run(cfg, data, List.of(BenchVariant.of("before", new RandomEmbedder(1, 16, h))));
        BenchResults b = UgBench.run(cfg, data, List.of(BenchVariant.of("after", new RandomEmbedder(2, 16, h))));
        BenchResults both = BenchResults.merge(List.of(a, b));
        assertEquals(List.of("before", "after"), both.variants().stream().map(BenchResults.VariantInfo::name).toList());
        assertEquals(List.of(a.rows().getFirst(), b.rows().getFirst()), both.rows());
        String table = UgBench.table(both);
        assertTrue(table.contains("before · text") && table.contains("after · text"), table);
        assertThrows(IllegalArgumentException.class, () -> BenchResults.merge(List.of(a, a)));
        // a run on fewer questions of the same city (another task selection or a rebuilt dataset) does not merge
        BenchResults.CityInfo c = b.cities().getFirst();
        BenchResults fewer = new BenchResults(b.settings(), List.of(new BenchResults.CityInfo(c.city(), c.name(),
                c.split(), c.dir(), c.attribution(), java.util.Map.of("geolocation", 40), c.available())),
                b.variants(), b.rows(), b.pooled(), b.examples(), b.notes());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BenchResults.merge(List.of(a, fewer)));
        assertTrue(e.getMessage().contains("different questions in town"), e.getMessage());
    }

    private static double harmonic(int n) {
        double s = 0;
        for (int r = 1; r <= n; r++) {
            s += 1.0 / r;
        }
        return s;
    }
}
