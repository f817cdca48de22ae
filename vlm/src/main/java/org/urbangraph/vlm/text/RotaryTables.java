package org.urbangraph.vlm.text;

import org.urbangraph.tensor.Tensor;

/**
 * cos / sin tables [B, L, headDim] for the rotate-half rotary embedding, computed on the host in float32 as
 * Hugging Face computes them: inv_freq_i = 1 / theta^(2i / d), angle = position * inv_freq (one float product),
 * emb = cat(angles, angles). For M-RoPE each chunk of the head dimension takes its positions from one axis: the
 * sections (t, h, w) repeat over both halves, so the halves stay equal (the rotary kernel's backward relies on it).
 * Phi-3's scaled variant divides each frequency by a factor and multiplies cos / sin by a magnitude
 * ({@link RopeScaling}).
 */
public final class RotaryTables {
    private RotaryTables() {}

    public static float[] invFreq(int dim, double theta) {
        float[] inv = new float[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / dim;
            inv[i] = 1.0f / (float) Math.pow(theta, exponent);
        }
        return inv;
    }

    /** 1-D positions [B, L]. */
    public static Tensor[] oneD(long[][] positions, int headDim, double theta) {
        int b = positions.length;
        int l = positions[0].length;
        long[][][] three = new long[3][][];
        for (int a = 0; a < 3; a++) {
            three[a] = positions;
        }
        return build(three, b, l, headDim, theta, new int[] {headDim / 2, 0, 0});
    }

    /**
     * 1-D positions [B, L] with Phi-3's scaling (null for none): inv_freq_i = 1 / (factor_i * theta^(2i / d)) in
     * float32, then cos and sin times the magnitude. The factors are chosen per row from {@code rowLengths[r]}, the
     * number of real tokens the row has seen (cached and new), which is what {@code max(position_ids) + 1} is for the
     * row alone; the reference chooses once per call from the largest position of the whole batch, which makes a
     * short row's numbers depend on how long its batch-mates are.
     */
    public static Tensor[] oneD(long[][] positions, long[] rowLengths, int headDim, double theta,
                                RopeScaling scaling) {
        if (scaling == null) {
            return oneD(positions, headDim, theta);
        }
        int b = positions.length;
        if (rowLengths.length != b) {
            throw new IllegalArgumentException(rowLengths.length + " row lengths for " + b + " rows");
        }
        float[] shortInv = scaledInvFreq(scaling.shortFactor(), headDim, theta);
        float[] longInv = scaledInvFreq(scaling.longFactor(), headDim, theta);
        int l = positions[0].length;
        float mag = (float) scaling.magnitude();
        float[] cos = new float[b * l * headDim];
        float[] sin = new float[b * l * headDim];
        int half = headDim / 2;
        for (int r = 0; r < b; r++) {
            float[] inv = scaling.usesLongFactors(rowLengths[r]) ? longInv : shortInv;
            for (int t = 0; t < l; t++) {
                int at = (r * l + t) * headDim;
                for (int i = 0; i < half; i++) {
                    float angle = (float) positions[r][t] * inv[i];
                    float c = (float) Math.cos(angle) * mag;
                    float s = (float) Math.sin(angle) * mag;
                    cos[at + i] = c;
                    cos[at + i + half] = c;
                    sin[at + i] = s;
                    sin[at + i + half] = s;
                }
            }
        }
        return new Tensor[] {Tensor.of(cos, b, l, headDim), Tensor.of(sin, b, l, headDim)};
    }

    /** 1 / (ext_i * theta^(2i / d)), each step rounded to float32 as the reference's tensors are. */
    private static float[] scaledInvFreq(float[] ext, int headDim, double theta) {
        float[] inv = new float[headDim / 2];
        for (int i = 0; i < inv.length; i++) {
            float pow = (float) Math.pow(theta, (float) (2 * i) / headDim);
            inv[i] = 1.0f / (ext[i] * pow);
        }
        return inv;
    }

    /** M-RoPE positions [3][B][L] (t, h, w) with sections over half the head dimension. */
    public static Tensor[] multimodal(long[][][] positions, int headDim, double theta, int[] sections) {
        return build(positions, positions[0].length, positions[0][0].length, headDim, theta, sections);
    }

    private static Tensor[] build(long[][][] pos, int b, int l, int headDim, double theta, int[] sections) {
        float[] inv = invFreq(headDim, theta);
        int half = headDim / 2;
        int[] axisOf = new int[half];
        for (int i = 0, a = 0, filled = 0; i < half; i++) {
            while (i >= filled + sections[a]) {
                filled += sections[a];
                a++;
            }
            axisOf[i] = a;
        }
        float[] cos = new float[b * l * headDim];
        float[] sin = new float[b * l * headDim];
        for (int r = 0; r < b; r++) {
            for (int t = 0; t < l; t++) {
                int base = (r * l + t) * headDim;
                for (int i = 0; i < half; i++) {
                    float angle = (float) pos[axisOf[i]][r][t] * inv[i];
                    float c = (float) Math.cos(angle);
                    float s = (float) Math.sin(angle);
                    cos[base + i] = c;
                    cos[base + i + half] = c;
                    sin[base + i] = s;
                    sin[base + i + half] = s;
                }
            }
        }
        return new Tensor[] {Tensor.of(cos, b, l, headDim), Tensor.of(sin, b, l, headDim)};
    }
}
