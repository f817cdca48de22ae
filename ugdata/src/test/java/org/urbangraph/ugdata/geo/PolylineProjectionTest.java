package org.urbangraph.ugdata.geo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PolylineProjectionTest {
    private static final double DEGREE_M = Math.PI / 180 * Geo.EARTH_RADIUS_M;

    @Test
    void aPointNorthOfAnEquatorSegmentProjectsStraightSouth() {
        // the line runs along the equator from lon 0 to lon 0.01; the point is 0.001 deg north of lon 0.004
        double[] lons = {0.0, 0.005, 0.01};
        double[] lats = {0.0, 0.0, 0.0};
        PolylineProjection p = PolylineProjection.project(0.004, 0.001, lons, lats);
        assertEquals(0.004, p.footLon(), 1e-12);
        assertEquals(0.0, p.footLat(), 1e-12);
        assertEquals(0.001 * DEGREE_M, p.distanceM(), 1e-3);
        assertEquals(180.0, p.bearingDeg(), 1e-6);
        assertEquals(0, p.segment());
        assertEquals(0.004 * DEGREE_M, p.alongM(), 1e-3);
        assertEquals(90.0, p.lineBearingDeg(), 1e-9);
    }

    @Test
    void aPointBeyondTheEndProjectsOntoTheLastVertex() {
        double[] lons = {0.0, 0.0, 0.002};
        double[] lats = {0.0, 0.001, 0.001};
        PolylineProjection p = PolylineProjection.project(0.003, 0.001, lons, lats);
        assertEquals(1, p.segment());
        assertEquals(0.002, p.footLon(), 1e-12);
        assertEquals(0.001 * DEGREE_M, p.distanceM(), 1e-2);
        assertEquals(PolylineProjection.length(lons, lats), p.alongM(), 1e-6);
        assertEquals(270.0, p.bearingDeg(), 1e-3);
    }

    @Test
    void aPointOnTheLineHasZeroDistanceAndNorthBearing() {
        double[] lons = {13.0, 13.001};
        double[] lats = {52.0, 52.001};
        PolylineProjection p = PolylineProjection.project(13.0005, 52.0005, lons, lats);
        assertEquals(0.0, p.distanceM(), 1e-3);
        assertEquals(0.0, p.bearingDeg(), 0.0);
    }

    @Test
    void pointAlongWalksTheLine() {
        double[] lons = {0.0, 0.0, 0.002};
        double[] lats = {0.0, 0.001, 0.001};
        double first = 0.001 * DEGREE_M;
        PolylineProjection.Along p = PolylineProjection.pointAlong(lons, lats, first + 0.5 * 0.002 * DEGREE_M);
        assertEquals(0.001, p.lon(), 1e-6);
        assertEquals(0.001, p.lat(), 1e-9);
        assertEquals(90.0, p.bearingDeg(), 1e-3);
        assertEquals(1, p.segment());
        PolylineProjection.Along start = PolylineProjection.pointAlong(lons, lats, -5);
        assertEquals(0.0, start.lon(), 0.0);
        assertEquals(0.0, start.bearingDeg(), 1e-9);
        assertEquals(0, start.segment());
        double[] along = PolylineProjection.vertexAlong(lons, lats);
        assertEquals(3, along.length);
        assertEquals(0.0, along[0], 0.0);
        assertEquals(first, along[1], 1e-6 * first);
        assertEquals(PolylineProjection.length(lons, lats), along[2], 1e-9);
        // walking to a projection's distance along the line finds the point and the segment it projected onto
        PolylineProjection q = PolylineProjection.project(0.0013, 0.0012, lons, lats);
        PolylineProjection.Along back = PolylineProjection.pointAlong(lons, lats, q.alongM());
        assertEquals(q.segment(), back.segment());
        assertEquals(q.footLon(), back.lon(), 1e-9);
    }

    @Test
    void rejectsMismatchedArrays() {
        assertThrows(IllegalArgumentException.class,
                () -> PolylineProjection.project(0, 0, new double[] {1, 2}, new double[] {1}));
    }

    @Test
    void aRepeatedVertexNeverGivesTheLineItsDirection() {
        // the first vertex is repeated: the zero-length segment 0 ties with segment 1 at the start vertex
        double[] lons = {0.0, 0.0, 0.001};
        double[] lats = {0.0, 0.0, 0.0};
        PolylineProjection p = PolylineProjection.project(-0.0001, 0.0, lons, lats);
        assertEquals(90.0, p.lineBearingDeg(), 1e-9);
        assertEquals(1, p.segment());
        assertEquals(0.0, p.footLon(), 0.0);
        assertEquals(0.0, p.alongM(), 0.0);
        assertEquals(90.0, PolylineProjection.pointAlong(lons, lats, 0).bearingDeg(), 1e-9);
        assertEquals(1, PolylineProjection.pointAlong(lons, lats, 0).segment(), "the walk skips segment 0 as well");
        // repeated at the end: a point beyond it lies on the last real segment, running east
        double[] endLons = {0.0, 0.001, 0.001};
        PolylineProjection q = PolylineProjection.project(0.0011, 0.0, endLons, lats);
        assertEquals(90.0, q.lineBearingDeg(), 1e-9);
        assertEquals(0, q.segment());
        PolylineProjection.Along end = PolylineProjection.pointAlong(endLons, lats, 1e6);
        assertEquals(90.0, end.bearingDeg(), 1e-9);
        assertEquals(0, end.segment(), "past the end, on the last segment of some length");
        assertEquals(0.001, end.lon(), 0.0);
    }
}
