package org.urbangraph.kernels;

/**
 * Which keys a query may attend to in fused attention. All rules combine (a key must pass every one):
 * <ul>
 *   <li>{@code causal}: query i (of Lq) sees key j (of Lk) only if {@code j <= i + (Lk - Lq)}, so a decode step
 *       with a KV cache sees the whole cache;</li>
 *   <li>{@code keyPadding}: [B, Lk] BOOL or integer, a key with 0 is never attended;</li>
 *   <li>{@code querySegments} / {@code keySegments}: [B, Lq] and [B, Lk] I32 or I64 ids; a query sees only keys of
 *       its own segment (several images in one sequence, Qwen2.5-VL windows);</li>
 *   <li>{@code window} (sliding-window attention, Mistral), when above 0: query i sees key j only if
 *       {@code j > i + (Lk - Lq) - window}.</li>
 * </ul>
 * A query row that can see no key gets an output of zeros and a log-sum-exp of -infinity.
 */
public record AttentionMask(boolean causal, View keyPadding, View querySegments, View keySegments, int window) {

    public static final AttentionMask NONE = new AttentionMask(false, null, null, null, 0);
    public static final AttentionMask CAUSAL = new AttentionMask(true, null, null, null, 0);

    public AttentionMask {
        if ((querySegments == null) != (keySegments == null)) {
            throw new IllegalArgumentException("querySegments and keySegments must be given together");
        }
        if (window < 0) {
            throw new IllegalArgumentException("window must be 0 (none) or positive, got " + window);
        }
    }

    /** A mask without a sliding window. */
    public AttentionMask(boolean causal, View keyPadding, View querySegments, View keySegments) {
        this(causal, keyPadding, querySegments, keySegments, 0);
    }

    public AttentionMask withKeyPadding(View padding) {
        return new AttentionMask(causal, padding, querySegments, keySegments, window);
    }

    public AttentionMask withSegments(View q, View k) {
        return new AttentionMask(causal, keyPadding, q, k, window);
    }

    public AttentionMask withWindow(int w) {
        return new AttentionMask(causal, keyPadding, querySegments, keySegments, w);
    }
}
