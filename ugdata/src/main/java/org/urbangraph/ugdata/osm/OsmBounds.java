package org.urbangraph.ugdata.osm;

/** A lon/lat box; {@link #contains} tests with a margin in metres so that points just outside still count. */
public record OsmBounds(double minLon, double minLat, double maxLon, double maxLat) {

    public boolean contains(double lon, double lat, double marginM) {
        double dLat = marginM / 111_195.0;
        double dLon = dLat / Math.max(0.01, Math.cos(Math.toRadians((minLat + maxLat) / 2)));
        return lon >= minLon - dLon && lon <= maxLon + dLon && lat >= minLat - dLat && lat <= maxLat + dLat;
    }

    public double centerLon() {
        return (minLon + maxLon) / 2;
    }

    public double centerLat() {
        return (minLat + maxLat) / 2;
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "%.6f,%.6f,%.6f,%.6f", minLon, minLat, maxLon, maxLat);
    }
}
