package org.urbangraph.kernels;

/**
 * Which keys a query may attend to in fused attention. All rules combine (a key must pass every one):
 * <ul>
 *   <li>{@code causal}: query i (of Lq) sees key j (of Lk) only if {@code j <= i + (Lk - Lq)}, so a decode step
 *       with a KV cache sees the whole cache;</li>
 *   <li>{@code keyPadding}: [B, Lk] BOOL or integer, a key with 0 is never attended;</li>
 *   <li>{@code querySegments} / {@code keySegments}: [B, Lq] and [B, Lk] I32 or I64 ids; a query sees only keys of
 *       its own segment (several images in one sequence, Qwen2.5-VL windows).</li>
 * </ul>
 * A query row that can see no key gets an output of zeros and a log-sum-exp of -infinity.
 */
public record AttentionMask(boolean causal, View keyPadding, View querySegments, View keySegments) {

    public static final AttentionMask NONE = new AttentionMask(false, null, null, null);
    public static final AttentionMask CAUSAL = new AttentionMask(true, null, null, null);

    public AttentionMask {
        if ((querySegments == null) != (keySegments == null)) {
            throw new IllegalArgumentException("querySegments and keySegments must be given together");
        }
    }

    public AttentionMask withKeyPadding(View padding) {
        return new AttentionMask(causal, padding, querySegments, keySegments);
    }

    public AttentionMask withSegments(View q, View k) {
        return new AttentionMask(causal, keyPadding, q, k);
    }
}
