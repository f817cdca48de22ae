package org.urbangraph.ugbench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.urbangraph.ugbench.cache.EmbeddingStore;
import org.urbangraph.ugbench.cache.InputHasher;
import org.urbangraph.ugbench.metrics.Metric;
import org.urbangraph.ugbench.metrics.RankOutcome;
import org.urbangraph.ugbench.metrics.Scoring;
import org.urbangraph.ugbench.report.ConsoleTable;
import org.urbangraph.ugbench.report.ReportWriter;
import org.urbangraph.ugbench.task.BenchData;
import org.urbangraph.ugbench.task.BenchQuestion;
import org.urbangraph.ugbench.task.CityBench;
import org.urbangraph.uge.embed.EmbedInput;

/**
 * UGBench in process: reads the task files of the given datasets, embeds every query and candidate with each variant
 * (through the embedding cache), scores every task, mode and city, and returns the rows; {@link #writeReports} writes
 * {@code results.json}, {@code results.md} and {@code report.html}. Before anything is embedded, a variant whose model
 * records its training data is refused a benchmark image with the bytes of one of its training images and a held-out
 * dataset of a city it trained on ({@link TrainingDataCheck}); a UGE model that records none gets a note instead.
 *
 * <pre>{@code
 * BenchConfig cfg = BenchConfig.builder(List.of(monaco, copenhagen)).cache(cacheDir).log(System.err).build();
 * BenchResults r = UgBench.run(cfg, List.of(new BenchVariant("untrained", untrained, true, null),
 *         BenchVariant.of("stage 1", stage1), BenchVariant.of("stage 1+2", stage12)));
 * System.out.println(UgBench.table(r));
 * UgBench.writeReports(r, outDir);
 * }</pre>
 */
public final class UgBench {
    private UgBench() {}

    /** Reads the datasets of a configuration. */
    public static BenchData load(BenchConfig config) throws IOException {
        return BenchData.load(config.datasets(), config.maxPerTask(), config.tasks());
    }

    public static BenchResults run(BenchConfig config, List<BenchVariant> variants) throws IOException {
        return run(config, load(config), variants);
    }

    /** Evaluates every variant on already loaded data (e.g. to build an {@code OracleEmbedder} from it first). */
    public static BenchResults run(BenchConfig config, BenchData data, List<BenchVariant> variants) throws IOException {
        return run(config, data, variants, new InputHasher());
    }

    /** As {@link #run(BenchConfig, BenchData, List)}, hashing files with the given hasher. */
    static BenchResults run(BenchConfig config, BenchData data, List<BenchVariant> variants, InputHasher hasher)
            throws IOException {
        if (variants.isEmpty()) {
            throw new IllegalArgumentException("no variant to evaluate");
        }
        List<String> names = variants.stream().map(BenchVariant::name).toList();
        if (names.stream().distinct().count() != names.size()) {
            throw new IllegalArgumentException("variant names must differ: " + names);
        }
        List<String> notes = new ArrayList<>();
        // before any embedding: a model must not be tested on its training images or on a city it trained on
        // with the hasher the embedding cache keys inputs by, so each image is read once per run
        notes.addAll(TrainingDataCheck.check(data, variants, hasher::fileDigest, config.log()));
        List<ResultRow> rows = new ArrayList<>();
        List<QueryExample> examples = new ArrayList<>();
        List<BenchResults.VariantInfo> infos = new ArrayList<>();
        CityBench mapCity = data.cities().stream().filter(c -> !c.split().label().equals("train")).findFirst()
                .orElse(data.cities().getFirst());
        Set<String> splitsOfSeveralCities = data.cities().stream()
                .collect(Collectors.groupingBy(c -> c.split().label(), Collectors.counting())).entrySet().stream()
                .filter(e -> e.getValue() > 1).map(Map.Entry::getKey).collect(Collectors.toSet());
        List<ResultRow> pooled = new ArrayList<>();
        for (BenchVariant v : variants) {
            long start = System.nanoTime();
            List<ResultRow> variantRows = new ArrayList<>();
            Map<ResultRow, List<RankOutcome>> outcomes = new IdentityHashMap<>();
            EmbeddingStore store = new EmbeddingStore(v.embedder(), config.cache(), hasher, config.batchSize(),
                    config.log());
            if (!v.usesGraphs()) {
                notes.add("Variant '" + v.name() + "' ignores graphs (" + v.embedder().id() + "), so its image+graph"
                        + " mode is not run: it would repeat the image mode.");
            }
            for (CityBench c : data.cities()) {
                List<EmbedInput> inputs = CityEvaluation.inputs(c, v);
                log(config, String.format(Locale.ROOT, "%s (%s), variant '%s': %d questions, %d distinct inputs",
                        c.cityName(), c.split().label(), v.name(), questions(c), inputs.size()));
                Map<EmbedInput, float[]> vectors = store.embed(inputs, "embedding " + c.city());
                CityEvaluation eval = new CityEvaluation(c, v, vectors, config, notes);
                for (ResultRow row : eval.rows(examples, c == mapCity)) {
                    variantRows.add(row);
                    outcomes.put(row, eval.outcomes(row));
                }
            }
            rows.addAll(variantRows);
            pooled.addAll(pooledRows(variantRows, outcomes, splitsOfSeveralCities, config));
            double seconds = (System.nanoTime() - start) / 1e9;
            infos.add(new BenchResults.VariantInfo(v.name(), v.embedder().id(), v.embedder().dimension(),
                    v.usesGraphs(), v.note(), store.fromCache(), store.computed(), store.corruptEntries(), seconds));
            log(config, String.format(Locale.ROOT, "variant '%s': %d vectors from the cache, %d computed%s, %.1f s",
                    v.name(), store.fromCache(), store.computed(), store.corruptEntries() == 0 ? ""
                            : ", " + store.corruptEntries() + " damaged cache entries recomputed", seconds));
        }
        List<BenchResults.CityInfo> cities = new ArrayList<>();
        for (CityBench c : data.cities()) {
            Map<String, Integer> used = new LinkedHashMap<>();
            c.tasks().forEach((t, qs) -> used.put(t, qs.size()));
            cities.add(new BenchResults.CityInfo(c.city(), c.cityName(), c.split().label(), c.dir(),
                    c.dataset().manifest().attribution(), used, c.available()));
            c.tasks().forEach((t, qs) -> {
                if (qs.isEmpty()) {
                    notes.add(c.city() + ": task " + t + " has no questions");
                }
            });
        }
        return new BenchResults(new BenchResults.Settings(config.maxPerTask(), config.bootstrap(), config.seed(),
                Scoring.LEVEL), List.copyOf(cities), List.copyOf(infos), List.copyOf(rows), List.copyOf(pooled),
                List.copyOf(examples), List.copyOf(notes.stream().distinct().toList()));
    }

