package org.urbangraph.vlm.text;

import org.urbangraph.kernels.AttentionMask;
import org.urbangraph.tensor.Functional;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Linear;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.tensor.nn.Rng;

/**
 * Grouped-query self-attention of a Llama-style decoder: q/k/v projections (with bias for Qwen2; Phi-3 fuses them
 * into one {@code qkv_proj} whose rows are q, then k, then v), rotary on q and k, fused attention (causal, key
 * padding, optional sliding window), o_proj without bias.
 *
 * <pre>
 *   x [B,L,H] -q_proj-> [B,L,Hq*D] -view/transpose-> [B,Hq,L,D] -rotary-> q
 *             -k_proj-> [B,Hk,L,D] -rotary-> k --+-- KV cache (decoding) --+
 *             -v_proj-> [B,Hk,L,D] --------------+                         |
 *   attention(q, k, v) [B,Hq,L,D] -transpose/reshape-> [B,L,Hq*D] -o_proj-> [B,L,H]
 * </pre>
 */
public final class SelfAttention extends Module {

    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final boolean fused;

    public SelfAttention(DecoderConfig c, Rng rng) {
        this.heads = c.numHeads();
        this.kvHeads = c.numKvHeads();
        this.headDim = c.headDim();
        this.fused = c.fusedProjections();
        if (fused) {
            child("qkv_proj", new Linear(c.hiddenSize(), (heads + 2 * kvHeads) * headDim, c.attentionBias(), rng));
        } else {
            child("q_proj", new Linear(c.hiddenSize(), heads * headDim, c.attentionBias(), rng));
            child("k_proj", new Linear(c.hiddenSize(), kvHeads * headDim, c.attentionBias(), rng));
            child("v_proj", new Linear(c.hiddenSize(), kvHeads * headDim, c.attentionBias(), rng));
        }
        child("o_proj", new Linear(heads * headDim, c.hiddenSize(), false, rng));
    }

    public Tensor forward(Tensor x, Tensor cos, Tensor sin, AttentionMask mask, KvCache cache, int layer) {
        int b = x.size(0);
        int l = x.size(1);
        Tensor q;
        Tensor k;
        Tensor v;
        if (fused) {
            Tensor qkv = projection("qkv_proj").forward(x);
            int qw = heads * headDim;
            int kw = kvHeads * headDim;
            q = qkv.narrow(2, 0, qw).view(b, l, heads, headDim).transpose(1, 2);
            k = qkv.narrow(2, qw, kw).view(b, l, kvHeads, headDim).transpose(1, 2);
            v = qkv.narrow(2, qw + kw, kw).view(b, l, kvHeads, headDim).transpose(1, 2);
        } else {
            q = projection("q_proj").forward(x).view(b, l, heads, headDim).transpose(1, 2);
            k = projection("k_proj").forward(x).view(b, l, kvHeads, headDim).transpose(1, 2);
            v = projection("v_proj").forward(x).view(b, l, kvHeads, headDim).transpose(1, 2);
        }
        q = Functional.rotary(q, cos, sin);
        k = Functional.rotary(k, cos, sin);
        if (cache != null) {
            Tensor[] kv = cache.append(layer, k, v);
            k = kv[0];
            v = kv[1];
        }
        Tensor o = Functional.attention(q, k, v, mask, 1.0 / Math.sqrt(headDim));
        o = o.transpose(1, 2).reshape(b, l, heads * headDim);
        return projection("o_proj").forward(o);
    }
}
