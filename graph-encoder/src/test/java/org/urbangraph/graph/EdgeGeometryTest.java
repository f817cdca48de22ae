package org.urbangraph.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.urbangraph.testkit.Approx;

/**
 * Distances, bearings and displacements in double precision against exact values and an independent formula; the
 * reference's float32 arithmetic is checked against the golden file in {@link GraphEncoderGoldenTest}.
 */
class EdgeGeometryTest {

    static final double R = EdgeGeometry.EARTH_RADIUS_M;

    @Test
    void distancesAlongTheMeridianAndTheEquatorAreExact() {
        assertEquals(R * Math.PI / 180, EdgeGeometry.haversineMeters(0, 0, 0, 1), 1e-6);
        assertEquals(R * Math.PI / 180, EdgeGeometry.haversineMeters(12.5, 0, 13.5, 0), 1e-6);
        assertEquals(R * Math.PI / 2, EdgeGeometry.haversineMeters(0, 0, 90, 0), 1e-6);
        assertEquals(R * Math.PI, EdgeGeometry.haversineMeters(0, 0, 180, 0), 1e-6, "antipodes");
        assertEquals(0, EdgeGeometry.haversineMeters(7.42, 43.73, 7.42, 43.73));
    }

    @Test
    void distancesAgreeWithTheSphericalLawOfCosines() {
        double[][] pairs = {{12.5683, 55.6761, 7.4246, 43.7384}, {1.5218, 42.5063, 9.5209, 47.1410},
            {103.8544, 1.2868, -74.0006, 40.7243}, {-0.1276, 51.5072, 2.3522, 48.8566}};
        for (double[] p : pairs) {
            double f1 = Math.toRadians(p[1]);
            double f2 = Math.toRadians(p[3]);
            double dl = Math.toRadians(p[2] - p[0]);
            double expected = R * Math.acos(Math.sin(f1) * Math.sin(f2) + Math.cos(f1) * Math.cos(f2) * Math.cos(dl));
            assertEquals(expected, EdgeGeometry.haversineMeters(p[0], p[1], p[2], p[3]), expected * 1e-9);
        }
    }

    @Test
    void bearingsPointClockwiseFromNorth() {
        assertEquals(0, EdgeGeometry.bearing(10, 10, 10, 11), 1e-12);
        assertEquals(Math.PI / 2, EdgeGeometry.bearing(0, 0, 1, 0), 1e-12);
        assertEquals(Math.PI, EdgeGeometry.bearing(10, 10, 10, 9), 1e-12);
        assertEquals(-Math.PI / 2, EdgeGeometry.bearing(0, 0, -1, 0), 1e-12);
        assertEquals(Math.PI / 4, EdgeGeometry.bearing(0, 0, 1e-4, 1e-4), 1e-6, "north-east near the equator");
    }

    @Test
    void batchGeometryIsPerEdgeFromSourceToTarget() {
        GraphInput g = GraphInput.of("g", List.of(GraphNode.of("a", "", new int[0], 0, 0),
                GraphNode.of("b", "", new int[0], 0, 1), GraphNode.of("c", "", new int[0], 1, 0)), List.of(
                new GraphEdge(0, 1, ""), new GraphEdge(2, 0, ""), new GraphEdge(1, 1, "")));
        EdgeGeometry geo = EdgeGeometry.of(GraphBatch.of(g), GeometryPrecision.DOUBLE);
        double deg = R * Math.PI / 180;
        Approx.assertClose("distance", new double[] {deg, deg, 0}, geo.distanceM(), 0, 1e-7);
        Approx.assertClose("log1p", new double[] {Math.log1p(deg), Math.log1p(deg), 0}, geo.log1pDistance(), 0, 1e-7);
        Approx.assertClose("bearing", new double[] {0, -Math.PI / 2, 0}, geo.bearing(), 1e-7, 0);
        Approx.assertClose("direction", new double[] {0, 1, -1, 0, 0, 1}, geo.direction(), 1e-7, 0);
        Approx.assertClose("displacement", new double[] {0, 1, -1, 0, 0, 0}, geo.displacement(), 0, 0);
    }
}
