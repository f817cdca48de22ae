package org.urbangraph.kernels;

import java.lang.foreign.MemorySegment;

/**
 * One compute device and its kernels. The tensor module calls only this interface; it knows nothing of autograd.
 *
 * <p>Conventions for every method:
 * <ul>
 *   <li>Views carry shape and element strides; a stride of 0 broadcasts. Input views may be non-contiguous unless a
 *       method says otherwise. Output views are written, never read (except {@code gemm} with beta != 0 and the
 *       accumulating methods named {@code ...Add}).</li>
 *   <li>Float compute is F32. Float inputs of any width (BF16, F16, F32) are widened on the fly; float outputs of a
 *       narrower type are rounded to nearest even.</li>
 *   <li>Shapes are checked by the caller (the tensor module); a backend may assume they agree.</li>
 *   <li>Results are deterministic: the same inputs and thread count give the same bits.</li>
 *   <li>Calls are ordered: a later call sees the results of an earlier one. {@link #toHost} waits for them.</li>
 * </ul>
 */
public interface Backend {

    /** A short name: {@code reference}, {@code cpu}, {@code opencl}. */
    String name();

    /** Whether this backend computes on buffers of that kind. */
    boolean owns(Buffer buffer);

    // ---- memory -------------------------------------------------------------------------------------------

    /** Zero-filled device memory for {@code elements} values of {@code dtype}. */
    Buffer allocate(DType dtype, long elements);

    /**
     * Device memory holding a copy of the host bytes. Host backends may return a buffer that shares the segment
     * (zero copy) when {@code mayAlias} is true; the caller then must not change the segment.
     */
    Buffer upload(MemorySegment host, boolean mayAlias);

    /** Copies {@code dst.byteSize()} bytes starting at {@code srcByteOffset} of {@code src} into host memory. */
    void toHost(Buffer src, long srcByteOffset, MemorySegment dst);

    // ---- layout and element-wise --------------------------------------------------------------------------

    /** out = src, element by element, with any dtype conversion (float to int truncates toward zero). */
    void copy(View src, View out);

    /** Every element of {@code out} set to {@code value} (converted to out's dtype). */
    void fill(View out, double value);

    void unary(UnaryOp op, View x, View out, float alpha, float beta);

    /** {@code a}, {@code b} and {@code out} have the same shape (broadcasting is done with 0 strides). */
    void binary(BinaryOp op, View a, View b, View out);

    /** out = cond != 0 ? a : b, all of one shape. */
    void where(View cond, View a, View b, View out);

    // ---- reductions ---------------------------------------------------------------------------------------

    /**
     * Reduces {@code x} along {@code dim}; {@code out} has x's shape with size 1 at {@code dim}. Sums accumulate
     * in a fixed order (in double on the reference backend). Integer inputs are reduced exactly in a long (a sum
     * wraps on overflow), except MEAN and LOGSUMEXP, which are float results.
     */
    void reduce(ReduceOp op, View x, int dim, View out);

    /** Softmax (or log-softmax) over the last dimension. */
    void softmax(View x, View out, boolean log);

    /** dx from y = softmax(x) (or log-softmax) and dy, over the last dimension. */
    void softmaxBackward(View y, View dy, View dx, boolean log);

    // ---- normalisation ------------------------------------------------------------------------------------

    /**
     * LayerNorm over the last dimension: out = (x - mean) * rstd * weight + bias. {@code weight} and {@code bias}
     * may be null. {@code mean} and {@code rstd} (shape: x's without the last dimension, F32) are written for the
     * backward pass and may be null in inference.
     */
    void layerNorm(View x, View weight, View bias, float eps, View out, View mean, View rstd);

    /** Gradients of {@link #layerNorm}; {@code dWeight}/{@code dBias} are accumulated into (+=) when not null. */
    void layerNormBackward(View x, View weight, View mean, View rstd, View dy, View dx, View dWeight, View dBias);

    /** RMSNorm over the last dimension: out = x * rsqrt(mean(x^2) + eps) * weight (weight may be null). */
    void rmsNorm(View x, View weight, float eps, View out, View rstd);

    /** Gradients of {@link #rmsNorm}; {@code dWeight} is accumulated into when not null. */
    void rmsNormBackward(View x, View weight, View rstd, View dy, View dx, View dWeight);

    // ---- matrix products ----------------------------------------------------------------------------------

    /**
     * Batched matrix product {@code c = alpha * a @ b + beta * c} for 3-D views a [B, M, K], b [B, K, N],
     * c [B, M, N] (a batch stride of 0 shares one matrix across the batch). Each matrix of a and b has a unit
     * stride in one of its two dimensions: row-major, or transposed (a view with swapped strides). {@code b} may be
     * F32, BF16 or F16 and is widened while packed; {@code a} and {@code c} are F32. With beta = 0, c is not read.
     */
    void gemm(View a, View b, View c, float alpha, float beta);

    // ---- attention ----------------------------------------------------------------------------------------

    /**
     * Fused scaled-dot-product attention without materialising the score matrix.
     * q [B, Hq, Lq, D], k [B, Hk, Lk, D], v [B, Hk, Lk, Dv], out [B, Hq, Lq, Dv]; Hq is a multiple of Hk and query
     * head h uses key head h / (Hq / Hk) (grouped-query attention). {@code lse} [B, Hq, Lq] F32 receives the
     * log-sum-exp of the scaled, masked scores (for the backward pass) and may be null.
     */
    void attention(View q, View k, View v, AttentionMask mask, float scale, View out, View lse);

