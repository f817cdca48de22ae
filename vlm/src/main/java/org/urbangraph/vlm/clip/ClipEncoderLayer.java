package org.urbangraph.vlm.clip;

import org.urbangraph.kernels.AttentionMask;
import org.urbangraph.tensor.Functional;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Activation;
import org.urbangraph.tensor.nn.LayerNorm;
import org.urbangraph.tensor.nn.Linear;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.tensor.nn.Rng;

/**
 * One CLIP encoder layer, pre-norm: x + self_attn(layer_norm1(x)), then x + mlp(layer_norm2(x)). Attention is full
 * (no mask) over the tile's tokens with separate {@code q_proj} / {@code k_proj} / {@code v_proj} / {@code out_proj},
 * all with biases, scale head_dim^-0.5; the MLP is {@code fc1} -> activation (quick GELU) -> {@code fc2}.
 * Projections are looked up at call time so LoRA wrappers ({@code q_proj}, {@code v_proj}) take effect.
 */
public final class ClipEncoderLayer extends Module {

    private final int heads;
    private final int headDim;
    private final Activation act;

    public ClipEncoderLayer(ClipVisionConfig c, Rng rng) {
        this.heads = c.numHeads();
        this.headDim = c.headDim();
        this.act = c.act();
        int e = c.hiddenSize();
        child("self_attn", new Attention(e, rng));
        child("layer_norm1", new LayerNorm(e, c.layerNormEps(), true));
        child("mlp", new Mlp(e, c.intermediateSize(), rng));
        child("layer_norm2", new LayerNorm(e, c.layerNormEps(), true));
    }

    /** x [N, L, E] -> [N, L, E]. */
    public Tensor forward(Tensor x) {
        Tensor h = x.add(((Attention) getChild("self_attn")).forward(layer("layer_norm1").forward(x)));
        return h.add(((Mlp) getChild("mlp")).forward(layer("layer_norm2").forward(h)));
    }

    /** {@code self_attn}: q / k / v / out projections with biases. */
    final class Attention extends Module {
        Attention(int e, Rng rng) {
            child("k_proj", new Linear(e, e, true, rng));
            child("v_proj", new Linear(e, e, true, rng));
            child("q_proj", new Linear(e, e, true, rng));
            child("out_proj", new Linear(e, e, true, rng));
        }

        Tensor forward(Tensor x) {
            int n = x.size(0);
            int l = x.size(1);
            Tensor q = projection("q_proj").forward(x).view(n, l, heads, headDim).transpose(1, 2);
            Tensor k = projection("k_proj").forward(x).view(n, l, heads, headDim).transpose(1, 2);
            Tensor v = projection("v_proj").forward(x).view(n, l, heads, headDim).transpose(1, 2);
            Tensor o = Functional.attention(q, k, v, AttentionMask.NONE, 1.0 / Math.sqrt(headDim));
            return projection("out_proj").forward(o.transpose(1, 2).reshape(n, l, heads * headDim));
        }
    }

    /** {@code mlp}: {@code fc1} -> activation -> {@code fc2}. */
    final class Mlp extends Module {
        Mlp(int e, int hidden, Rng rng) {
            child("fc1", new Linear(e, hidden, true, rng));
            child("fc2", new Linear(hidden, e, true, rng));
        }

        Tensor forward(Tensor x) {
            return projection("fc2").forward(act.apply(projection("fc1").forward(x)));
        }
    }
}
