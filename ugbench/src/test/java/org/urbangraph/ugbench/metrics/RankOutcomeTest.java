package org.urbangraph.ugbench.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Hit@K and MRR on hand-made rankings with known answers, ties included. */
class RankOutcomeTest {

    @Test
    void truthSecondOfFour() {
        RankOutcome o = RankOutcome.of(new double[] {0.9, 0.1, 0.5, 0.3}, 2);
        assertEquals(new RankOutcome(1, 0, 4), o);
        assertEquals(0.0, o.hit(1));
        assertEquals(1.0, o.hit(3));
        assertEquals(1.0, o.hit(10));
        assertEquals(0.5, o.reciprocalRank());
        assertEquals(2, o.worstRank());
    }

    @Test
    void truthFirstAndTruthLast() {
        RankOutcome first = RankOutcome.of(new double[] {0.2, 0.8, 0.1}, 1);
        for (Metric m : Metric.ALL) {
            assertEquals(1.0, m.of(first), m.key());
        }
        double[] s = new double[12];
        for (int i = 0; i < s.length; i++) {
            s[i] = 1.0 - i / 12.0; // index 11 scores lowest
        }
        RankOutcome last = RankOutcome.of(s, 11);
        assertEquals(12, last.worstRank());
        assertEquals(0.0, last.hit(10));
        assertEquals(1 / 12.0, last.reciprocalRank(), 1e-15);
    }

    @Test
    void tiesCountAsTheExpectedValueOfARandomTieBreak() {
        // truth tied with two others behind one better candidate: ranks 2, 3 or 4, each with probability 1/3
        RankOutcome o = RankOutcome.of(new double[] {0.5, 0.5, 0.5, 0.9}, 0);
        assertEquals(new RankOutcome(1, 2, 4), o);
        assertEquals(0.0, o.hit(1));
        assertEquals(2 / 3.0, o.hit(3), 1e-15);
        assertEquals(1.0, o.hit(5));
        assertEquals((1 / 2.0 + 1 / 3.0 + 1 / 4.0) / 3, o.reciprocalRank(), 1e-15);
        assertEquals(4, o.worstRank());
    }

    @Test
    void aConstantEmbedderScoresExactlyChance() {
        double[] flat = new double[20];
        RankOutcome o = RankOutcome.of(flat, 7);
        assertEquals(RankOutcome.chance(20), o);
        assertEquals(1 / 20.0, o.hit(1), 1e-15);
        assertEquals(3 / 20.0, o.hit(3), 1e-15);
        assertEquals(10 / 20.0, o.hit(10), 1e-15);
        double harmonic = 0;
        for (int r = 1; r <= 20; r++) {
            harmonic += 1.0 / r;
        }
        assertEquals(harmonic / 20, o.reciprocalRank(), 1e-15);
    }

    /** Reference: the truth's rank under every ordering of the candidates used as a tie-breaker, averaged. */
    @Test
    void agreesWithEveryTieBreakingOrderEnumerated() {
        SplittableRandom rnd = new SplittableRandom(4);
        for (int trial = 0; trial < 200; trial++) {
            int n = 2 + rnd.nextInt(5);
            double[] s = new double[n];
            for (int i = 0; i < n; i++) {
                s[i] = rnd.nextInt(3); // many ties
            }
            int truth = rnd.nextInt(n);
            RankOutcome o = RankOutcome.of(s, truth);
            double[] expected = new double[Metric.ALL.size()];
            List<int[]> perms = permutations(n);
            for (int[] tieBreak : perms) {
                List<Integer> order = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    order.add(i);
                }
                order.sort(Comparator.comparingDouble((Integer i) -> -s[i]).thenComparingInt(i -> tieBreak[i]));
                int rank = order.indexOf(truth) + 1;
                for (Metric m : Metric.ALL) {
                    expected[m.ordinal()] += switch (m) {
                        case HIT_1 -> rank <= 1 ? 1 : 0;
                        case HIT_3 -> rank <= 3 ? 1 : 0;
                        case HIT_5 -> rank <= 5 ? 1 : 0;
                        case HIT_10 -> rank <= 10 ? 1 : 0;
                        case MRR -> 1.0 / rank;
                    };
                }
            }
            for (Metric m : Metric.ALL) {
                assertEquals(expected[m.ordinal()] / perms.size(), m.of(o), 1e-12, m.key() + " trial " + trial);
            }
        }
    }

    @Test
    void nonFiniteScoresAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> RankOutcome.of(new double[] {Double.NaN, 1}, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RankOutcome.of(new double[] {1, Double.NaN}, 0));
        assertTrue(e.getMessage().contains("candidate 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new RankOutcome(3, 0, 3));
    }

    @Test
    void scoringAveragesOverQuestionsAndGivesChance() {
        // ranks 1, 2 and 4 among 4 candidates
        List<RankOutcome> os = List.of(new RankOutcome(0, 0, 4), new RankOutcome(1, 0, 4), new RankOutcome(3, 0, 4));
        Map<Metric, Estimate> e = Scoring.estimate(os, 500, 1);
        assertEquals(1 / 3.0, e.get(Metric.HIT_1).value(), 1e-15);
        assertEquals(2 / 3.0, e.get(Metric.HIT_3).value(), 1e-15);
        assertEquals(1.0, e.get(Metric.HIT_5).value(), 1e-15);
        assertEquals((1 + 0.5 + 0.25) / 3, e.get(Metric.MRR).value(), 1e-15);
        assertEquals(0.25, e.get(Metric.HIT_1).chance(), 1e-15);
        assertEquals(0.75, e.get(Metric.HIT_3).chance(), 1e-15);
        assertEquals((1 + 0.5 + 1 / 3.0 + 0.25) / 4, e.get(Metric.MRR).chance(), 1e-15);
        for (Estimate x : e.values()) {
            assertTrue(x.low() <= x.value() && x.value() <= x.high(), x.toString());
        }
        assertEquals(1.0, e.get(Metric.HIT_5).low());
        assertEquals(1.0, e.get(Metric.HIT_5).high());
    }

    private static List<int[]> permutations(int n) {
        List<int[]> out = new ArrayList<>();
        permute(new int[n], new boolean[n], 0, out);
        return out;
    }

    private static void permute(int[] p, boolean[] used, int at, List<int[]> out) {
        if (at == p.length) {
            out.add(p.clone());
            return;
        }
        for (int v = 0; v < p.length; v++) {
            if (!used[v]) {
                used[v] = true;
                p[at] = v;
                permute(p, used, at + 1, out);
                used[v] = false;
            }
        }
    }
}
