package org.urbangraph.ugdata.geo;

/**
 * The orthogonal projection of a point onto a polyline: the foot point, the perpendicular distance, the bearing
 * from the point to the foot, the segment hit and the distance along the line to the foot.
 *
 * @param footLon longitude of the closest point on the line
 * @param footLat latitude of the closest point on the line
 * @param distanceM haversine distance from the point to the foot, metres
 * @param bearingDeg initial bearing from the point to the foot (0 when the point lies on the line)
 * @param segment index of the segment (between vertex {@code segment} and {@code segment + 1}) holding the foot
 * @param alongM distance along the line from its first vertex to the foot, metres
 * @param lineBearingDeg direction of the hit segment, from vertex {@code segment} towards {@code segment + 1}
 */
public record PolylineProjection(double footLon, double footLat, double distanceM, double bearingDeg, int segment,
        double alongM, double lineBearingDeg) {

    /**
     * A point some distance along a polyline.
     *
     * @param lon longitude of the point
     * @param lat latitude of the point
     * @param bearingDeg direction of the line there: that of {@code segment}
     * @param segment index of the segment (between vertex {@code segment} and {@code segment + 1}) holding the
     *     point; never a zero-length one while the line has a segment of some length
     */
    public record Along(double lon, double lat, double bearingDeg, int segment) {}

    /**
     * Projects (lon, lat) onto the polyline given by parallel coordinate arrays (at least one vertex). The search
     * runs in a local metric frame at the point; the reported distance is haversine.
     */
    public static PolylineProjection project(double lon, double lat, double[] lons, double[] lats) {
        if (lons.length == 0 || lons.length != lats.length) {
            throw new IllegalArgumentException("polyline needs matching, non-empty coordinate arrays; got "
                    + lons.length + " longitudes and " + lats.length + " latitudes");
        }
        LocalFrame f = LocalFrame.at(lon, lat);
        if (lons.length == 1) {
            double d = Geo.haversine(lon, lat, lons[0], lats[0]);
            return new PolylineProjection(lons[0], lats[0], d, d == 0 ? 0 : Geo.bearing(lon, lat, lons[0], lats[0]),
                    0, 0, 0);
        }
        // a zero-length segment (a repeated vertex) has no direction, and its foot is a vertex that a real
        // segment next to it reaches too: it is a candidate only when the whole line is one point
        boolean anyReal = false;
        for (int i = 0; i + 1 < lons.length && !anyReal; i++) {
            anyReal = segmentLength(lons, lats, i) > 0;
        }
        double best = Double.POSITIVE_INFINITY;
        int bestSeg = 0;
        double bestT = 0;
        for (int i = 0; i + 1 < lons.length; i++) {
            if (anyReal && segmentLength(lons, lats, i) == 0) {
                continue;
            }
            double ax = f.x(lons[i]);
            double ay = f.y(lats[i]);
            double bx = f.x(lons[i + 1]);
            double by = f.y(lats[i + 1]);
            double dx = bx - ax;
            double dy = by - ay;
            double len2 = dx * dx + dy * dy;
            double t = len2 == 0 ? 0 : Math.clamp((-ax * dx - ay * dy) / len2, 0.0, 1.0);
            double px = ax + t * dx;
            double py = ay + t * dy;
            double d2 = px * px + py * py;
            if (d2 < best) {
                best = d2;
                bestSeg = i;
                bestT = t;
            }
        }
        double footLon = lons[bestSeg] + bestT * (lons[bestSeg + 1] - lons[bestSeg]);
        double footLat = lats[bestSeg] + bestT * (lats[bestSeg + 1] - lats[bestSeg]);
        double along = 0;
        for (int i = 0; i < bestSeg; i++) {
            along += segmentLength(lons, lats, i);
        }
        along += bestT * segmentLength(lons, lats, bestSeg);
        double dist = Geo.haversine(lon, lat, footLon, footLat);
        double bearing = dist < 1e-6 ? 0.0 : Geo.bearing(lon, lat, footLon, footLat);
        double segBearing = Geo.bearing(lons[bestSeg], lats[bestSeg], lons[bestSeg + 1], lats[bestSeg + 1]);
        return new PolylineProjection(footLon, footLat, dist, bearing, bestSeg, along, segBearing);
    }

    /**
     * Haversine length in metres of segment {@code i} (vertex {@code i} to {@code i + 1}). A segment of length 0 (a
     * repeated vertex) has no direction: projection, the walk along the line and the distance along it all skip it
     * by this one test.
     */
    public static double segmentLength(double[] lons, double[] lats, int i) {
        return Geo.haversine(lons[i], lats[i], lons[i + 1], lats[i + 1]);
    }

    /** Length of a polyline in metres (sum of haversine segment lengths). */
    public static double length(double[] lons, double[] lats) {
        double s = 0;
        for (int i = 0; i + 1 < lons.length; i++) {
            s += segmentLength(lons, lats, i);
        }
        return s;
    }

    /**
     * The distance along a polyline from its first vertex to each of its vertices, metres: the sums of
     * {@link #segmentLength}, as {@link #alongM()} and {@link #pointAlong} measure.
     */
    public static double[] vertexAlong(double[] lons, double[] lats) {
        double[] a = new double[lons.length];
        for (int i = 1; i < lons.length; i++) {
            a[i] = a[i - 1] + segmentLength(lons, lats, i - 1);
        }
        return a;
    }

    /**
     * The point {@code alongM} metres along a polyline (clamped to its ends), with the segment holding it and the
     * local line bearing: that of that segment, never of a zero-length one (a repeated vertex), which has no
     * direction. Past the end of a line that ends in repeated vertices, the point is its last vertex on the last
     * segment of some length; a line of one point gives segment 0 and bearing 0.
     */
    public static Along pointAlong(double[] lons, double[] lats, double alongM) {
        double rest = Math.max(0, alongM);
        int lastReal = -1;
        for (int i = 0; i + 1 < lons.length; i++) {
            double seg = segmentLength(lons, lats, i);
            if (seg > 0 && (rest <= seg || i + 2 == lons.length)) {
                double t = Math.min(1.0, rest / seg);
                return new Along(lons[i] + t * (lons[i + 1] - lons[i]), lats[i] + t * (lats[i + 1] - lats[i]),
                        Geo.bearing(lons[i], lats[i], lons[i + 1], lats[i + 1]), i);
            }
            if (seg > 0) {
                lastReal = i;
            }
            rest -= seg;
        }
        // past the end, where the line ends in repeated vertices (or is a single point)
        int n = lons.length - 1;
        return lastReal < 0 ? new Along(lons[n], lats[n], 0, 0) : new Along(lons[n], lats[n],
                Geo.bearing(lons[lastReal], lats[lastReal], lons[lastReal + 1], lats[lastReal + 1]), lastReal);
    }
}
