package org.urbangraph.ugdata.dataset;

/** Whether a city's data is for training or held out for evaluation. */
public enum Split {
    TRAIN("train"),
    HELD_OUT("held-out");

    private final String label;

    Split(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static Split fromLabel(String s) {
        for (Split v : values()) {
            if (v.label.equalsIgnoreCase(s) || v.name().equalsIgnoreCase(s)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown split '" + s + "'; expected 'train' or 'held-out'");
    }
}
