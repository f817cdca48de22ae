package org.urbangraph.ugbench.metrics;

import java.util.List;

/** The reported metrics, with the keys they carry in {@code results.json}. */
public enum Metric {
    HIT_1("hit@1", "Hit@1"),
    HIT_3("hit@3", "Hit@3"),
    HIT_5("hit@5", "Hit@5"),
    HIT_10("hit@10", "Hit@10"),
    MRR("mrr", "MRR");

    public static final List<Metric> ALL = List.of(values());
    public static final List<Metric> HITS = List.of(HIT_1, HIT_3, HIT_5, HIT_10);

    private final String key;
    private final String label;

    Metric(String key, String label) {
        this.key = key;
        this.label = label;
    }

    /** Key in {@code results.json}: {@code hit@1} ... {@code mrr}. */
    public String key() {
        return key;
    }

    /** Column header in reports. */
    public String label() {
        return label;
    }

    public double of(RankOutcome o) {
        return switch (this) {
            case HIT_1 -> o.hit(1);
            case HIT_3 -> o.hit(3);
            case HIT_5 -> o.hit(5);
            case HIT_10 -> o.hit(10);
            case MRR -> o.reciprocalRank();
        };
    }
}
