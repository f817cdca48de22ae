package org.urbangraph.vlm.text;

import org.urbangraph.kernels.AttentionMask;
import org.urbangraph.tensor.Tensor;

/** The decoders' attention mask: causal, plus key padding where the batch has any padded position. */
public final class CausalMask {
    private CausalMask() {}

    /** {@code mask} [B][Lk]: 1 for a real key, 0 for padding (cached plus new positions when decoding). */
    public static AttentionMask of(long[][] mask) {
        int b = mask.length;
        int l = mask[0].length;
        long[] flat = new long[b * l];
        boolean padded = false;
        for (int r = 0; r < b; r++) {
            for (int i = 0; i < l; i++) {
                flat[r * l + i] = mask[r][i];
                padded |= mask[r][i] == 0;
            }
        }
        if (!padded) {
            return AttentionMask.CAUSAL;
        }
        return AttentionMask.CAUSAL.withKeyPadding(Tensor.of(flat, b, l).view());
    }

    /**
     * Hugging Face's positions for generation: {@code cumsum(mask) - 1}, with 1 at padded positions. A plain forward
     * pass uses {@code arange(L)} instead; rotary attention depends only on position differences, so real tokens
     * see the same scores either way.
     */
    public static long[][] cumulativePositions(long[][] mask) {
        long[][] out = new long[mask.length][];
        for (int r = 0; r < mask.length; r++) {
            out[r] = new long[mask[r].length];
            long n = 0;
            for (int i = 0; i < mask[r].length; i++) {
                n += mask[r][i] != 0 ? 1 : 0;
                out[r][i] = mask[r][i] != 0 ? n - 1 : 1;
            }
        }
        return out;
    }

    /** {@code arange(L)} for every row: the positions of a plain forward pass. */
    public static long[][] arangePositions(int batch, int length) {
        long[][] out = new long[batch][length];
        for (int r = 0; r < batch; r++) {
            for (int i = 0; i < length; i++) {
                out[r][i] = i;
            }
        }
        return out;
    }
}
