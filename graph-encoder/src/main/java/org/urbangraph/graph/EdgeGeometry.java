package org.urbangraph.graph;

/**
 * The geodesic inputs of the edge encoder, per edge from source to target: great-circle distance in metres
 * (haversine, Earth radius 6,371,000 m) and its log1p, the initial bearing in radians (clockwise from north, in
 * [-pi, pi]) as (sin, cos), and the displacement target - source in raw degrees as (dlon, dlat).
 *
 * <p>Arrays are per edge ({@code distanceM}, {@code log1pDistance}, {@code bearing}) or per edge and column,
 * row-major ({@code direction} = [sin, cos], {@code displacement} = [dlon, dlat]).
 */
public record EdgeGeometry(float[] distanceM, float[] log1pDistance, float[] bearing, float[] direction,
                           float[] displacement) {

    /** The Earth radius of the reference's haversine, in metres. */
    public static final double EARTH_RADIUS_M = 6_371_000;

    public int numEdges() {
        return distanceM.length;
    }

    /** The geometry of every edge of a batch. */
    public static EdgeGeometry of(GraphBatch batch, GeometryPrecision precision) {
        double[] lon = batch.lon();
        double[] lat = batch.lat();
        int[] src = batch.source();
        int[] dst = batch.target();
        int e = src.length;
        float[] dist = new float[e];
        float[] logDist = new float[e];
        float[] bearing = new float[e];
        float[] direction = new float[2 * e];
        float[] displacement = new float[2 * e];
        for (int i = 0; i < e; i++) {
            int s = src[i];
            int t = dst[i];
            if (precision == GeometryPrecision.DOUBLE) {
                double d = haversineMeters(lon[s], lat[s], lon[t], lat[t]);
                double b = bearing(lon[s], lat[s], lon[t], lat[t]);
                dist[i] = (float) d;
                logDist[i] = (float) Math.log1p(d);
                bearing[i] = (float) b;
                direction[2 * i] = (float) Math.sin(b);
                direction[2 * i + 1] = (float) Math.cos(b);
                displacement[2 * i] = (float) (lon[t] - lon[s]);
                displacement[2 * i + 1] = (float) (lat[t] - lat[s]);
            } else {
                float lon1 = (float) lon[s];
                float lat1 = (float) lat[s];
                float lon2 = (float) lon[t];
                float lat2 = (float) lat[t];
                float d = Float32Reference.haversineMeters(lon1, lat1, lon2, lat2);
                float b = Float32Reference.bearing(lon1, lat1, lon2, lat2);
                dist[i] = d;
                logDist[i] = Float32Reference.log1p(d);
                bearing[i] = b;
                direction[2 * i] = Float32Reference.sin(b);
                direction[2 * i + 1] = Float32Reference.cos(b);
                displacement[2 * i] = lon2 - lon1;
                displacement[2 * i + 1] = lat2 - lat1;
            }
        }
        return new EdgeGeometry(dist, logDist, bearing, direction, displacement);
    }

    /** Haversine great-circle distance in metres, in double precision. */
    public static double haversineMeters(double lon1, double lat1, double lon2, double lat2) {
        double phi1 = Math.toRadians(lat1);
        double phi2 = Math.toRadians(lat2);
        double dPhi = Math.toRadians(lat2 - lat1);
        double dLambda = Math.toRadians(lon2 - lon1);
        double sp = Math.sin(dPhi / 2);
        double sl = Math.sin(dLambda / 2);
        double a = sp * sp + Math.cos(phi1) * Math.cos(phi2) * sl * sl;
        a = Math.min(1, Math.max(0, a)); // rounding can push a just outside [0, 1]
        return 2 * Math.atan2(Math.sqrt(a), Math.sqrt(1 - a)) * EARTH_RADIUS_M;
    }

    /** Initial bearing from point 1 to point 2 in radians, clockwise from north, in [-pi, pi]; double precision. */
    public static double bearing(double lon1, double lat1, double lon2, double lat2) {
        double phi1 = Math.toRadians(lat1);
        double phi2 = Math.toRadians(lat2);
        double dLambda = Math.toRadians(lon2 - lon1);
        double y = Math.sin(dLambda) * Math.cos(phi2);
        double x = Math.cos(phi1) * Math.sin(phi2) - Math.sin(phi1) * Math.cos(phi2) * Math.cos(dLambda);
        return Math.atan2(y, x);
    }

    /**
     * The reference's float32 computation, operation by operation, in PyTorch's evaluation order: radians as
     * {@code deg * float(pi) / 180} (two roundings), differences of rounded radians, {@code sqrt(1 - a + 1e-8)}.
     * Transcendentals are the correctly rounded float of the double result (PyTorch's are within one ulp of it).
     */
    static final class Float32Reference {
        private Float32Reference() {}

        private static final float PI = (float) Math.PI;

        static float radians(float deg) {
            return deg * PI / 180f;
        }

        static float sin(float x) {
            return (float) Math.sin(x);
        }

        static float cos(float x) {
            return (float) Math.cos(x);
        }

        static float log1p(float x) {
            return (float) Math.log1p(x);
        }

        static float haversineMeters(float lon1, float lat1, float lon2, float lat2) {
            float lon1r = radians(lon1);
            float lat1r = radians(lat1);
            float lon2r = radians(lon2);
            float lat2r = radians(lat2);
            float dlon = lon2r - lon1r;
            float dlat = lat2r - lat1r;
            float sdlat = sin(dlat / 2f);
            float sdlon = sin(dlon / 2f);
            float a = sdlat * sdlat + cos(lat1r) * cos(lat2r) * (sdlon * sdlon);
            float c = 2f * (float) Math.atan2((float) Math.sqrt(a), (float) Math.sqrt(1f - a + 1e-8f));
            return c * 6_371_000f;
        }

        static float bearing(float lon1, float lat1, float lon2, float lat2) {
            float lat1r = radians(lat1);
            float lon1r = radians(lon1);
            float lat2r = radians(lat2);
            float lon2r = radians(lon2);
            float dlon = lon2r - lon1r;
            float y = sin(dlon) * cos(lat2r);
            float x = cos(lat1r) * sin(lat2r) - sin(lat1r) * cos(lat2r) * cos(dlon);
            return (float) Math.atan2(y, x);
        }
    }
}
