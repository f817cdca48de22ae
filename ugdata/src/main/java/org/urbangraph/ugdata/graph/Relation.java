package org.urbangraph.ugdata.graph;

import java.util.Locale;

/**
 * Edge relation types, named as in the UGE authors' data ({@code on_same_street}, {@code complex_crossing} ...).
 * The precise meaning of each, and of its length and bearing, is documented in {@code ugdata/README.md}.
 */
public enum Relation {
    /** crossing -> next crossing along the same street; length measured along the street. */
    ON_SAME_STREET,
    /** street -> street meeting at a crossing of exactly two named streets. */
    INTERSECTION,
    /** street -> street meeting at a crossing of three or more named streets. */
    COMPLEX_CROSSING,
    /** point (POI, crossing, image) -> its nearest street; length is the perpendicular distance. */
    NEAREST,
    /** point -> point within the near radius. */
    NEAR,
    /** area -> point lying inside the area's polygon. */
    BOUNDS,
    /** street -> area whose polygon the street crosses or touches. */
    INTERSECTS;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The label of this relation read against the edge's direction, as a reasoning path states a step that walks
     * an edge backwards: {@code bounds} (area -> point inside) becomes {@code within} (point -> its area),
     * {@code nearest} (point -> its nearest street) becomes {@code nearest_street_of} (street -> the point it is
     * nearest to); the symmetric relations ({@code on_same_street}, {@code intersection}, {@code complex_crossing},
     * {@code near}, {@code intersects}) read the same both ways.
     */
    public String inverseLabel() {
        return switch (this) {
            case BOUNDS -> "within";
            case NEAREST -> "nearest_street_of";
            default -> label();
        };
    }

    public static Relation fromLabel(String label) {
        for (Relation r : values()) {
            if (r.label().equals(label)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown relation '" + label + "'");
    }
}
