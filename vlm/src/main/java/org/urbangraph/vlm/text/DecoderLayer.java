package org.urbangraph.vlm.text;

import org.urbangraph.kernels.AttentionMask;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Layer;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.tensor.nn.RMSNorm;
import org.urbangraph.tensor.nn.Rng;

/**
 * A pre-norm decoder layer: h = x + attn(norm(x)); out = h + mlp(norm(h)). The MLP is SwiGLU with separate
 * {@code gate_proj} / {@code up_proj}, or Phi-3's fused {@code gate_up_proj}.
 */
public final class DecoderLayer extends Module {

    private final RMSNorm inputNorm;
    private final SelfAttention attn;
    private final RMSNorm postNorm;
    private final Layer mlp;

    public DecoderLayer(DecoderConfig c, Rng rng) {
        inputNorm = child("input_layernorm", new RMSNorm(c.hiddenSize(), c.rmsNormEps()));
        attn = child("self_attn", new SelfAttention(c, rng));
        postNorm = child("post_attention_layernorm", new RMSNorm(c.hiddenSize(), c.rmsNormEps()));
        mlp = c.fusedProjections()
                ? child("mlp", new GateUpMlp(c.hiddenSize(), c.intermediateSize(), c.hiddenAct(), rng))
                : child("mlp", new SwiGluMlp(c.hiddenSize(), c.intermediateSize(), c.hiddenAct(), false, rng));
    }

    public Tensor forward(Tensor x, Tensor cos, Tensor sin, AttentionMask mask, KvCache cache, int layer) {
        Tensor h = x.add(attn.forward(inputNorm.forward(x), cos, sin, mask, cache, layer));
        return h.add(mlp.forward(postNorm.forward(h)));
    }
}
