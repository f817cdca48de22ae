package org.urbangraph.ugbench;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.urbangraph.ugbench.task.TaskCatalog;

/**
 * Everything a UGBench run found: the rows, what was evaluated on what, and the queries to draw.
 *
 * @param settings the run's settings (questions per task, bootstrap resamples, seed)
 * @param cities the datasets, training cities first
 * @param variants the variants in the order given
 * @param rows one row per task, mode, city and variant
 * @param examples queries for the maps of the HTML report
 * @param notes things a reader must know (modes not run, probes skipped, ...)
 */
public record BenchResults(Settings settings, List<CityInfo> cities, List<VariantInfo> variants, List<ResultRow> rows,
        List<QueryExample> examples, List<String> notes) {

    /** Settings that shape the numbers. */
    public record Settings(int maxPerTask, int bootstrap, long seed, double level) {}

    /**
     * A dataset.
     *
     * @param questions questions used per task
     * @param available rows per task file (before the cap)
     */
    public record CityInfo(String city, String name, String split, Path dir, String attribution,
            Map<String, Integer> questions, Map<String, Integer> available) {}

    /** A variant and how its embeddings were obtained. */
    public record VariantInfo(String name, String embedderId, int dimension, boolean usesGraphs, String note,
            int fromCache, int computed, int corruptCacheEntries, double seconds) {}

    /** The rows of one task, in run order. */
    public List<ResultRow> rows(String task) {
        return rows.stream().filter(r -> r.task().equals(task)).toList();
    }

    /** Task ids present, in report order. */
    public List<String> tasks() {
        return rows.stream().map(ResultRow::task).distinct()
                .sorted((a, b) -> Integer.compare(TaskCatalog.order(a), TaskCatalog.order(b)))
                .toList();
    }
}
