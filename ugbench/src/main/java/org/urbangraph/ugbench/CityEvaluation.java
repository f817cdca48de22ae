package org.urbangraph.ugbench;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.urbangraph.ugbench.embed.Vectors;
import org.urbangraph.ugbench.metrics.Estimate;
import org.urbangraph.ugbench.metrics.Metric;
import org.urbangraph.ugbench.metrics.RankOutcome;
import org.urbangraph.ugbench.metrics.Scoring;
import org.urbangraph.ugbench.probe.RidgeProbe;
import org.urbangraph.ugbench.task.BenchQuestion;
import org.urbangraph.ugbench.task.CityBench;
import org.urbangraph.ugbench.task.QueryMode;
import org.urbangraph.ugbench.task.TaskCatalog;
import org.urbangraph.ugdata.dataset.BenchSample;
import org.urbangraph.uge.embed.EmbedInput;

/**
 * Scores one city's questions for one variant, given the vectors of every input: cosine ranking of the candidates for
 * every task and mode, and the linear probe of each perception task.
 */
final class CityEvaluation {
    private final CityBench city;
    private final BenchVariant variant;
    private final Map<EmbedInput, float[]> vectors;
    private final BenchConfig config;
    private final List<String> notes;
    /** The questions' outcomes behind each row, for pooling cities (rows are records: keyed by identity). */
    private final Map<ResultRow, List<RankOutcome>> outcomes = new IdentityHashMap<>();

    CityEvaluation(CityBench city, BenchVariant variant, Map<EmbedInput, float[]> vectors, BenchConfig config,
            List<String> notes) {
        this.city = city;
        this.variant = variant;
        this.vectors = vectors;
        this.config = config;
        this.notes = notes;
    }

    /** The inputs this variant needs for a city: queries in the modes it runs, and every candidate. */
    static List<EmbedInput> inputs(CityBench city, BenchVariant variant) {
        Set<EmbedInput> all = new LinkedHashSet<>();
        for (List<BenchQuestion> qs : city.tasks().values()) {
            for (BenchQuestion q : qs) {
                q.queries().forEach((mode, in) -> {
                    if (runs(variant, mode)) {
                        all.add(in);
                    }
                });
                all.addAll(q.candidates());
            }
        }
        return List.copyOf(all);
    }

    static boolean runs(BenchVariant variant, QueryMode mode) {
        return variant.usesGraphs() || !mode.usesGraph();
    }

    /** The modes asked in a task, in the order the rows list them. */
    static List<QueryMode> modes(List<BenchQuestion> qs) {
        Set<QueryMode> modes = new LinkedHashSet<>();
        for (BenchQuestion q : qs) {
            for (String m : q.sample().modes()) {
                modes.add(QueryMode.fromLabel(m));
            }
        }
        return List.copyOf(modes);
    }

    List<ResultRow> rows(List<QueryExample> examples, boolean drawMaps) {
        List<ResultRow> rows = new ArrayList<>();
        for (Map.Entry<String, List<BenchQuestion>> e : city.tasks().entrySet()) {
            String task = e.getKey();
            List<BenchQuestion> qs = e.getValue();
            if (qs.isEmpty()) {
                continue;
            }
            boolean mapped = false;
            List<QueryMode> modes = modes(qs);
            for (QueryMode mode : modes) {
                if (!runs(variant, mode)) {
                    continue;
                }
                rows.add(ranking(task, mode, qs));
                if (drawMaps && !mapped && (mode.usesGraph() || !modes.contains(QueryMode.IMAGE_GRAPH)
                        || !variant.usesGraphs())) {
                    examples.addAll(examples(task, mode, qs));
                    mapped = true;
                }
                if (TaskCatalog.isPerception(task)) {
                    ResultRow probe = probe(task, mode, qs);
                    if (probe != null) {
                        rows.add(probe);
                    }
                }
            }
        }
        return rows;
    }

