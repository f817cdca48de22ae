package org.urbangraph.vlm.image.jpeg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The islow IDCT against the textbook inverse DCT in double precision on random blocks: libjpeg's integer
 * version is accurate to one level (IEEE 1180), and exact on DC-only blocks. Bit-exactness with libjpeg-turbo
 * itself is proved on real files by DecodeAgainstPillowTest.
 */
class IdctTest {

    /** The exact sample before the level shift and clamping. */
    private static double reference(short[] coef, int[] q, int x, int y) {
        double sum = 0;
        for (int v = 0; v < 8; v++) {
            for (int u = 0; u < 8; u++) {
                double cu = u == 0 ? Math.sqrt(0.5) : 1;
                double cv = v == 0 ? Math.sqrt(0.5) : 1;
                sum += cu * cv * coef[v * 8 + u] * q[v * 8 + u] * Math.cos((2 * x + 1) * u * Math.PI / 16)
                        * Math.cos((2 * y + 1) * v * Math.PI / 16);
            }
        }
        return sum / 4;
    }

    @Test
    void withinOneLevelOfTheExactTransform() {
        Random rnd = new Random(1180);
        int[] ws = new int[64];
        int worst = 0;
        long off = 0;
        long clamped = 0;
        for (int trial = 0; trial < 2000; trial++) {
            short[] coef = new short[64 + 7];
            int[] q = new int[64];
            int range = trial % 3 == 0 ? 300 : 40;
            for (int i = 0; i < 64; i++) {
                q[i] = 1 + rnd.nextInt(8);
                // most energy at low frequencies, as in photos; some blocks sparse
                boolean keep = i < 10 || rnd.nextInt(4) == 0;
                coef[7 + i] = keep ? (short) ((rnd.nextInt(2 * range + 1) - range) / (1 + i / 8)) : 0;
            }
            byte[] out = new byte[11 * 8 + 3];
            Idct.transform(coef, 7, q, out, 3, 11, ws);
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    int ours = out[3 + y * 11 + x] & 0xFF;
                    double exact = reference(java.util.Arrays.copyOfRange(coef, 7, 71), q, x, y);
                    if (Math.abs(exact) > 128) {
                        clamped++;
                    }
                    if (Math.abs(exact) > 500) {
                        continue; // libjpeg's range limit wraps there (corrupt data only); not an accuracy question
                    }
                    int d = Math.abs(ours - (int) Math.max(0, Math.min(255, Math.round(exact + 128))));
                    worst = Math.max(worst, d);
                    off += d;
                }
            }
        }
        assertTrue(worst <= 1, "islow differs from the exact IDCT by " + worst + " levels");
        assertTrue(off > 0, "the random blocks never exercised the rounding");
        assertTrue(clamped > 1000, "the random blocks never exercised the clamping");
    }

    @Test
    void dcOnlyBlocksAreFlatAndExact() {
        int[] ws = new int[64];
        int[] q = new int[64];
        java.util.Arrays.fill(q, 1);
        for (int dc = -1100; dc <= 1100; dc += 7) {
            short[] coef = new short[64];
            coef[0] = (short) dc;
            byte[] out = new byte[64];
            Idct.transform(coef, 0, q, out, 0, 8, ws);
            int expected = Math.max(0, Math.min(255, (int) Math.floor(dc / 8.0 + 0.5) + 128));
            for (byte b : out) {
                assertEquals(expected, b & 0xFF, "DC " + dc);
            }
        }
    }
}
