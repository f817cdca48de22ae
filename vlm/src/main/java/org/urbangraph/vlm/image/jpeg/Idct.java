package org.urbangraph.vlm.image.jpeg;

/**
 * libjpeg's "islow" inverse DCT (jidctint.c, the Loeffler-Ligtenberg-Moschytz algorithm with 13-bit fixed-point
 * constants and 2 extra bits between the passes), the default of libjpeg-turbo and so of Pillow. Every rounding
 * and the final range limit must be the same, or the pixels differ by a grey level.
 */
final class Idct {
    private Idct() {}

    private static final int CONST_BITS = 13;
    private static final int PASS1_BITS = 2;
    private static final int FIX_0_298631336 = 2446;
    private static final int FIX_0_390180644 = 3196;
    private static final int FIX_0_541196100 = 4433;
    private static final int FIX_0_765366865 = 6270;
    private static final int FIX_0_899976223 = 7373;
    private static final int FIX_1_175875602 = 9633;
    private static final int FIX_1_501321110 = 12299;
    private static final int FIX_1_847759065 = 15137;
    private static final int FIX_1_961570560 = 16069;
    private static final int FIX_2_053119869 = 16819;
    private static final int FIX_2_562915447 = 20995;
    private static final int FIX_3_072711026 = 25172;

    /**
     * libjpeg's post-IDCT range limit: the descaled value x is centred on 0; {@code x & 1023} indexes a table that
     * clamps [-512, 511] to [0, 255] (and wraps beyond, which only corrupt data reaches).
     */
    private static final byte[] RANGE_LIMIT = new byte[1024];

    static {
        for (int i = 0; i < 1024; i++) {
            int v;
            if (i < 128) {
                v = i + 128;
            } else if (i < 512) {
                v = 255;
            } else if (i < 896) {
                v = 0;
            } else {
                v = i - 896;
            }
            RANGE_LIMIT[i] = (byte) v;
        }
    }

    private static int descale(int x, int n) {
        return (x + (1 << (n - 1))) >> n;
    }

