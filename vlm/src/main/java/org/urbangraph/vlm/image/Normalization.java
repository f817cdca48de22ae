package org.urbangraph.vlm.image;

/**
 * The processors' rescale and normalise step, in the precision the reference uses (bit-exact with it):
 * {@code x = float32(u8 * rescale_factor)} with the product in double (numpy rescales a float64 copy, then casts),
 * then {@code (x - float32(mean[c])) / float32(std[c])} in float32.
 */
public record Normalization(boolean doRescale, double rescaleFactor, boolean doNormalize, float[] mean, float[] std) {

    /** The OpenAI CLIP statistics, the default of both processors. */
    public static final double[] CLIP_MEAN = {0.48145466, 0.4578275, 0.40821073};
    public static final double[] CLIP_STD = {0.26862954, 0.26130258, 0.27577711};

    public Normalization {
        mean = mean.clone();
        std = std.clone();
        if (mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("image_mean and image_std need 3 values (R, G, B), got "
                    + mean.length + " and " + std.length);
        }
        for (float s : std) {
            if (!(s != 0.0f) || Float.isNaN(s)) {
                throw new IllegalArgumentException("image_std must be non-zero, got " + s);
            }
        }
    }

    public static Normalization of(boolean doRescale, double rescaleFactor, boolean doNormalize, double[] mean,
                                   double[] std) {
        float[] m = new float[mean.length];
        float[] s = new float[std.length];
        for (int i = 0; i < mean.length; i++) {
            m[i] = (float) mean[i];
        }
        for (int i = 0; i < std.length; i++) {
            s[i] = (float) std[i];
        }
        return new Normalization(doRescale, rescaleFactor, doNormalize, m, s);
    }

    /** The value of one 8-bit sample of channel {@code c}. */
    public float apply(int u8, int c) {
        float x = doRescale ? (float) (u8 * rescaleFactor) : (float) u8;
        return doNormalize ? (x - mean[c]) / std[c] : x;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Normalization n && n.doRescale == doRescale
                && Double.compare(n.rescaleFactor, rescaleFactor) == 0 && n.doNormalize == doNormalize
                && java.util.Arrays.equals(n.mean, mean) && java.util.Arrays.equals(n.std, std);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(doRescale, rescaleFactor, doNormalize, java.util.Arrays.hashCode(mean),
                java.util.Arrays.hashCode(std));
    }

    @Override
    public String toString() {
        return "Normalization[rescale=" + (doRescale ? rescaleFactor : "off") + ", mean="
                + (doNormalize ? java.util.Arrays.toString(mean) + ", std=" + java.util.Arrays.toString(std) : "off")
                + "]";
    }

    /** A lookup table [c * 256 + u8] of {@link #apply}: the step is a pure function of (u8, c). */
    public float[] table() {
        float[] t = new float[3 * 256];
        for (int c = 0; c < 3; c++) {
            for (int v = 0; v < 256; v++) {
                t[c * 256 + v] = apply(v, c);
            }
        }
        return t;
    }
}
