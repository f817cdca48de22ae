package org.urbangraph.ugbench.metrics;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** Turns the outcomes of a set of questions into {@link Estimate}s of every {@link Metric}. */
public final class Scoring {
    private Scoring() {}

    public static final double LEVEL = 0.95;

    public static Map<Metric, Estimate> estimate(List<RankOutcome> outcomes, int resamples, long seed) {
        return pooled(List.of(outcomes), resamples, seed);
    }

    /**
     * Estimates over the questions of several cities together: each value is the mean over all their questions (each
     * city weighted by its questions), its interval a bootstrap that resamples within each city
     * ({@link Bootstrap#stratifiedMeanIntervals}).
     */
    public static Map<Metric, Estimate> pooled(List<List<RankOutcome>> cities, int resamples, long seed) {
        List<double[][]> strata = new ArrayList<>();
        double[] sum = new double[Metric.ALL.size()];
        double[] chance = new double[Metric.ALL.size()];
        int n = 0;
        for (List<RankOutcome> outcomes : cities) {
            double[][] values = new double[Metric.ALL.size()][outcomes.size()];
            for (int i = 0; i < outcomes.size(); i++) {
                RankOutcome o = outcomes.get(i);
                RankOutcome c = RankOutcome.chance(o.candidates());
                for (Metric m : Metric.ALL) {
                    values[m.ordinal()][i] = m.of(o);
                    sum[m.ordinal()] += values[m.ordinal()][i];
                    chance[m.ordinal()] += m.of(c);
                }
            }
            strata.add(values);
            n += outcomes.size();
        }
        Bootstrap.Interval[] ci = Bootstrap.stratifiedMeanIntervals(strata, resamples, seed, LEVEL);
        Map<Metric, Estimate> out = new EnumMap<>(Metric.class);
        for (Metric m : Metric.ALL) {
            out.put(m, new Estimate(n == 0 ? Double.NaN : sum[m.ordinal()] / n, ci[m.ordinal()].low(),
                    ci[m.ordinal()].high(), n == 0 ? Double.NaN : chance[m.ordinal()] / n));
        }
        return out;
    }
}
