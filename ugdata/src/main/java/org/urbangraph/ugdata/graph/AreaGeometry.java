package org.urbangraph.ugdata.graph;

import org.locationtech.jts.geom.Coordinate;
import org.locationtech.jts.geom.GeometryFactory;
import org.locationtech.jts.geom.Polygon;
import org.locationtech.jts.geom.prep.PreparedGeometry;
import org.locationtech.jts.geom.prep.PreparedGeometryFactory;
import org.urbangraph.ugdata.geo.LocalFrame;
import org.urbangraph.ugdata.geo.PolylineProjection;

/**
 * A land-use or leisure polygon (closed OSM way) in lon/lat, prepared for fast containment and intersection
 * tests; topology does not depend on the projection, so lon/lat coordinates serve as they are.
 */
public final class AreaGeometry {
    private static final GeometryFactory GEOMETRY = new GeometryFactory();

    private final double[] lons;
    private final double[] lats;
    private final Polygon polygon;
    private final PreparedGeometry prepared;
    private final double areaM2;

    /**
     * @throws IllegalArgumentException if the ring encloses no area (all its nodes collinear or repeated), so
     *     that it has no inside and no anchor; {@link #of} returns null instead
     */
    public AreaGeometry(double[] lons, double[] lats) {
        this(lons, lats, polygon(lons, lats));
    }

    private AreaGeometry(double[] lons, double[] lats, Polygon p) {
        if (p == null) {
            throw new IllegalArgumentException("the ring encloses no area (its nodes are collinear or repeated)");
        }
        this.lons = lons;
        this.lats = lats;
        this.polygon = p;
        this.prepared = PreparedGeometryFactory.prepare(p);
        LocalFrame f = LocalFrame.at(lons[0], lats[0]);
        double a = 0;
        for (int i = 0; i + 1 < lons.length; i++) {
            a += f.x(lons[i]) * f.y(lats[i + 1]) - f.x(lons[i + 1]) * f.y(lats[i]);
        }
        this.areaM2 = Math.abs(a) / 2;
    }

    /** The area of a closed way, or null when its ring encloses no area (see {@link #AreaGeometry}). */
    public static AreaGeometry of(double[] lons, double[] lats) {
        Polygon p = polygon(lons, lats);
        return p == null ? null : new AreaGeometry(lons, lats, p);
    }

    /** The ring as a valid polygon, repaired if need be; null when nothing with an inside is left. */
    private static Polygon polygon(double[] lons, double[] lats) {
        Coordinate[] ring = new Coordinate[lons.length + (closedRing(lons, lats) ? 0 : 1)];
        for (int i = 0; i < lons.length; i++) {
            ring[i] = new Coordinate(lons[i], lats[i]);
        }
        if (ring.length > lons.length) {
            ring[lons.length] = new Coordinate(lons[0], lats[0]);
        }
        if (ring.length < 4) {
            return null;
        }
        Polygon p = GEOMETRY.createPolygon(ring);
        if (!p.isValid()) {
            // self-intersecting rings are common in OSM; buffer(0) repairs most of them. A ring whose nodes are
            // collinear (or repeat each other) has no inside: buffer(0) and the convex hull leave nothing
            org.locationtech.jts.geom.Geometry fixed = p.buffer(0);
            if (!(fixed instanceof Polygon)) {
                fixed = GEOMETRY.createPolygon(ring).convexHull();
            }
            p = fixed instanceof Polygon fp ? fp : null;
        }
        return p == null || p.isEmpty() || !(p.getArea() > 0) ? null : p;
    }

    static boolean closedRing(double[] lons, double[] lats) {
        int n = lons.length;
        return n > 1 && lons[0] == lons[n - 1] && lats[0] == lats[n - 1];
    }

    public boolean contains(double lon, double lat) {
        return prepared.contains(GEOMETRY.createPoint(new Coordinate(lon, lat)));
    }

    /** True if any of the polylines crosses or touches the polygon. */
    public boolean intersects(StreetGeometry street) {
        for (int i = 0; i < street.lons().size(); i++) {
            double[] lo = street.lons().get(i);
            double[] la = street.lats().get(i);
            Coordinate[] cs = new Coordinate[lo.length];
            for (int k = 0; k < lo.length; k++) {
                cs[k] = new Coordinate(lo[k], la[k]);
            }
            if (prepared.intersects(GEOMETRY.createLineString(cs))) {
                return true;
            }
        }
        return false;
    }

    /** 0 inside the polygon, otherwise the distance to its outline, metres. */
    public double distanceM(double lon, double lat) {
        if (contains(lon, lat)) {
            return 0;
        }
        return PolylineProjection.project(lon, lat, lons, lats).distanceM();
    }

    /** A point inside the polygon (the centroid when it lies inside, otherwise JTS's interior point). */
    public double[] anchor() {
        org.locationtech.jts.geom.Point c = polygon.getCentroid();
        if (!polygon.contains(c)) {
            c = polygon.getInteriorPoint();
        }
        return new double[] {c.getX(), c.getY()};
    }

    public double areaM2() {
        return areaM2;
    }

    public org.locationtech.jts.geom.Envelope envelope() {
        return polygon.getEnvelopeInternal();
    }

    public double[] lons() {
        return lons;
    }

    public double[] lats() {
        return lats;
    }
}
