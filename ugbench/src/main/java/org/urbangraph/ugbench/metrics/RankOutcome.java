package org.urbangraph.ugbench.metrics;

/**
 * Where the truth landed among the candidates of one question: how many candidates scored strictly higher
 * ({@code better}) and how many other candidates scored exactly the same ({@code tied}).
 *
 * <p>Ties are broken uniformly at random in expectation: the truth's rank is equally likely to be any of
 * {@code better + 1 .. better + tied + 1}, and Hit@K and the reciprocal rank are averaged over those positions. So a
 * constant embedder (every candidate tied) scores exactly chance, neither 1.0 (ties to the truth's favour) nor 0.0
 * (ties against it), and no embedder gains from collapsing its vectors.
 *
 * @param better candidates scored strictly above the truth
 * @param tied other candidates scored exactly like the truth
 * @param candidates all candidates, the truth included
 */
public record RankOutcome(int better, int tied, int candidates) {

    public RankOutcome {
        if (better < 0 || tied < 0 || better + tied + 1 > candidates) {
            throw new IllegalArgumentException("impossible ranking: " + better + " better and " + tied
                    + " tied among " + candidates + " candidates");
        }
    }

    /** What a ranking with no information gives: every candidate tied. */
    public static RankOutcome chance(int candidates) {
        return new RankOutcome(0, candidates - 1, candidates);
    }

    /**
     * The truth's outcome for one question.
     *
     * @param scores one score per candidate (higher is better); must be finite
     * @param truth index of the truth
     */
    public static RankOutcome of(double[] scores, int truth) {
        double t = scores[truth];
        if (!Double.isFinite(t)) {
            throw new IllegalArgumentException("the truth's score is " + t);
        }
        int better = 0;
        int tied = 0;
        for (int i = 0; i < scores.length; i++) {
            if (i == truth) {
                continue;
            }
            if (!Double.isFinite(scores[i])) {
                throw new IllegalArgumentException("candidate " + i + " has score " + scores[i]);
            }
            if (scores[i] > t) {
                better++;
            } else if (scores[i] == t) {
                tied++;
            }
        }
        return new RankOutcome(better, tied, scores.length);
    }

    /** The rank of the truth (1 = first) when ties fall against it. */
    public int worstRank() {
        return better + tied + 1;
    }

    /** Expected Hit@K: the share of the truth's equally likely ranks that are at most {@code k}. */
    public double hit(int k) {
        int inside = Math.clamp(k - better, 0, tied + 1);
        return inside / (double) (tied + 1);
    }

    /** Expected reciprocal rank over the truth's equally likely ranks. */
    public double reciprocalRank() {
        double sum = 0;
        for (int r = better + 1; r <= better + tied + 1; r++) {
            sum += 1.0 / r;
        }
        return sum / (tied + 1);
    }
}
