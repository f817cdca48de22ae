package org.urbangraph.vlm.image;

/**
 * PyTorch's {@code F.interpolate(x, size, mode="bicubic", align_corners=False)} without antialiasing, on float
 * planes, in the arithmetic of its CPU kernel (float32 throughout): Keys' cubic with a = -0.75, source coordinate
 * {@code scale * (dst + 0.5) - 0.5} with {@code scale = in / out}, the four taps clamped to the border, and the
 * sum taken over rows of horizontally interpolated samples. Phi-3-V makes its global image this way from the
 * normalised HD image. Unlike Pillow's bicubic (a = -0.5, widened when shrinking) it never antialiases.
 */
public final class TorchBicubic {
    private TorchBicubic() {}

    private static final float A = -0.75f;

    /**
     * @param src planes [channels, inH, inW], row-major
     * @return planes [channels, outH, outW]
     */
    public static float[] resize(float[] src, int channels, int inH, int inW, int outH, int outW) {
        if (inH <= 0 || inW <= 0 || outH <= 0 || outW <= 0 || src.length != channels * inH * inW) {
            throw new IllegalArgumentException("bicubic resize of " + channels + "x" + inH + "x" + inW + " ("
                    + src.length + " values) to " + outH + "x" + outW);
        }
        int[] yIdx = new int[outH * 4];
        float[] yW = new float[outH * 4];
        taps(inH, outH, yIdx, yW);
        int[] xIdx = new int[outW * 4];
        float[] xW = new float[outW * 4];
        taps(inW, outW, xIdx, xW);
        float[] out = new float[channels * outH * outW];
        for (int c = 0; c < channels; c++) {
            int plane = c * inH * inW;
            for (int oy = 0; oy < outH; oy++) {
                for (int ox = 0; ox < outW; ox++) {
                    float acc = 0;
                    for (int j = 0; j < 4; j++) {
                        int row = plane + yIdx[oy * 4 + j] * inW;
                        float t = src[row + xIdx[ox * 4]] * xW[ox * 4];
                        for (int i = 1; i < 4; i++) {
                            t += src[row + xIdx[ox * 4 + i]] * xW[ox * 4 + i];
                        }
                        acc = j == 0 ? t * yW[oy * 4] : acc + t * yW[oy * 4 + j];
                    }
                    out[(c * outH + oy) * outW + ox] = acc;
                }
            }
        }
        return out;
    }

    /** The four source indices and weights of each output index along one axis. */
    static void taps(int in, int out, int[] idx, float[] w) {
        float scale = (float) in / out;
        for (int o = 0; o < out; o++) {
            float real = scale * (o + 0.5f) - 0.5f;
            int index = (int) Math.min((long) Math.floor(real), in - 1);
            float t = Math.min(Math.max(real - index, 0f), 1f);
            float x2 = 1.0f - t;
            w[o * 4] = convolution2(t + 1.0f);
            w[o * 4 + 1] = convolution1(t);
            w[o * 4 + 2] = convolution1(x2);
            w[o * 4 + 3] = convolution2(x2 + 1.0f);
            for (int j = 0; j < 4; j++) {
                idx[o * 4 + j] = Math.max(Math.min(index - 1 + j, in - 1), 0);
            }
        }
    }

    /** |x| <= 1. */
    private static float convolution1(float x) {
        return ((A + 2) * x - (A + 3)) * x * x + 1;
    }

    /** 1 < |x| < 2. */
    private static float convolution2(float x) {
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
    }
}
