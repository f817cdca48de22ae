package org.urbangraph.graph;

/**
 * A position in degrees, longitude first, as the reference stores a node's {@code coords} attribute. Both values
 * must be finite and within their ranges; anything else is a data error caught where the graph is built.
 */
public record LonLat(double lon, double lat) {
    public LonLat {
        if (!Double.isFinite(lon) || lon < -180 || lon > 180) {
            throw new IllegalArgumentException("longitude must be a finite number of degrees in [-180, 180], got " + lon);
        }
        if (!Double.isFinite(lat) || lat < -90 || lat > 90) {
            throw new IllegalArgumentException("latitude must be a finite number of degrees in [-90, 90], got " + lat);
        }
    }

    @Override
    public String toString() {
        return "(" + lon + ", " + lat + ")";
    }
}
