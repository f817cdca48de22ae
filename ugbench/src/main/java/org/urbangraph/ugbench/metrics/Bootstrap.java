package org.urbangraph.ugbench.metrics;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Percentile bootstrap intervals of means. Questions are resampled with replacement (within their city, when cities
 * are pooled); every metric uses the same resampled index sets, so the intervals of one row belong together, and two
 * variants evaluated on the same questions with the same seed are resampled identically (a paired comparison).
 * Quantiles interpolate linearly between order statistics, as {@code numpy.percentile} does by default.
 */
public final class Bootstrap {
    private Bootstrap() {}

    /** A closed interval. */
    public record Interval(double low, double high) {}

    /**
     * The {@code level} (e.g. 0.95) interval of the mean of each row of {@code values} ({@code values[m][i]}: metric
     * m of question i).
     */
    public static Interval[] meanIntervals(double[][] values, int resamples, long seed, double level) {
        return stratifiedMeanIntervals(List.<double[][]>of(values), resamples, seed, level);
    }

    /**
     * The same for questions drawn from several strata (the cities of a split pooled): each resample draws every
     * stratum's own number of questions from that stratum alone, so the pooled mean keeps each city's weight and the
     * interval reflects the spread within cities, not the chance mix of cities a plain resample would add. With one
     * stratum this is {@link #meanIntervals} draw for draw.
     *
     * @param strata {@code strata.get(s)[m][i]}: metric m of question i of stratum s; every stratum has the same
     *     metrics
     */
    public static Interval[] stratifiedMeanIntervals(List<double[][]> strata, int resamples, long seed, double level) {
        if (resamples < 1) {
            throw new IllegalArgumentException("resamples must be at least 1, got " + resamples);
        }
        if (!(level > 0 && level < 1)) {
            throw new IllegalArgumentException("level must lie in (0, 1), got " + level);
        }
        if (strata.isEmpty()) {
            throw new IllegalArgumentException("no stratum to resample");
        }
        int m = strata.getFirst().length;
        int total = 0;
        for (double[][] s : strata) {
            if (s.length != m) {
                throw new IllegalArgumentException("strata with " + m + " and " + s.length + " metrics");
            }
            total += m == 0 ? 0 : s[0].length;
        }
        Interval[] out = new Interval[m];
        if (total == 0) {
            Arrays.fill(out, new Interval(Double.NaN, Double.NaN));
            return out;
        }
        double[][] means = new double[m][resamples];
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] sums = new double[m];
        for (int b = 0; b < resamples; b++) {
            Arrays.fill(sums, 0);
            for (double[][] values : strata) {
                int n = m == 0 ? 0 : values[0].length;
                for (int i = 0; i < n; i++) {
                    int pick = rnd.nextInt(n);
                    for (int k = 0; k < m; k++) {
                        sums[k] += values[k][pick];
                    }
                }
            }
            for (int k = 0; k < m; k++) {
                means[k][b] = sums[k] / total;
            }
        }
        double alpha = (1 - level) / 2;
        for (int k = 0; k < m; k++) {
            Arrays.sort(means[k]);
            out[k] = new Interval(quantile(means[k], alpha), quantile(means[k], 1 - alpha));
        }
        return out;
    }

    /** Quantile {@code p} of sorted values, linear between order statistics (numpy's default). */
    static double quantile(double[] sorted, double p) {
        double h = (sorted.length - 1) * p;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }
}
