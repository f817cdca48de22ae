package org.urbangraph.vlm.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.urbangraph.testkit.Approx;

/**
 * PyTorch's non-antialiased bicubic against a plain double-precision implementation of its definition (Keys' cubic
 * with a = -0.75, half-pixel source coordinates, taps clamped at the border), on random odd sizes up and down.
 */
class TorchBicubicTest {

    static double keys(double x) {
        double a = -0.75;
        x = Math.abs(x);
        if (x <= 1) {
            return ((a + 2) * x - (a + 3)) * x * x + 1;
        }
        if (x < 2) {
            return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
        }
        return 0;
    }

    static double[] reference(float[] src, int ch, int inH, int inW, int outH, int outW) {
        double[] out = new double[ch * outH * outW];
        for (int c = 0; c < ch; c++) {
            for (int oy = 0; oy < outH; oy++) {
                double sy = (oy + 0.5) * inH / outH - 0.5;
                int y0 = (int) Math.floor(sy);
                for (int ox = 0; ox < outW; ox++) {
                    double sx = (ox + 0.5) * inW / outW - 0.5;
                    int x0 = (int) Math.floor(sx);
                    double acc = 0;
                    for (int j = -1; j <= 2; j++) {
                        int yy = Math.max(0, Math.min(inH - 1, y0 + j));
                        for (int i = -1; i <= 2; i++) {
                            int xx = Math.max(0, Math.min(inW - 1, x0 + i));
                            acc += keys(sy - (y0 + j)) * keys(sx - (x0 + i)) * src[(c * inH + yy) * inW + xx];
                        }
                    }
                    out[(c * outH + oy) * outW + ox] = acc;
                }
            }
        }
        return out;
    }

    @ParameterizedTest
    @CsvSource({"7,9,12,5", "13,11,4,6", "3,17,8,8", "1,5,3,2", "29,23,29,7"})
    void matchesThePlainDefinition(int inH, int inW, int outH, int outW) {
        SplittableRandom r = new SplittableRandom(inH * 31L + inW);
        float[] src = new float[3 * inH * inW];
        for (int i = 0; i < src.length; i++) {
            src[i] = (float) (r.nextDouble() * 4 - 2);
        }
        Approx.assertClose("bicubic " + inH + "x" + inW + " -> " + outH + "x" + outW,
                reference(src, 3, inH, inW, outH, outW), TorchBicubic.resize(src, 3, inH, inW, outH, outW), 1e-5, 1e-5);
    }

    @Test
    void sameSizeIsTheIdentityAndConstantsStayConstant() {
        SplittableRandom r = new SplittableRandom(1);
        float[] src = new float[2 * 5 * 7];
        for (int i = 0; i < src.length; i++) {
            src[i] = (float) r.nextGaussian();
        }
        assertArrayEquals(src, TorchBicubic.resize(src, 2, 5, 7, 5, 7));
        float[] flat = new float[3 * 9 * 4];
        java.util.Arrays.fill(flat, 0.625f);
        float[] out = TorchBicubic.resize(flat, 3, 9, 4, 5, 11);
        float[] expected = new float[out.length];
        java.util.Arrays.fill(expected, 0.625f);
        Approx.assertClose("constant", expected, out, 1e-6, 0);
    }
}