    private long seed(String task, QueryMode mode) {
        // the same for every variant, so variants are resampled alike (a paired comparison)
        return config.seed() * 0x9E3779B97F4A7C15L ^ (task + "|" + city.city() + "|" + mode.label()).hashCode();
    }

    /**
     * Cosine similarities, each vector normalised in double precision: embedders may return vectors up to 1e-2 off
     * unit norm, and a raw dot product would rank a longer vector above a closer one.
     */
    private double[] scores(EmbedInput query, List<EmbedInput> candidates) {
        float[] qv = vector(query);
        double qn = Vectors.norm(qv);
        double[] s = new double[candidates.size()];
        for (int i = 0; i < s.length; i++) {
            float[] cv = vector(candidates.get(i));
            s[i] = Vectors.dot(qv, cv) / (qn * Vectors.norm(cv));
        }
        return s;
    }

    private float[] vector(EmbedInput in) {
        float[] v = vectors.get(in);
        if (v == null) {
            throw new IllegalStateException("no vector for an input of kind " + in.kind());
        }
        return v;
    }

    private ResultRow ranking(String task, QueryMode mode, List<BenchQuestion> qs) {
        List<RankOutcome> outcomes = new ArrayList<>();
        int synthetic = 0;
        int dropped = 0;
        int droppedWrong = 0;
        for (BenchQuestion q : qs) {
            EmbedInput query = q.queries().get(mode);
            if (query == null) {
                continue;
            }
            double[] s = scores(query, q.candidates());
            try {
                outcomes.add(RankOutcome.of(s, q.answer()));
            } catch (IllegalArgumentException ex) {
                throw new IllegalStateException(q.sample().source() + ": " + ex.getMessage(), ex);
            }
            synthetic += q.sample().synthetic() ? 1 : 0;
            dropped += q.droppedDuplicates();
            droppedWrong += q.droppedWrongDuplicates();
        }
        ResultRow row = new ResultRow(task, TaskCatalog.title(task), mode.label(), city.city(),
                city.split().label(), variant.name(), outcomes.size(),
                Scoring.estimate(outcomes, config.bootstrap(), seed(task, mode)), synthetic, dropped, droppedWrong,
                null);
        this.outcomes.put(row, List.copyOf(outcomes));
        return row;
    }

    /** The outcomes behind a row this evaluation returned. */
    List<RankOutcome> outcomes(ResultRow row) {
        List<RankOutcome> o = outcomes.get(row);
        if (o == null) {
            throw new IllegalArgumentException("not a row of this evaluation: " + row.task() + ", " + row.city());
        }
        return o;
    }

