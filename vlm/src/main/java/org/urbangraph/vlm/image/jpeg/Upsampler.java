package org.urbangraph.vlm.image.jpeg;

/**
 * Brings a component's samples to the full image size as libjpeg-turbo does with its defaults (jdsample.c,
 * {@code do_fancy_upsampling} on): "fancy" triangle filters for 2:1 horizontal (4:2:2), 2:1 vertical (4:4:0) and
 * 2:1 both ways (4:2:0), plain replication for other integral ratios and for components at most 2 samples wide.
 *
 * <p>Samples past the component's real size are never read: the row above the first and below the last real row
 * are that row itself, and likewise for columns, which is what libjpeg's context-row pointers and edge cases
 * amount to. (libjpeg 6b, the JDK's decoder, has no fancy 4:4:0 path; libjpeg-turbo has one since 2.0.)
 */
final class Upsampler {
    private Upsampler() {}

    /**
     * @param src    the component plane, {@code stride} bytes a row, real size {@code dw x dh}
     * @param hIn    the component's horizontal sampling factor, hOut the frame's maximum (likewise v)
     * @param out    receives {@code width x height} samples, row-major
     */
    static void upsample(byte[] src, int stride, int dw, int dh, int hIn, int vIn, int hOut, int vOut,
                         byte[] out, int width, int height, String source) {
        if (hIn == hOut && vIn == vOut) {
            for (int y = 0; y < height; y++) {
                System.arraycopy(src, y * stride, out, y * width, width);
            }
        } else if (hIn * 2 == hOut && vIn == vOut) {
            if (dw > 2) {
                h2v1Fancy(src, stride, dw, out, width, height);
            } else {
                replicate(src, stride, 2, 1, out, width, height);
            }
        } else if (hIn == hOut && vIn * 2 == vOut) {
            h1v2Fancy(src, stride, dh, out, width, height);
        } else if (hIn * 2 == hOut && vIn * 2 == vOut) {
            if (dw > 2) {
                h2v2Fancy(src, stride, dw, dh, out, width, height);
            } else {
                replicate(src, stride, 2, 2, out, width, height);
            }
        } else if (hOut % hIn == 0 && vOut % vIn == 0) {
            replicate(src, stride, hOut / hIn, vOut / vIn, out, width, height);
        } else {
            throw new org.urbangraph.vlm.image.ImageFormatException(source, "fractional chroma sampling ("
                    + hIn + "x" + vIn + " against " + hOut + "x" + vOut + ") is not supported (nor by libjpeg)");
        }
    }

    private static void replicate(byte[] src, int stride, int hx, int vx, byte[] out, int width, int height) {
        for (int y = 0; y < height; y++) {
            int s = (y / vx) * stride;
            int o = y * width;
            for (int x = 0; x < width; x++) {
                out[o + x] = src[s + x / hx];
            }
        }
    }

    private static void h2v1Fancy(byte[] src, int stride, int dw, byte[] out, int width, int height) {
        for (int y = 0; y < height; y++) {
            int s = y * stride;
            int o = y * width;
            for (int x = 0; x < width; x++) {
                int i = x >> 1;
                int near = (src[s + i] & 0xFF) * 3;
                if ((x & 1) == 0) {
                    out[o + x] = (byte) ((near + (src[s + Math.max(i - 1, 0)] & 0xFF) + 1) >> 2);
                } else {
                    out[o + x] = (byte) ((near + (src[s + Math.min(i + 1, dw - 1)] & 0xFF) + 2) >> 2);
                }
            }
        }
    }

    private static void h1v2Fancy(byte[] src, int stride, int dh, byte[] out, int width, int height) {
        for (int y = 0; y < height; y++) {
            int r = y >> 1;
            boolean upper = (y & 1) == 0;
            int far = upper ? Math.max(r - 1, 0) : Math.min(r + 1, dh - 1);
            int bias = upper ? 1 : 2;
            int s0 = r * stride;
            int s1 = far * stride;
            int o = y * width;
            for (int x = 0; x < width; x++) {
                out[o + x] = (byte) (((src[s0 + x] & 0xFF) * 3 + (src[s1 + x] & 0xFF) + bias) >> 2);
            }
        }
    }

    private static void h2v2Fancy(byte[] src, int stride, int dw, int dh, byte[] out, int width, int height) {
        int[] colsum = new int[dw];
        for (int y = 0; y < height; y++) {
            int r = y >> 1;
            int far = (y & 1) == 0 ? Math.max(r - 1, 0) : Math.min(r + 1, dh - 1);
            int s0 = r * stride;
            int s1 = far * stride;
            for (int i = 0; i < dw; i++) {
                colsum[i] = (src[s0 + i] & 0xFF) * 3 + (src[s1 + i] & 0xFF);
            }
            int o = y * width;
            for (int x = 0; x < width; x++) {
                int i = x >> 1;
                int near = colsum[i] * 3;
                if ((x & 1) == 0) {
                    out[o + x] = (byte) ((near + colsum[Math.max(i - 1, 0)] + 8) >> 4);
                } else {
                    out[o + x] = (byte) ((near + colsum[Math.min(i + 1, dw - 1)] + 7) >> 4);
                }
            }
        }
    }
}
