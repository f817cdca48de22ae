package org.urbangraph.ugdata.geo;

/**
 * Distances and directions on the WGS84 sphere, in the forms the UGData text uses: haversine metres, initial
 * bearings in degrees clockwise from north, and compass words.
 *
 * <p>The sphere radius is the IUGG mean Earth radius; at city scale the error against the ellipsoid is below
 * 0.5 %, far below what the captions and reasoning paths print. Trigonometry uses {@link StrictMath} so that
 * a dataset built from the same inputs and seed has the same bytes on every machine.
 */
public final class Geo {
    /** Mean Earth radius in metres (IUGG). */
    public static final double EARTH_RADIUS_M = 6_371_008.8;

    private static final String[] COMPASS_8 = {"N", "NE", "E", "SE", "S", "SW", "W", "NW"};
    private static final String[] COMPASS_16 = {"N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE",
        "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW"};
    private static final String[] WORDS_8 = {"north", "north-east", "east", "south-east", "south", "south-west",
        "west", "north-west"};

    private Geo() {}

    /** Great-circle distance in metres between two points given as (lon, lat) degrees. */
    public static double haversine(double lon1, double lat1, double lon2, double lat2) {
        double p1 = StrictMath.toRadians(lat1);
        double p2 = StrictMath.toRadians(lat2);
        double dp = p2 - p1;
        double dl = StrictMath.toRadians(lon2 - lon1);
        double h = sq(StrictMath.sin(dp / 2))
                + StrictMath.cos(p1) * StrictMath.cos(p2) * sq(StrictMath.sin(dl / 2));
        return 2 * EARTH_RADIUS_M * StrictMath.asin(Math.min(1.0, StrictMath.sqrt(h)));
    }

    /**
     * Initial bearing from point 1 to point 2 in degrees [0, 360), clockwise from true north. Identical points
     * give 0 (north) by convention, as the UGE authors' code does.
     */
    public static double bearing(double lon1, double lat1, double lon2, double lat2) {
        if (lon1 == lon2 && lat1 == lat2) {
            return 0.0;
        }
        double p1 = StrictMath.toRadians(lat1);
        double p2 = StrictMath.toRadians(lat2);
        double dl = StrictMath.toRadians(lon2 - lon1);
        double y = StrictMath.sin(dl) * StrictMath.cos(p2);
        double x = StrictMath.cos(p1) * StrictMath.sin(p2)
                - StrictMath.sin(p1) * StrictMath.cos(p2) * StrictMath.cos(dl);
        return normalizeDegrees(StrictMath.toDegrees(StrictMath.atan2(y, x)));
    }

    /** The point reached from (lon, lat) after {@code distanceM} metres on initial bearing {@code bearingDeg}. */
    public static double[] destination(double lon, double lat, double bearingDeg, double distanceM) {
        double d = distanceM / EARTH_RADIUS_M;
        double b = StrictMath.toRadians(bearingDeg);
        double p1 = StrictMath.toRadians(lat);
        double l1 = StrictMath.toRadians(lon);
        double p2 = StrictMath.asin(StrictMath.sin(p1) * StrictMath.cos(d)
                + StrictMath.cos(p1) * StrictMath.sin(d) * StrictMath.cos(b));
        double l2 = l1 + StrictMath.atan2(StrictMath.sin(b) * StrictMath.sin(d) * StrictMath.cos(p1),
                StrictMath.cos(d) - StrictMath.sin(p1) * StrictMath.sin(p2));
        return new double[] {normalizeLongitude(StrictMath.toDegrees(l2)), StrictMath.toDegrees(p2)};
    }

    /** Eight-point compass abbreviation (N, NE, ...), each sector 45 degrees wide and centred on its direction. */
    public static String compass8(double bearingDeg) {
        return COMPASS_8[sector(bearingDeg, 8)];
    }

    /** Sixteen-point compass abbreviation (N, NNE, NE, ...). */
    public static String compass16(double bearingDeg) {
        return COMPASS_16[sector(bearingDeg, 16)];
    }

    /** Eight-point compass direction as words ("north-east"). */
    public static String compassWords(double bearingDeg) {
        return WORDS_8[sector(bearingDeg, 8)];
    }

    /** The eight-point sector index (0 = N, 1 = NE, ...) of a bearing. */
    public static int sector8(double bearingDeg) {
        return sector(bearingDeg, 8);
    }

    /** The authors' direction notation: {@code 345°(N)} (whole degrees, eight-point compass). */
    public static String degreesWithCompass(double bearingDeg) {
        double b = normalizeDegrees(bearingDeg);
        long whole = Math.round(b) % 360;
        return whole + "°(" + compass8(b) + ")";
    }

    /** Smallest absolute difference between two bearings, in degrees [0, 180]. */
    public static double angleBetween(double a, double b) {
        double d = Math.abs(normalizeDegrees(a) - normalizeDegrees(b));
        return d > 180 ? 360 - d : d;
    }

    public static double normalizeDegrees(double deg) {
        double r = deg % 360.0;
        if (r < 0) {
            r += 360.0;
        }
        return r == 360.0 ? 0.0 : r;
    }

    static double normalizeLongitude(double lon) {
        double r = (lon + 540.0) % 360.0 - 180.0;
        return r == -180.0 ? 180.0 : r;
    }

    private static int sector(double bearingDeg, int n) {
        double width = 360.0 / n;
        return (int) Math.floor(normalizeDegrees(bearingDeg + width / 2) / width) % n;
    }

    private static double sq(double x) {
        return x * x;
    }
}
