package org.urbangraph.ugbench.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Percentile bootstrap intervals on cases whose answer is known. */
class BootstrapTest {

    private static Bootstrap.Interval one(double[] v, int b, long seed) {
        return Bootstrap.meanIntervals(new double[][] {v}, b, seed, 0.95)[0];
    }

    @Test
    void quantilesInterpolateLikeNumpy() {
        double[] x = {1, 2, 3, 4};
        // numpy.percentile([1, 2, 3, 4], [25, 97.5]) == [1.75, 3.925]
        assertEquals(1.75, Bootstrap.quantile(x, 0.25), 1e-12);
        assertEquals(3.925, Bootstrap.quantile(x, 0.975), 1e-12);
        assertEquals(1.0, Bootstrap.quantile(x, 0.0));
        assertEquals(4.0, Bootstrap.quantile(x, 1.0));
    }

    @Test
    void constantValuesGiveAPointInterval() {
        double[] v = new double[37];
        java.util.Arrays.fill(v, 0.4);
        Bootstrap.Interval i = one(v, 1000, 3);
        assertEquals(0.4, i.low(), 1e-15);
        assertEquals(0.4, i.high(), 1e-15);
    }

    @Test
    void twoQuestionsSpanTheWholeRange() {
        // resampled means are 0, 0.5 and 1 with probabilities 1/4, 1/2, 1/4: both tails hold far more than 2.5 %
        Bootstrap.Interval i = one(new double[] {0, 1}, 2000, 9);
        assertEquals(0.0, i.low());
        assertEquals(1.0, i.high());
    }

    @Test
    void aLargeBernoulliSampleMatchesTheNormalApproximation() {
        int n = 2000;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = i % 10 < 3 ? 1 : 0; // exactly 30 % ones
        }
        Bootstrap.Interval i = one(v, 4000, 5);
        double half = 1.959964 * Math.sqrt(0.3 * 0.7 / n); // 0.0201
        assertEquals(0.3 - half, i.low(), 0.003);
        assertEquals(0.3 + half, i.high(), 0.003);
    }

    @Test
    void seededAndPairedAcrossMetrics() {
        double[] a = new double[50];
        double[] b = new double[50];
        for (int i = 0; i < a.length; i++) {
            a[i] = (i * 7919 % 13) / 13.0;
            b[i] = 2 * a[i];
        }
        Bootstrap.Interval[] x = Bootstrap.meanIntervals(new double[][] {a, b}, 1000, 42, 0.95);
        Bootstrap.Interval[] y = Bootstrap.meanIntervals(new double[][] {a, b}, 1000, 42, 0.95);
        assertEquals(x[0], y[0], "same seed, same interval");
        // the same resampled index sets for every metric: b = 2a gives exactly twice the interval
        assertEquals(2 * x[0].low(), x[1].low(), 1e-12);
        assertEquals(2 * x[0].high(), x[1].high(), 1e-12);
        Bootstrap.Interval z = Bootstrap.meanIntervals(new double[][] {a}, 1000, 43, 0.95)[0];
        assertNotEquals(x[0], z, "another seed resamples differently");
        double mean = java.util.Arrays.stream(a).average().orElseThrow();
        assertTrue(x[0].low() < mean && mean < x[0].high());
    }

    @Test
    void citiesOfConstantValuesPoolToTheirWeightedMeanExactly() {
        double[] ones = new double[30];
        java.util.Arrays.fill(ones, 1);
        double[] zeros = new double[10];
        // resampling within each city keeps 30 ones and 10 zeros in every resample: a point interval at 0.75
        Bootstrap.Interval pooled = Bootstrap.stratifiedMeanIntervals(
                java.util.List.of(new double[][] {ones}, new double[][] {zeros}), 1000, 7, 0.95)[0];
        assertEquals(0.75, pooled.low(), 1e-15);
        assertEquals(0.75, pooled.high(), 1e-15);
        // a plain resample of the forty questions mixes the cities by chance and spreads around 0.75
        double[] all = new double[40];
        System.arraycopy(ones, 0, all, 0, 30);
        Bootstrap.Interval plain = one(all, 1000, 7);
        assertTrue(plain.low() < 0.70 && plain.high() > 0.80, plain.toString());
    }

    @Test
    void pooledBernoulliCitiesMatchTheStratifiedNormalApproximation() {
        double[] a = new double[1000];
        double[] b = new double[3000];
        for (int i = 0; i < a.length; i++) {
            a[i] = i % 10 < 3 ? 1 : 0; // 30 %
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = i % 5 < 3 ? 1 : 0; // 60 %
        }
        Bootstrap.Interval i = Bootstrap.stratifiedMeanIntervals(
                java.util.List.of(new double[][] {a}, new double[][] {b}), 4000, 11, 0.95)[0];
        // mean (300 + 1800) / 4000 = 0.525; variance (1000 * 0.21 + 3000 * 0.24) / 4000^2, half width 0.01494
        double half = 1.959964 * Math.sqrt((1000 * 0.21 + 3000 * 0.24) / (4000.0 * 4000.0));
        assertEquals(0.525 - half, i.low(), 0.002);
        assertEquals(0.525 + half, i.high(), 0.002);
    }

    @Test
    void stratifiedInputIsChecked() {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Bootstrap.stratifiedMeanIntervals(java.util.List.of(), 100, 1, 0.95));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Bootstrap.stratifiedMeanIntervals(java.util.List.of(new double[2][3], new double[1][3]), 100, 1,
                        0.95));
        assertTrue(e.getMessage().contains("2 and 1 metrics"), e.getMessage());
    }
}
