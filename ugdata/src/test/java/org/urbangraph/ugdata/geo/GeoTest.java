package org.urbangraph.ugdata.geo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class GeoTest {
    /** One degree of a great circle on the mean-radius sphere. */
    private static final double DEGREE_M = Math.PI / 180 * Geo.EARTH_RADIUS_M;

    @Test
    void meridianAndEquatorArcsAreExactMultiplesOfOneDegree() {
        assertEquals(DEGREE_M, Geo.haversine(0, 0, 0, 1), 1e-6);
        assertEquals(DEGREE_M, Geo.haversine(10, 0, 11, 0), 1e-6);
        assertEquals(37.5 * DEGREE_M, Geo.haversine(7.4, 12.5, 7.4, 50.0), 1e-6);
        assertEquals(Math.PI * Geo.EARTH_RADIUS_M, Geo.haversine(0, 0, 180, 0), 1e-6);
        assertEquals(0.0, Geo.haversine(9.52, 47.14, 9.52, 47.14), 0.0);
    }

    @Test
    void landsEndToJohnOGroatsMatchesThePublishedReference() {
        // the classic worked example: 50°03'59"N 5°42'53"W to 58°38'38"N 3°04'12"W,
        // 968.9 km, initial bearing 9°07'11" (haversine, mean Earth radius)
        double lat1 = 50 + 3 / 60.0 + 59 / 3600.0;
        double lon1 = -(5 + 42 / 60.0 + 53 / 3600.0);
        double lat2 = 58 + 38 / 60.0 + 38 / 3600.0;
        double lon2 = -(3 + 4 / 60.0 + 12 / 3600.0);
        assertEquals(968.9, Geo.haversine(lon1, lat1, lon2, lat2) / 1000, 0.05);
        assertEquals(9 + 7 / 60.0 + 11 / 3600.0, Geo.bearing(lon1, lat1, lon2, lat2), 0.5 / 3600 + 1e-4);
    }

    @Test
    void bearingsOfCardinalMovesAndTheDiagonalAtTheEquator() {
        assertEquals(0.0, Geo.bearing(0, 0, 0, 1), 1e-12);
        assertEquals(90.0, Geo.bearing(0, 0, 1, 0), 1e-12);
        assertEquals(180.0, Geo.bearing(0, 1, 0, 0), 1e-12);
        assertEquals(270.0, Geo.bearing(1, 0, 0, 0), 1e-12);
        // from (0,0) to (1,1): atan2(sin 1°, cos 1° * sin 1° ... ) = 44.9956° (spherical, not 45)
        double expected = Math.toDegrees(Math.atan2(Math.sin(Math.toRadians(1)) * Math.cos(Math.toRadians(1)),
                Math.sin(Math.toRadians(1))));
        assertEquals(expected, Geo.bearing(0, 0, 1, 1), 1e-9);
        assertEquals(44.9956, Geo.bearing(0, 0, 1, 1), 1e-4);
        assertEquals(0.0, Geo.bearing(3, 4, 3, 4), 0.0, "identical points: north by convention");
    }

    @Test
    void destinationInvertsDistanceAndBearing() {
        double[] lonLat = {9.5209, 47.1410};
        for (double b = 7; b < 360; b += 37) {
            for (double d : new double[] {3.0, 250.0, 4_321.0}) {
                double[] p = Geo.destination(lonLat[0], lonLat[1], b, d);
                assertEquals(d, Geo.haversine(lonLat[0], lonLat[1], p[0], p[1]), 1e-6 * d + 1e-6);
                assertEquals(0, Geo.angleBetween(b, Geo.bearing(lonLat[0], lonLat[1], p[0], p[1])), 1e-6);
            }
        }
    }

    @Test
    void compassPointsSplitTheCircleIntoCentredSectors() {
        assertEquals("N", Geo.compass8(0));
        assertEquals("N", Geo.compass8(22.4));
        assertEquals("NE", Geo.compass8(22.6));
        assertEquals("E", Geo.compass8(90));
        assertEquals("SW", Geo.compass8(225));
        assertEquals("N", Geo.compass8(337.6));
        assertEquals("NW", Geo.compass8(337.4));
        assertEquals("N", Geo.compass8(-10));
        assertEquals("NNW", Geo.compass16(342));
        assertEquals("ENE", Geo.compass16(67.5));
        assertEquals("south", Geo.compassWords(200));
        assertEquals("south-west", Geo.compassWords(215));
        assertEquals(5, Geo.sector8(225));
    }

    @Test
    void theAuthorsDirectionNotation() {
        assertEquals("345°(N)", Geo.degreesWithCompass(345.0));
        assertEquals("342°(N)", Geo.degreesWithCompass(342.2));
        assertEquals("181°(S)", Geo.degreesWithCompass(180.6));
        assertEquals("0°(N)", Geo.degreesWithCompass(359.7));
        assertEquals("45°(NE)", Geo.degreesWithCompass(405));
    }

    @Test
    void angleBetweenWrapsAround() {
        assertEquals(20, Geo.angleBetween(350, 10), 1e-12);
        assertEquals(180, Geo.angleBetween(90, 270), 1e-12);
        assertEquals(0, Geo.angleBetween(-90, 270), 1e-12);
    }
}
