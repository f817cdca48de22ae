package org.urbangraph.vlm.text;

import java.util.ArrayList;
import java.util.List;
import org.urbangraph.kernels.AttentionMask;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Embedding;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.tensor.nn.ModuleList;
import org.urbangraph.tensor.nn.RMSNorm;
import org.urbangraph.tensor.nn.Rng;

/**
 * The decoder stack shared by the backbones (the language model of Qwen2, Mistral, Phi-3): {@code embed_tokens},
 * {@code layers.N}, {@code norm}. It takes input embeddings (so the caller can splice in image features or graph
 * node embeddings) and rotary tables (so the caller decides between 1-D and multimodal positions).
 */
public final class TextModel extends Module {

    /** Final hidden states after the last norm, and (if requested) every layer's input plus the final output. */
    public record Output(Tensor lastHiddenState, List<Tensor> hiddenStates) {}

    private final DecoderConfig config;
    private final Embedding embed;
    private final ModuleList<DecoderLayer> layers;
    private final RMSNorm norm;

    public TextModel(DecoderConfig c, Rng rng) {
        this.config = c;
        embed = child("embed_tokens", new Embedding(c.vocabSize(), c.hiddenSize(), rng));
        layers = child("layers", new ModuleList<>());
        for (int i = 0; i < c.numLayers(); i++) {
            layers.add(new DecoderLayer(c, rng));
        }
        norm = child("norm", new RMSNorm(c.hiddenSize(), c.rmsNormEps()));
    }

    public DecoderConfig config() {
        return config;
    }

    public Embedding embedTokens() {
        return embed;
    }

    /**
     * Registers a module beside the decoder stack, for checkpoints that keep one there: Phi-3-V stores its image
     * embedding at {@code model.vision_embed_tokens}, next to {@code model.embed_tokens}. The forward pass never
     * calls it.
     */
    public <M extends Module> M attach(String name, M module) {
        return child(name, module);
    }

    /**
     * Runs the stack. With {@code keepHiddenStates} the list holds Hugging Face's {@code hidden_states} tuple:
     * the input embeddings, each layer's output but the last, and the final normed output.
     */
    public Output forward(Tensor inputsEmbeds, Tensor cos, Tensor sin, AttentionMask mask, KvCache cache,
                          boolean keepHiddenStates) {
        List<Tensor> hidden = keepHiddenStates ? new ArrayList<>() : null;
        Tensor h = inputsEmbeds;
        AttentionMask m = mask;
        int window = config.slidingWindow();
        int keys = (cache == null ? 0 : cache.length()) + inputsEmbeds.size(1);
        if (window > 0 && keys > window) {
            // every backend's attention (reference, CPU, OpenCL) honours AttentionMask.window, counted in cache
            // indices as transformers counts it: query i sees keys i - window + 1 .. i
            m = mask.withWindow(window);
        }
        for (int i = 0; i < layers.size(); i++) {
            if (hidden != null) {
                hidden.add(h);
            }
            h = layers.get(i).forward(h, cos, sin, m, cache, i);
        }
        if (cache != null) {
            cache.advance(inputsEmbeds.size(1));
        }
        Tensor out = norm.forward(h);
        if (hidden != null) {
            hidden.add(out);
        }
        return new Output(out, hidden);
    }
}
