package org.urbangraph.vlm.image;

/**
 * Pillow-compatible resizing of 8-bit RGB images, bit for bit with Pillow's {@code Image.resize(size, filter)}
 * (libImaging/Resample.c), which is what the Hugging Face "slow" image processors call.
 *
 * <p>What has to be copied exactly, because one grey level moves an embedding by about 1e-3:
 * <ul>
 *   <li>two separable passes, horizontal first, then vertical, with the intermediate image stored as 8 bits;
 *       a pass whose size does not change is skipped;</li>
 *   <li>when shrinking, the filter is stretched by the scale (support × scale, antialiasing); the taps of each
 *       output sample are the input samples whose centres fall within the support of {@code (x + 0.5) · scale},
 *       with Pillow's own truncations, normalised to sum 1 in double;</li>
 *   <li>the weights are then rounded to fixed point with 22 fractional bits (away from zero at halves), the sum
 *       starts at half a unit, and the result is shifted down and clamped to 0..255.</li>
 * </ul>
 */
public final class Resample {
    private Resample() {}

    /** The resampling filters of Pillow that the processors use ({@code resample} 2 and 3 in their configs). */
    public enum Filter {
        /** Pillow's BILINEAR (a triangle), {@code resample = 2}. */
        BILINEAR(1.0),
        /** Pillow's BICUBIC, Keys' cubic with a = -0.5, {@code resample = 3}. */
        BICUBIC(2.0);

        final double support;

        Filter(double support) {
            this.support = support;
        }

        double weight(double x) {
            if (x < 0) {
                x = -x;
            }
            return switch (this) {
                case BILINEAR -> x < 1.0 ? 1.0 - x : 0.0;
                case BICUBIC -> {
                    final double a = -0.5;
                    if (x < 1.0) {
                        yield ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
                    }
                    if (x < 2.0) {
                        yield (((x - 5) * x + 8) * x - 4) * a;
                    }
                    yield 0.0;
                }
            };
        }

        /** The filter for a PIL resample code as stored in {@code preprocessor_config.json}. */
        public static Filter fromPilCode(int code) {
            return switch (code) {
                case 2 -> BILINEAR;
                case 3 -> BICUBIC;
                default -> throw new IllegalArgumentException("resample " + code + " is not supported (2 = BILINEAR "
                        + "and 3 = BICUBIC are; 0 NEAREST, 1 LANCZOS, 4 BOX, 5 HAMMING are not)");
            };
        }
    }

    private static final int PRECISION_BITS = 32 - 8 - 2;