    private ResultRow probe(String task, QueryMode mode, List<BenchQuestion> qs) {
        String probeTask = task + TaskCatalog.PROBE_SUFFIX;
        List<String> classIds = qs.getFirst().sample().candidates().stream().map(BenchSample.Candidate::id).toList();
        List<BenchQuestion> train = new ArrayList<>();
        List<BenchQuestion> test = new ArrayList<>();
        for (BenchQuestion q : qs) {
            List<String> ids = q.sample().candidates().stream().map(BenchSample.Candidate::id).toList();
            if (!ids.equals(classIds)) {
                throw new IllegalStateException(q.sample().source() + ": the classes " + ids + " differ from "
                        + classIds + " of " + qs.getFirst().sample().source() + "; a probe needs one label set");
            }
            if (q.queries().containsKey(mode)) {
                ("train".equals(q.sample().fold()) ? train : test).add(q);
            }
        }
        Map<String, Integer> seen = new LinkedHashMap<>();
        for (BenchQuestion q : train) {
            seen.putIfAbsent(q.sample().label(), seen.size());
        }
        String where = probeTask + ", " + city.city();
        if (seen.size() < 2 || test.isEmpty()) {
            notes.add(where + ": no linear probe: the training fold has " + train.size() + " rows of " + seen.size()
                    + " class(es) and the test fold " + test.size() + " rows; it needs two classes and a test row");
            return null;
        }
        float[][] x = new float[train.size()][];
        int[] y = new int[train.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = vector(train.get(i).queries().get(mode));
            y[i] = seen.get(train.get(i).sample().label());
        }
        List<BenchQuestion> usable = test.stream().filter(q -> seen.containsKey(q.sample().label())).toList();
        int excluded = test.size() - usable.size();
        if (usable.isEmpty()) {
            notes.add(where + ": no linear probe: no test row has a class of the training fold");
            return null;
        }
        float[][] xt = new float[usable.size()][];
        for (int i = 0; i < xt.length; i++) {
            xt[i] = vector(usable.get(i).queries().get(mode));
        }
        RidgeProbe.Fit fit = RidgeProbe.fitPredict(x, y, seen.size(), xt);
        double[] prior = new double[seen.size()];
        for (int label : y) {
            prior[label]++;
        }
        List<RankOutcome> outcomes = new ArrayList<>();
        List<RankOutcome> priorOutcomes = new ArrayList<>();
        int synthetic = 0;
        for (int i = 0; i < usable.size(); i++) {
            int truth = seen.get(usable.get(i).sample().label());
            outcomes.add(RankOutcome.of(fit.scores()[i], truth));
            priorOutcomes.add(RankOutcome.of(prior, truth));
            synthetic += usable.get(i).sample().synthetic() ? 1 : 0;
        }
        Map<Metric, Double> priorValues = new EnumMap<>(Metric.class);
        for (Metric m : Metric.ALL) {
            priorValues.put(m, priorOutcomes.stream().mapToDouble(m::of).average().orElse(Double.NaN));
        }
        Map<Metric, Estimate> est = Scoring.estimate(outcomes, config.bootstrap(), seed(probeTask, mode));
        ResultRow row = new ResultRow(probeTask, TaskCatalog.title(probeTask), mode.label(), city.city(),
                city.split().label(), variant.name(), outcomes.size(), est, synthetic, 0, 0,
                new ResultRow.Probe(train.size(), excluded, seen.size(), fit.lambda(), priorValues));
        this.outcomes.put(row, List.copyOf(outcomes));
        return row;
    }

    /** The first few questions of a task whose candidates have coordinates, with the truth and the top five. */
    private List<QueryExample> examples(String task, QueryMode mode, List<BenchQuestion> qs) {
        List<QueryExample> out = new ArrayList<>();
        for (BenchQuestion q : qs) {
            if (out.size() >= config.mapQueries()) {
                break;
            }
            BenchSample s = q.sample();
            EmbedInput query = q.queries().get(mode);
            if (query == null || Double.isNaN(s.query().lon()) || Double.isNaN(s.truth().lon())) {
                continue;
            }
            double[] sc = scores(query, q.candidates());
            Integer[] order = new Integer[sc.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            // best first; the truth after the candidates it ties with, as its rank counts ties against it
            int truth = q.answer();
            java.util.Arrays.sort(order, (a, b) -> sc[a] != sc[b] ? Double.compare(sc[b], sc[a])
                    : Boolean.compare(a == truth, b == truth));
            List<QueryExample.Pick> top = new ArrayList<>();
            for (int r = 0; r < Math.min(5, order.length); r++) {
                top.add(pick(q, order[r], sc[order[r]]));
            }
            out.add(new QueryExample(task, mode.label(), city.city(), variant.name(), s.id(), s.query().image(),
                    s.query().text(), s.query().lon(), s.query().lat(), s.query().headingDeg(),
                    pick(q, q.answer(), sc[q.answer()]), top, RankOutcome.of(sc, q.answer()).worstRank(), city.dir()));
        }
        return out;
    }

    private static QueryExample.Pick pick(BenchQuestion q, int i, double score) {
        BenchSample.Candidate c = q.candidate(i);
        String text = c.text() != null ? c.text() : c.id();
        return new QueryExample.Pick(c.id(), text, c.lon(), c.lat(), score, i == q.answer());
    }
}
