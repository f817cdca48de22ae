package org.urbangraph.ugbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.ugbench.cache.InputHasher;
import org.urbangraph.ugbench.embed.OracleEmbedder;
import org.urbangraph.ugbench.metrics.Metric;
import org.urbangraph.ugbench.task.BenchData;

/**
 * The oracle scores 1.0 on every task, mode and city of real UGData datasets (Berlin Tiergarten for training, Monaco
 * held out), linear probes included; a second run with the same cache embeds nothing and gives the same rows.
 */
class OracleEmbedderTest {
    @TempDir
    Path tmp;

    @Test
    void theOracleScoresOneEverywhere() throws Exception {
        BenchConfig cfg = BenchConfig.builder(TestCities.dirs()).cache(tmp.resolve("cache")).bootstrap(200).build();
        BenchData data = UgBench.load(cfg);
        InputHasher h = new InputHasher();
        BenchVariant oracle = BenchVariant.of("oracle", OracleEmbedder.of(data, h));
        BenchResults r = UgBench.run(cfg, data, List.of(oracle));

        Set<String> tasks = r.rows().stream().map(ResultRow::task).collect(Collectors.toSet());
        for (String t : List.of("geolocation", "text_to_image", "image_to_image", "perception_poi_mix",
                "perception_street_class", "nearest_poi", "distance_direction")) {
            assertTrue(tasks.contains(t), "task " + t + " is scored; got " + tasks);
        }
        assertTrue(tasks.stream().anyMatch(t -> t.endsWith("_probe")), "a linear probe is scored; got " + tasks);
        Set<String> modes = r.rows().stream().map(ResultRow::mode).collect(Collectors.toSet());
        assertEquals(Set.of("image", "image+graph", "text"), modes);
        Set<String> splits = r.rows().stream().map(ResultRow::split).collect(Collectors.toSet());
        assertEquals(Set.of("train", "held-out"), splits);
        for (ResultRow row : r.rows()) {
            assertTrue(row.n() > 0, row.toString());
            for (Metric m : Metric.ALL) {
                assertEquals(1.0, row.get(m).value(), 1e-12, row.task() + " " + row.mode() + " " + row.city() + " "
                        + m.key());
                assertEquals(1.0, row.get(m).low(), 1e-12);
            }
            assertTrue(row.get(Metric.HIT_1).chance() < 1.0, "chance is below perfect: " + row);
        }
        assertTrue(r.variants().getFirst().computed() > 0);

        BenchResults again = UgBench.run(cfg, data, List.of(oracle));
        assertEquals(0, again.variants().getFirst().computed(), "everything comes from the cache");
        assertEquals(r.variants().getFirst().computed() + r.variants().getFirst().fromCache(),
                again.variants().getFirst().fromCache());
        assertEquals(r.rows(), again.rows());
    }
}
