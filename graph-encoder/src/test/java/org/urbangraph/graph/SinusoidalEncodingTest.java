package org.urbangraph.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.urbangraph.testkit.Approx;

/** The coordinate encoding's frequencies and layout; golden values are checked in {@link GraphEncoderGoldenTest}. */
class SinusoidalEncodingTest {

    @Test
    void frequenciesAreGeometricFromOneOverMinRadiusToOneOverMaxRadius() {
        double[] f = new SinusoidalEncoding(16, 1e-6, 360).frequencies();
        for (int i = 0; i < 16; i++) {
            double expected = 1 / (1e-6 * Math.pow(360 / 1e-6, i / 15.0));
            assertEquals(expected, f[i], expected * 1e-12, "frequency " + i);
        }
    }

    @Test
    void layoutIsCoordinateThenFrequencyThenSinCos() {
        SinusoidalEncoding enc = new SinusoidalEncoding(3, 0.5, 8);
        double[] f = enc.frequencies(); // 2, 0.5, 0.125
        double lon = 0.75;
        double lat = -1.25;
        float[] out = enc.encode(new double[] {9, lon}, new double[] {9, lat});
        assertEquals(12, enc.dim());
        double[] expected = new double[12];
        double[] coord = {lon, lat};
        for (int c = 0; c < 2; c++) {
            for (int k = 0; k < 3; k++) {
                expected[c * 6 + 2 * k] = Math.sin(coord[c] * f[k]);
                expected[c * 6 + 2 * k + 1] = Math.cos(coord[c] * f[k]);
            }
        }
        float[] second = new float[12];
        System.arraycopy(out, 12, second, 0, 12);
        Approx.assertClose("encoding of node 1", expected, second, 1e-7, 0);
        Approx.assertClose("frequencies", new double[] {2, 0.5, 0.125}, f, 0, 1e-12);
    }

    @Test
    void highFrequencyAnglesAreComputedInDoubleFromFloat32Coordinates() {
        SinusoidalEncoding enc = new SinusoidalEncoding(16, 1e-6, 360);
        double lon = 103.8544;
        float[] out = enc.encode(new double[] {lon}, new double[] {1.2868});
        double angle = (double) (float) lon * 1e6; // ~1e8 rad
        assertEquals((float) Math.sin(angle), out[0], 0);
        assertEquals((float) Math.cos(angle), out[1], 0);
    }

    @Test
    void badRadiiAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new SinusoidalEncoding(16, 360, 1e-6));
        assertThrows(IllegalArgumentException.class, () -> new SinusoidalEncoding(1, 1e-6, 360));
    }
}
