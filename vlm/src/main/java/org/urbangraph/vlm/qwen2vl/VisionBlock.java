package org.urbangraph.vlm.qwen2vl;

import org.urbangraph.kernels.AttentionMask;
import org.urbangraph.tensor.Functional;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.LayerNorm;
import org.urbangraph.tensor.nn.Linear;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.tensor.nn.RMSNorm;
import org.urbangraph.tensor.nn.Rng;
import org.urbangraph.vlm.text.SwiGluMlp;

/**
 * One vision transformer block, pre-norm: x + attn(norm1(x)), then x + mlp(norm2(x)).
 * Qwen2-VL: LayerNorm (eps 1e-6) and fc1 -> quick_gelu -> fc2. Qwen2.5-VL: RMSNorm (eps 1e-6) and a SwiGLU MLP
 * with biases. Attention: fused {@code qkv} split as (3, heads, head_dim), 2-D rotary on q and k, attention within
 * segments (an image frame, or a window), scale head_dim^-0.5, then {@code proj}.
 */
public final class VisionBlock extends Module {

    private final int heads;
    private final int headDim;
    private final boolean swiGlu;

    public VisionBlock(Qwen2VLConfig.Vision v, boolean qwen25, Rng rng) {
        this.heads = v.numHeads();
        this.headDim = v.headDim();
        this.swiGlu = qwen25;
        int e = v.embedDim();
        if (qwen25) {
            child("norm1", new RMSNorm(e, 1e-6));
            child("norm2", new RMSNorm(e, 1e-6));
        } else {
            child("norm1", new LayerNorm(e, 1e-6, true));
            child("norm2", new LayerNorm(e, 1e-6, true));
        }
        child("attn", new Attention(e, rng));
        if (qwen25) {
            child("mlp", new SwiGluMlp(e, v.intermediateSize(), v.act(), true, rng));
        } else {
            child("mlp", new FcMlp(e, v.intermediateSize(), v, rng));
        }
    }

    /** x [N, E]; cos/sin [1, N, head_dim]; the mask carries the segments. */
    public Tensor forward(Tensor x, Tensor cos, Tensor sin, AttentionMask mask) {
        Tensor h = x.add(((Attention) getChild("attn")).forward(layer("norm1").forward(x), cos, sin, mask));
        Tensor n2 = layer("norm2").forward(h);
        Tensor m = swiGlu ? ((SwiGluMlp) getChild("mlp")).forward(n2) : ((FcMlp) getChild("mlp")).forward(n2);
        return h.add(m);
    }

    /** {@code attn.qkv} and {@code attn.proj}. */
    final class Attention extends Module {
        Attention(int e, Rng rng) {
            child("qkv", new Linear(e, 3 * e, true, rng));
            child("proj", new Linear(e, e, true, rng));
        }

        Tensor forward(Tensor x, Tensor cos, Tensor sin, AttentionMask mask) {
            int n = x.size(0);
            Tensor qkv = projection("qkv").forward(x).view(n, 3, heads, headDim).permute(1, 2, 0, 3);
            Tensor q = Functional.rotary(qkv.select(0, 0).unsqueeze(0), cos, sin);
            Tensor k = Functional.rotary(qkv.select(0, 1).unsqueeze(0), cos, sin);
            Tensor v = qkv.select(0, 2).unsqueeze(0);
            Tensor o = Functional.attention(q, k, v, mask, 1.0 / Math.sqrt(headDim));
            return projection("proj").forward(o.squeeze(0).transpose(0, 1).reshape(n, heads * headDim));
        }
    }

    /** Qwen2-VL's MLP: {@code fc1} -> activation -> {@code fc2}. */
    static final class FcMlp extends Module {
        private final org.urbangraph.tensor.nn.Activation act;

        FcMlp(int e, int hidden, Qwen2VLConfig.Vision v, Rng rng) {
            this.act = v.act();
            child("fc1", new Linear(e, hidden, true, rng));
            child("fc2", new Linear(hidden, e, true, rng));
        }

        Tensor forward(Tensor x) {
            return projection("fc2").forward(act.apply(projection("fc1").forward(x)));
        }
    }

}
