package org.urbangraph.ugdata.graph;

import java.util.Locale;

/** The node types of a UGData spatial graph; {@link #label()} is the {@code type} written in graph files. */
public enum NodeKind {
    POI,
    STREET,
    CROSSING,
    IMAGE,
    AREA;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static NodeKind fromLabel(String label) {
        for (NodeKind k : values()) {
            if (k.label().equals(label)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown node type '" + label + "'; expected one of poi, street, crossing, image, area");
    }
}