    /** Resizes {@code src} to {@code width x height}; the same size returns {@code src} itself (Pillow copies). */
    public static RgbImage resize(RgbImage src, int width, int height, Filter filter) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("target size must be positive, got " + width + "x" + height);
        }
        if (width == src.width() && height == src.height()) {
            return src;
        }
        Coefficients vert = height != src.height() ? Coefficients.of(src.height(), height, filter) : null;
        RgbImage img = src;
        if (width != src.width()) {
            Coefficients horiz = Coefficients.of(src.width(), width, filter);
            // Only the rows the vertical pass reads need the horizontal pass (Pillow does the same; same result).
            int first = 0;
            int last = src.height();
            if (vert != null) {
                first = vert.bounds[0];
                last = vert.bounds[2 * (height - 1)] + vert.bounds[2 * (height - 1) + 1];
            }
            img = horizontal(src, horiz, first, last);
            if (vert != null) {
                vert = vert.shifted(-first);
            }
        }
        if (vert != null) {
            img = vertical(img, vert);
        }
        return img;
    }

    /** One pass's taps: for output i, the input range [bounds[2i], bounds[2i] + bounds[2i+1]) and its weights. */
    record Coefficients(int ksize, int[] bounds, int[] weights) {

        static Coefficients of(int inSize, int outSize, Filter filter) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = filter.support * filterScale;
            int ksize = (int) Math.ceil(support) * 2 + 1;
            double[] k = new double[outSize * ksize];
            int[] bounds = new int[outSize * 2];
            double ss = 1.0 / filterScale;
            for (int xx = 0; xx < outSize; xx++) {
                double center = (xx + 0.5) * scale;
                int xmin = (int) (center - support + 0.5);
                if (xmin < 0) {
                    xmin = 0;
                }
                int xmax = (int) (center + support + 0.5);
                if (xmax > inSize) {
                    xmax = inSize;
                }
                xmax -= xmin;
                double ww = 0.0;
                int base = xx * ksize;
                for (int x = 0; x < xmax; x++) {
                    double w = filter.weight((x + xmin - center + 0.5) * ss);
                    k[base + x] = w;
                    ww += w;
                }
                for (int x = 0; x < xmax; x++) {
                    if (ww != 0.0) {
                        k[base + x] /= ww;
                    }
                }
                bounds[xx * 2] = xmin;
                bounds[xx * 2 + 1] = xmax;
            }
            int[] fixed = new int[k.length];
            for (int i = 0; i < k.length; i++) {
                double v = k[i] * (1 << PRECISION_BITS);
                fixed[i] = (int) (v < 0 ? -0.5 + v : 0.5 + v);
            }
            return new Coefficients(ksize, bounds, fixed);
        }

        Coefficients shifted(int offset) {
            int[] b = bounds.clone();
            for (int i = 0; i < b.length; i += 2) {
                b[i] += offset;
            }
            return new Coefficients(ksize, b, weights);
        }
    }

    private static int clip8(int acc) {
        int v = acc >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    private static RgbImage horizontal(RgbImage src, Coefficients c, int firstRow, int lastRow) {
        int inW = src.width();
        int outW = c.bounds.length / 2;
        int rows = lastRow - firstRow;
        byte[] in = src.pixels();
        byte[] out = new byte[outW * rows * 3];
        int half = 1 << (PRECISION_BITS - 1);
        for (int y = 0; y < rows; y++) {
            int inRow = (y + firstRow) * inW * 3;
            int outRow = y * outW * 3;
            for (int xx = 0; xx < outW; xx++) {
                int xmin = c.bounds[2 * xx];
                int n = c.bounds[2 * xx + 1];
                int kb = xx * c.ksize;
                int r = half;
                int g = half;
                int b = half;
                for (int x = 0; x < n; x++) {
                    int w = c.weights[kb + x];
                    int p = inRow + (xmin + x) * 3;
                    r += (in[p] & 0xFF) * w;
                    g += (in[p + 1] & 0xFF) * w;
                    b += (in[p + 2] & 0xFF) * w;
                }
                int o = outRow + xx * 3;
                out[o] = (byte) clip8(r);
                out[o + 1] = (byte) clip8(g);
                out[o + 2] = (byte) clip8(b);
            }
        }
        return new RgbImage(outW, rows, out);
    }

    private static RgbImage vertical(RgbImage src, Coefficients c) {
        int w = src.width();
        int outH = c.bounds.length / 2;
        byte[] in = src.pixels();
        byte[] out = new byte[w * outH * 3];
        int half = 1 << (PRECISION_BITS - 1);
        int stride = w * 3;
        int[] acc = new int[stride];
        for (int yy = 0; yy < outH; yy++) {
            int ymin = c.bounds[2 * yy];
            int n = c.bounds[2 * yy + 1];
            int kb = yy * c.ksize;
            java.util.Arrays.fill(acc, half);
            for (int y = 0; y < n; y++) {
                int wgt = c.weights[kb + y];
                int row = (ymin + y) * stride;
                for (int i = 0; i < stride; i++) {
                    acc[i] += (in[row + i] & 0xFF) * wgt;
                }
            }
            int o = yy * stride;
            for (int i = 0; i < stride; i++) {
                out[o + i] = (byte) clip8(acc[i]);
            }
        }
        return new RgbImage(w, outH, out);
    }
}
