package org.urbangraph.ugdata.geo;

/**
 * A local east/north frame in metres around an origin (equirectangular projection). Within a few kilometres of
 * the origin its distances agree with haversine to better than 0.1 %, which is what projecting a point onto a
 * street, rendering a street view or measuring a polygon needs; long distances use {@link Geo#haversine}.
 */
public record LocalFrame(double originLon, double originLat, double metresPerDegLon, double metresPerDegLat) {

    public static LocalFrame at(double lon, double lat) {
        double perDeg = StrictMath.toRadians(1.0) * Geo.EARTH_RADIUS_M;
        return new LocalFrame(lon, lat, perDeg * StrictMath.cos(StrictMath.toRadians(lat)), perDeg);
    }

    public double x(double lon) {
        return (lon - originLon) * metresPerDegLon;
    }

    public double y(double lat) {
        return (lat - originLat) * metresPerDegLat;
    }

    public double lon(double x) {
        return originLon + x / metresPerDegLon;
    }

    public double lat(double y) {
        return originLat + y / metresPerDegLat;
    }

    /** Degrees of longitude that span {@code metres} here (for search envelopes). */
    public double degLon(double metres) {
        return metres / metresPerDegLon;
    }

    /** Degrees of latitude that span {@code metres}. */
    public double degLat(double metres) {
        return metres / metresPerDegLat;
    }
}
