package org.urbangraph.vlm.image.jpeg;

/**
 * Component samples to RGB, as libjpeg-turbo's jdcolor.c (YCbCr to RGB, YCCK to CMYK, with its 16-bit
 * fixed-point tables) followed, for 4-channel files, by Pillow's handling: the CMYK samples are taken as
 * inverted (Pillow's "CMYK;I", the Adobe convention it always assumes) and then converted to RGB with
 * Pillow's {@code cmyk2rgb}.
 */
final class ColorConverter {
    private ColorConverter() {}

    private static final int SCALEBITS = 16;
    private static final int ONE_HALF = 1 << (SCALEBITS - 1);
    private static final int[] CR_R = new int[256];
    private static final int[] CB_B = new int[256];
    private static final int[] CR_G = new int[256];
    private static final int[] CB_G = new int[256];

    private static int fix(double x) {
        return (int) (x * (1L << SCALEBITS) + 0.5);
    }

    static {
        for (int i = 0; i < 256; i++) {
            int x = i - 128;
            CR_R[i] = (fix(1.40200) * x + ONE_HALF) >> SCALEBITS;
            CB_B[i] = (fix(1.77200) * x + ONE_HALF) >> SCALEBITS;
            CR_G[i] = -fix(0.71414) * x;
            CB_G[i] = -fix(0.34414) * x + ONE_HALF;
        }
    }

    private static int clamp(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }

    static void ycbcrToRgb(byte[] yp, byte[] cbp, byte[] crp, byte[] rgb, int n) {
        for (int i = 0, o = 0; i < n; i++, o += 3) {
            int y = yp[i] & 0xFF;
            int cb = cbp[i] & 0xFF;
            int cr = crp[i] & 0xFF;
            rgb[o] = (byte) clamp(y + CR_R[cr]);
            rgb[o + 1] = (byte) clamp(y + ((CB_G[cb] + CR_G[cr]) >> SCALEBITS));
            rgb[o + 2] = (byte) clamp(y + CB_B[cb]);
        }
    }

    static void rgbToRgb(byte[] r, byte[] g, byte[] b, byte[] rgb, int n) {
        for (int i = 0, o = 0; i < n; i++, o += 3) {
            rgb[o] = r[i];
            rgb[o + 1] = g[i];
            rgb[o + 2] = b[i];
        }
    }

    static void grayToRgb(byte[] g, byte[] rgb, int n) {
        for (int i = 0, o = 0; i < n; i++, o += 3) {
            rgb[o] = rgb[o + 1] = rgb[o + 2] = g[i];
        }
    }

    /** libjpeg's YCCK to CMYK: YCbCr to RGB, each inverted; K passes through. In place. */
    static void ycckToCmyk(byte[] y, byte[] cb, byte[] cr) {
        for (int i = 0; i < y.length; i++) {
            int yy = y[i] & 0xFF;
            int b = cb[i] & 0xFF;
            int r = cr[i] & 0xFF;
            y[i] = (byte) clamp(255 - (yy + CR_R[r]));
            cb[i] = (byte) clamp(255 - (yy + ((CB_G[b] + CR_G[r]) >> SCALEBITS)));
            cr[i] = (byte) clamp(255 - (yy + CB_B[b]));
        }
    }

    /** Pillow: "CMYK;I" unpacking (255 - v), then cmyk2rgb: {@code nk - nk * c / 255} with nk = 255 - k. */
    static void invertedCmykToRgb(byte[] c, byte[] m, byte[] y, byte[] k, byte[] rgb, int n) {
        for (int i = 0, o = 0; i < n; i++, o += 3) {
            int nk = k[i] & 0xFF; // 255 - (255 - k)
            rgb[o] = (byte) cmykChannel(255 - (c[i] & 0xFF), nk);
            rgb[o + 1] = (byte) cmykChannel(255 - (m[i] & 0xFF), nk);
            rgb[o + 2] = (byte) cmykChannel(255 - (y[i] & 0xFF), nk);
        }
    }

    private static int cmykChannel(int ink, int nk) {
        int tmp = ink * nk + 128;
        int mul = ((tmp >> 8) + tmp) >> 8; // Pillow's MULDIV255
        return clamp(nk - mul);
    }
}