    /**
     * Transforms the block at {@code coefs[off..off+64)} with quantisation table {@code q} (natural order) into the
     * 8x8 samples at {@code out[outOff + row * stride + col]}. {@code ws} is a 64-int workspace.
     */
    static void transform(short[] coefs, int off, int[] q, byte[] out, int outOff, int stride, int[] ws) {
        // Pass 1: columns from the input, into the workspace.
        for (int col = 0; col < 8; col++) {
            int c = off + col;
            if (coefs[c + 8] == 0 && coefs[c + 16] == 0 && coefs[c + 24] == 0 && coefs[c + 32] == 0
                    && coefs[c + 40] == 0 && coefs[c + 48] == 0 && coefs[c + 56] == 0) {
                int dc = (coefs[c] * q[col]) << PASS1_BITS;
                for (int r = 0; r < 8; r++) {
                    ws[r * 8 + col] = dc;
                }
                continue;
            }
            int z2 = coefs[c + 16] * q[col + 16];
            int z3 = coefs[c + 48] * q[col + 48];
            int z1 = (z2 + z3) * FIX_0_541196100;
            int tmp2 = z1 + z3 * -FIX_1_847759065;
            int tmp3 = z1 + z2 * FIX_0_765366865;
            z2 = coefs[c] * q[col];
            z3 = coefs[c + 32] * q[col + 32];
            int tmp0 = (z2 + z3) << CONST_BITS;
            int tmp1 = (z2 - z3) << CONST_BITS;
            int tmp10 = tmp0 + tmp3;
            int tmp13 = tmp0 - tmp3;
            int tmp11 = tmp1 + tmp2;
            int tmp12 = tmp1 - tmp2;

            tmp0 = coefs[c + 56] * q[col + 56];
            tmp1 = coefs[c + 40] * q[col + 40];
            tmp2 = coefs[c + 24] * q[col + 24];
            tmp3 = coefs[c + 8] * q[col + 8];
            z1 = tmp0 + tmp3;
            z2 = tmp1 + tmp2;
            z3 = tmp0 + tmp2;
            int z4 = tmp1 + tmp3;
            int z5 = (z3 + z4) * FIX_1_175875602;
            tmp0 = tmp0 * FIX_0_298631336;
            tmp1 = tmp1 * FIX_2_053119869;
            tmp2 = tmp2 * FIX_3_072711026;
            tmp3 = tmp3 * FIX_1_501321110;
            z1 = z1 * -FIX_0_899976223;
            z2 = z2 * -FIX_2_562915447;
            z3 = z3 * -FIX_1_961570560;
            z4 = z4 * -FIX_0_390180644;
            z3 += z5;
            z4 += z5;
            tmp0 += z1 + z3;
            tmp1 += z2 + z4;
            tmp2 += z2 + z3;
            tmp3 += z1 + z4;

            final int n = CONST_BITS - PASS1_BITS;
            ws[col] = descale(tmp10 + tmp3, n);
            ws[56 + col] = descale(tmp10 - tmp3, n);
            ws[8 + col] = descale(tmp11 + tmp2, n);
            ws[48 + col] = descale(tmp11 - tmp2, n);
            ws[16 + col] = descale(tmp12 + tmp1, n);
            ws[40 + col] = descale(tmp12 - tmp1, n);
            ws[24 + col] = descale(tmp13 + tmp0, n);
            ws[32 + col] = descale(tmp13 - tmp0, n);
        }
        // Pass 2: rows from the workspace, into the output.
        final int n = CONST_BITS + PASS1_BITS + 3;
        for (int row = 0; row < 8; row++) {
            int w = row * 8;
            int o = outOff + row * stride;
            if (ws[w + 1] == 0 && ws[w + 2] == 0 && ws[w + 3] == 0 && ws[w + 4] == 0 && ws[w + 5] == 0
                    && ws[w + 6] == 0 && ws[w + 7] == 0) {
                byte v = RANGE_LIMIT[descale(ws[w], PASS1_BITS + 3) & 1023];
                for (int i = 0; i < 8; i++) {
                    out[o + i] = v;
                }
                continue;
            }
            int z2 = ws[w + 2];
            int z3 = ws[w + 6];
            int z1 = (z2 + z3) * FIX_0_541196100;
            int tmp2 = z1 + z3 * -FIX_1_847759065;
            int tmp3 = z1 + z2 * FIX_0_765366865;
            int tmp0 = (ws[w] + ws[w + 4]) << CONST_BITS;
            int tmp1 = (ws[w] - ws[w + 4]) << CONST_BITS;
            int tmp10 = tmp0 + tmp3;
            int tmp13 = tmp0 - tmp3;
            int tmp11 = tmp1 + tmp2;
            int tmp12 = tmp1 - tmp2;

            tmp0 = ws[w + 7];
            tmp1 = ws[w + 5];
            tmp2 = ws[w + 3];
            tmp3 = ws[w + 1];
            z1 = tmp0 + tmp3;
            z2 = tmp1 + tmp2;
            z3 = tmp0 + tmp2;
            int z4 = tmp1 + tmp3;
            int z5 = (z3 + z4) * FIX_1_175875602;
            tmp0 = tmp0 * FIX_0_298631336;
            tmp1 = tmp1 * FIX_2_053119869;
            tmp2 = tmp2 * FIX_3_072711026;
            tmp3 = tmp3 * FIX_1_501321110;
            z1 = z1 * -FIX_0_899976223;
            z2 = z2 * -FIX_2_562915447;
            z3 = z3 * -FIX_1_961570560;
            z4 = z4 * -FIX_0_390180644;
            z3 += z5;
            z4 += z5;
            tmp0 += z1 + z3;
            tmp1 += z2 + z4;
            tmp2 += z2 + z3;
            tmp3 += z1 + z4;

            out[o] = RANGE_LIMIT[descale(tmp10 + tmp3, n) & 1023];
            out[o + 7] = RANGE_LIMIT[descale(tmp10 - tmp3, n) & 1023];
            out[o + 1] = RANGE_LIMIT[descale(tmp11 + tmp2, n) & 1023];
            out[o + 6] = RANGE_LIMIT[descale(tmp11 - tmp2, n) & 1023];
            out[o + 2] = RANGE_LIMIT[descale(tmp12 + tmp1, n) & 1023];
            out[o + 5] = RANGE_LIMIT[descale(tmp12 - tmp1, n) & 1023];
            out[o + 3] = RANGE_LIMIT[descale(tmp13 + tmp0, n) & 1023];
            out[o + 4] = RANGE_LIMIT[descale(tmp13 - tmp0, n) & 1023];
        }
    }
}
