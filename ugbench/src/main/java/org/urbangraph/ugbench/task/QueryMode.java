package org.urbangraph.ugbench.task;

/** How a question's query is given to the embedder; the labels are those of the task files' {@code modes}. */
public enum QueryMode {
    /** The query image with the question as its instruction. */
    IMAGE("image"),
    /** Fusion: the query image and its spatial subgraph, with the question as instruction. */
    IMAGE_GRAPH("image+graph"),
    /** The query text alone. */
    TEXT("text");

    private final String label;

    QueryMode(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public boolean usesGraph() {
        return this == IMAGE_GRAPH;
    }

    public static QueryMode fromLabel(String s) {
        for (QueryMode m : values()) {
            if (m.label.equals(s)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown query mode '" + s + "'; expected image, image+graph or text");
    }
}