    /**
     * One variant's rows pooled per task, mode and split, for the splits of more than one city: every city's questions
     * together, resampled within their city. The seed depends on the task, split and mode only, so variants are
     * resampled alike, as the per-city rows are.
     */
    static List<ResultRow> pooledRows(List<ResultRow> rows, Map<ResultRow, List<RankOutcome>> outcomes,
            Set<String> splits, BenchConfig config) {
        Map<List<String>, List<ResultRow>> groups = new LinkedHashMap<>();
        for (ResultRow r : rows) {
            if (splits.contains(r.split())) {
                groups.computeIfAbsent(List.of(r.task(), r.mode(), r.split()), k -> new ArrayList<>()).add(r);
            }
        }
        List<ResultRow> out = new ArrayList<>();
        for (Map.Entry<List<String>, List<ResultRow>> e : groups.entrySet()) {
            List<ResultRow> group = e.getValue();
            ResultRow first = group.getFirst();
            List<List<RankOutcome>> cities = new ArrayList<>();
            int n = 0;
            int synthetic = 0;
            int dropped = 0;
            int droppedWrong = 0;
            for (ResultRow r : group) {
                List<RankOutcome> o = outcomes.get(r);
                if (o == null) {
                    throw new IllegalArgumentException("no outcomes for the row of " + r.task() + ", " + r.city());
                }
                cities.add(o);
                n += r.n();
                synthetic += r.syntheticQueries();
                dropped += r.droppedDuplicates();
                droppedWrong += r.droppedWrongDuplicates();
            }
            long seed = config.seed() * 0x9E3779B97F4A7C15L
                    ^ (first.task() + "|all " + first.split() + "|" + first.mode()).hashCode();
            out.add(new ResultRow(first.task(), first.title(), first.mode(), null, first.split(), first.variant(), n,
                    Scoring.pooled(cities, config.bootstrap(), seed), synthetic, dropped, droppedWrong,
                    pooledProbe(group)));
        }
        return out;
    }

    /**
     * The probe details of pooled probe rows: the cities' training and left-out rows summed, the class-frequency
     * floor weighted by each city's questions (as the pooled value is); no one number of classes or ridge strength,
     * since each city fits its own probe. Null for rows without a probe.
     */
    private static ResultRow.Probe pooledProbe(List<ResultRow> group) {
        if (group.stream().anyMatch(r -> r.probe() == null)) {
            return null;
        }
        int train = 0;
        int excluded = 0;
        int n = 0;
        Map<Metric, Double> prior = new EnumMap<>(Metric.class);
        for (ResultRow r : group) {
            train += r.probe().trainRows();
            excluded += r.probe().excludedRows();
            n += r.n();
            for (Metric m : Metric.ALL) {
                prior.merge(m, r.probe().prior().get(m) * r.n(), Double::sum);
            }
        }
        for (Metric m : Metric.ALL) {
            prior.put(m, prior.get(m) / n);
        }
        return new ResultRow.Probe(train, excluded, 0, Double.NaN, prior);
    }

    /** Writes {@code results.json}, {@code results.md} and {@code report.html} into {@code dir}. */
    public static void writeReports(BenchResults results, Path dir) throws IOException {
        ReportWriter.write(results, dir);
    }

    /** A plain-text table of Hit@1/3/5/10 and MRR per task, mode, variant and city, for a console. */
    public static String table(BenchResults results) {
        return ConsoleTable.render(results);
    }

    private static int questions(CityBench c) {
        return c.tasks().values().stream().mapToInt(List<BenchQuestion>::size).sum();
    }

    private static void log(BenchConfig config, String line) {
        if (config.log() != null) {
            config.log().println(line);
        }
    }
}
