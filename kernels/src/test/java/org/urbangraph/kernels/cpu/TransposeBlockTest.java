package org.urbangraph.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The register transposes that pack a transposed weight, against the plain definition dst[o + c * dstStride + r] =
 * src[s + r * ld + c], on random values at odd offsets and strides, with the floats around each block checked
 * untouched. (On a machine without 512-bit vectors Transpose16 runs the Vector API's portable code: the same results,
 * slowly; the GEMM then uses Transpose8.)
 */
class TransposeBlockTest {

    @Test
    void transpose8MatchesTheDefinition() {
        check(8, 19, 13, 11, 17);
        check(8, 8, 0, 0, 8);
    }

    @Test
    void transpose16MatchesTheDefinition() {
        check(16, 37, 5, 3, 23);
        check(16, 16, 0, 0, 16);
    }

    private static void check(int size, int ld, int s, int o, int dstStride) {
        SplittableRandom rnd = new SplittableRandom(size * 1000L + ld);
        float[] src = new float[s + size * ld + 7];
        for (int i = 0; i < src.length; i++) {
            src[i] = (float) rnd.nextGaussian();
        }
        float[] dst = new float[o + size * dstStride + 9];
        java.util.Arrays.fill(dst, Float.NaN);
        if (size == 8) {
            Transpose8.block(src, s, ld, dst, o, dstStride);
        } else {
            Transpose16.block(src, s, ld, dst, o, dstStride);
        }
        boolean[] written = new boolean[dst.length];
        for (int r = 0; r < size; r++) {
            for (int c = 0; c < size; c++) {
                int at = o + c * dstStride + r;
                assertEquals(src[s + r * ld + c], dst[at], "row " + r + ", column " + c);
                written[at] = true;
            }
        }
        for (int i = 0; i < dst.length; i++) {
            if (!written[i]) {
                assertEquals(Float.NaN, dst[i], "float " + i + " outside the block was written");
            }
        }
    }
}