    /**
     * Gradients of {@link #attention}: dq, dk, dv are written (not accumulated). With grouped-query attention, dk and
     * dv sum over the query heads that share a key head.
     */
    void attentionBackward(View q, View k, View v, AttentionMask mask, float scale, View out, View lse, View dOut,
                           View dq, View dk, View dv);

    // ---- rotary embeddings --------------------------------------------------------------------------------

    /**
     * Rotary embedding in the rotate-half layout: out = x * cos + rotate_half(x) * sin, where rotate_half(x) =
     * cat(-x2, x1) over the halves of the last dimension. x and out are [B, H, L, D]; cos and sin are [B, L, D]
     * (broadcast over heads; M-RoPE and 2-D vision tables are built by the model). {@code inverse} applies the
     * transpose (sin negated), which is the backward pass.
     */
    void rotary(View x, View cos, View sin, View out, boolean inverse);

    // ---- indexing -----------------------------------------------------------------------------------------

    /** out = x.index_select(dim, index): index is 1-D I32/I64; out has index.length at dim. Bad ids throw. */
    void indexSelect(View x, int dim, View index, View out);

    /** dst.index_add_(dim, index, src): dst[.., index[i], ..] += src[.., i, ..] in index order. */
    void indexAdd(View dst, int dim, View index, View src);

    /** out = torch.gather(x, dim, index): index has out's shape. */
    void gather(View x, int dim, View index, View out);

    /** dst.scatter_add_(dim, index, src), in a fixed order. */
    void scatterAdd(View dst, int dim, View index, View src);

    /**
     * Softmax of x [E, H] over the rows that share a segment id (segment [E], I32/I64, values below
     * {@code segments}), separately per column: the attention normalisation of graph layers. A segment with no row
     * is left alone. {@code eps} is added to each denominator (PyG adds 1e-16).
     */
    void segmentSoftmax(View x, View segment, int segments, float eps, View out);

    /** Gradient of {@link #segmentSoftmax} from its output y. */
    void segmentSoftmaxBackward(View y, View dy, View segment, int segments, View dx);

    // ---- graph attention (fused edge kernels) -------------------------------------------------------------

    /**
     * The attention logits of GATv2, without materialising the [E, H, C] edge tensor:
     * {@code logits[e, h] = sum_c leaky_relu(xl[src[e], h, c] + xr[dst[e], h, c] + p[e, h, c]) * att[h, c]} with
     * leaky_relu(z) = z > 0 ? z : negativeSlope * z. xl [Ns, H, C], xr [Nt, H, C], p [E, H, C] (the projected edge
     * features; null for a layer without them), att [H, C], src and dst [E] (I32/I64, checked against Ns and Nt
     * before anything is written; bad ids throw as {@link #indexSelect} does), logits [E, H].
     */
    void gatv2Logits(View xl, View xr, View p, View src, View dst, View att, float negativeSlope, View logits);

    /**
     * Gradients of {@link #gatv2Logits} from {@code dLogits} [E, H], recomputing the edge sums instead of storing
     * them. dxl [Ns, H, C] and dxr [Nt, H, C] sum, for each node, over the edges that leave it (dxl) or enter it (dxr)
     * in increasing edge order; a node without such an edge gets 0. dp [E, H, C] is the gradient of each edge's p
     * row, dAtt [H, C] sums over all edges. Each output may be null when it is not wanted; the others are written,
     * not accumulated into.
     */
    void gatv2LogitsBackward(View xl, View xr, View p, View src, View dst, View att, float negativeSlope, View dLogits,
                             View dxl, View dxr, View dp, View dAtt);

    /**
     * Weighted message aggregation over edges (a sparse-dense product): {@code out[t, h, :] = sum over the edges e
     * with dst[e] = t, in increasing e, of weight[e, h] * x[src[e], h, :]}, or with {@code meanHeads} the mean of
     * that over the heads, {@code out[t, :]}. x [Ns, H, C], weight [E, H], src and dst [E] (checked against Ns and
     * Nt), out [Nt, H, C] or [Nt, C]; a node without incoming edges gets 0.
     */
    void edgeAggregate(View x, View weight, View src, View dst, boolean meanHeads, View out);

    /**
     * Gradients of {@link #edgeAggregate} from dOut (out's shape): {@code dWeight[e, h] = <dOut[dst[e], h], x[src[e],
     * h]>} (over the channels; divided by H with {@code meanHeads}, where dOut has no head dimension) and dx [Ns, H, C],
     * the sum over the edges leaving each node, in increasing edge order, of weight[e, h] * dOut[dst[e], h] (0 for a
     * node without outgoing edges). Either output may be null; the other is written.
     */
    void edgeAggregateBackward(View x, View weight, View src, View dst, boolean meanHeads, View dOut, View dx,
                               View dWeight);

    // ---- random numbers and optimizer ---------------------------------------------------------------------

    /**
     * Counter-based uniform numbers in [0, 1): element i (in row-major order of out) is a pure function of
     * (seed, i), bit for bit the same on every backend. See {@link CounterRng}.
     */
    void randomUniform(View out, long seed);

    /** Standard normal numbers from the same counter stream (Box-Muller on pairs; equal across backends up to float rounding of log and cos). */
    void randomNormal(View out, long seed);

    /**
     * One AdamW step on contiguous F32 tensors of equal shape, in place, with PyTorch's update rule:
     * p -= lr * wd * p; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
     * p -= lr * (m / bc1) / (sqrt(v / bc2) + eps), where bc1 = 1 - b1^t and bc2 = 1 - b2^t.
     */
    void adamw(View param, View grad, View m, View v, float lr, float beta1, float beta2, float eps,
               float weightDecay, float bc1, float bc2);
}
