package org.urbangraph.vlm.text;

import org.urbangraph.tensor.Tensor;

/**
 * cos / sin tables [B, L, headDim] for the rotate-half rotary embedding, computed on the host in float32 as
 * Hugging Face computes them: inv_freq_i = 1 / theta^(2i / d), angle = position * inv_freq (one float product),
 * emb = cat(angles, angles). For M-RoPE each chunk of the head dimension takes its positions from one axis: the
 * sections (t, h, w) repeat over both halves, so the halves stay equal (the rotary kernel's backward relies on it).
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
