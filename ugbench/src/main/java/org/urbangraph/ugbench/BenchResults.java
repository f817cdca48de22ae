package org.urbangraph.ugbench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
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
 * @param pooled one row per task, mode, split and variant for each split of more than one city: all its cities'
 *     questions together (city null), the interval from a bootstrap that resamples within each city
 * @param examples queries for the maps of the HTML report
 * @param notes things a reader must know (modes not run, probes skipped, ...)
 */
public record BenchResults(Settings settings, List<CityInfo> cities, List<VariantInfo> variants, List<ResultRow> rows,
        List<ResultRow> pooled, List<QueryExample> examples, List<String> notes) {

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

    /**
     * Results of separate runs on the same datasets and settings as one (e.g. a model evaluated before training and
     * again after each stage), variants in the order given. Runs must agree on the settings, the cities and each
     * city's tasks and question counts.
     */
    public static BenchResults merge(List<BenchResults> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("nothing to merge");
        }
        BenchResults first = parts.getFirst();
        List<VariantInfo> variants = new ArrayList<>();
        List<ResultRow> rows = new ArrayList<>();
        List<ResultRow> pooled = new ArrayList<>();
        List<QueryExample> examples = new ArrayList<>();
        LinkedHashSet<String> notes = new LinkedHashSet<>();
        for (BenchResults p : parts) {
            if (!p.settings().equals(first.settings())) {
                throw new IllegalArgumentException("runs with different settings: " + first.settings() + " and "
                        + p.settings());
            }
            List<String> cities = p.cities().stream().map(CityInfo::city).toList();
            if (!cities.equals(first.cities().stream().map(CityInfo::city).toList())) {
                throw new IllegalArgumentException("runs on different cities: "
                        + first.cities().stream().map(CityInfo::city).toList() + " and " + cities);
            }
            // the same questions: the same tasks, the same number of rows in each task file and used from it
            for (int c = 0; c < cities.size(); c++) {
                CityInfo x = first.cities().get(c);
                CityInfo y = p.cities().get(c);
                if (!x.questions().equals(y.questions()) || !x.available().equals(y.available())) {
                    throw new IllegalArgumentException("runs on different questions in " + x.city() + ": "
                            + x.questions() + " of " + x.available() + " and " + y.questions() + " of "
                            + y.available() + " (another --tasks selection, or a rebuilt dataset)");
                }
            }
            for (VariantInfo v : p.variants()) {
                if (variants.stream().anyMatch(x -> x.name().equals(v.name()))) {
                    throw new IllegalArgumentException("variant '" + v.name() + "' appears in two runs");
                }
                variants.add(v);
            }
            rows.addAll(p.rows());
            pooled.addAll(p.pooled());
            examples.addAll(p.examples());
            notes.addAll(p.notes());
        }
        return new BenchResults(first.settings(), first.cities(), List.copyOf(variants), List.copyOf(rows),
                List.copyOf(pooled), List.copyOf(examples), List.copyOf(notes));
    }

    /** The rows of one task, in run order. */
    public List<ResultRow> rows(String task) {
        return rows.stream().filter(r -> r.task().equals(task)).toList();
    }

    /** The pooled row of a task, variant, mode and split, or null when the split has one city or none. */
    public ResultRow pooled(String task, String variant, String mode, String split) {
        return pooled.stream().filter(r -> r.task().equals(task) && r.variant().equals(variant)
                && r.mode().equals(mode) && r.split().equals(split)).findFirst().orElse(null);
    }

    /** Task ids present, in report order. */
    public List<String> tasks() {
        return rows.stream().map(ResultRow::task).distinct()
                .sorted((a, b) -> Integer.compare(TaskCatalog.order(a), TaskCatalog.order(b)))
                .toList();
    }
}
