package org.urbangraph.vlm;

import org.urbangraph.tensor.Functional;
import org.urbangraph.tensor.Indexing;
import org.urbangraph.tensor.Tensor;

/** Last-token pooling, as UGE embeds: the final hidden state of each row's last real token, L2-normalised. */
public final class Pooling {
    private Pooling() {}

    /** hidden [B, L, H] -> [B, H] at the given positions. */
    public static Tensor lastToken(Tensor hidden, int[] index) {
        int b = hidden.size(0);
        int l = hidden.size(1);
        long[] flat = new long[b];
        for (int r = 0; r < b; r++) {
            flat[r] = (long) r * l + index[r];
        }
        return Indexing.indexSelect(hidden.reshape(b * l, hidden.size(2)), 0, Tensor.of(flat, b));
    }

    public static Tensor lastTokenL2(Tensor hidden, int[] index) {
        return Functional.l2Normalize(lastToken(hidden, index), -1, 1e-12);
    }
}
