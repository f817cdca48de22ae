package org.urbangraph.ugbench.metrics;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** Turns the outcomes of a set of questions into {@link Estimate}s of every {@link Metric}. */
public final class Scoring {
    private Scoring() {}

    public static final double LEVEL = 0.95;

    public static Map<Metric, Estimate> estimate(List<RankOutcome> outcomes, int resamples, long seed) {
        int n = outcomes.size();
        double[][] values = new double[Metric.ALL.size()][n];
        double[] chance = new double[Metric.ALL.size()];
        for (int i = 0; i < n; i++) {
            RankOutcome o = outcomes.get(i);
            RankOutcome c = RankOutcome.chance(o.candidates());
            for (Metric m : Metric.ALL) {
                values[m.ordinal()][i] = m.of(o);
                chance[m.ordinal()] += m.of(c);
            }
        }
        Bootstrap.Interval[] ci = Bootstrap.meanIntervals(values, resamples, seed, LEVEL);
        Map<Metric, Estimate> out = new EnumMap<>(Metric.class);
        for (Metric m : Metric.ALL) {
            double sum = 0;
            for (double v : values[m.ordinal()]) {
                sum += v;
            }
            out.put(m, new Estimate(n == 0 ? Double.NaN : sum / n, ci[m.ordinal()].low(), ci[m.ordinal()].high(),
                    n == 0 ? Double.NaN : chance[m.ordinal()] / n));
        }
        return out;
    }
}
