package org.urbangraph.vlm.clip;

import java.util.ArrayList;
import java.util.List;
import org.urbangraph.tensor.Creation;
import org.urbangraph.tensor.Functional;
import org.urbangraph.tensor.Layout;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Embedding;
import org.urbangraph.tensor.nn.LayerNorm;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.tensor.nn.ModuleList;
import org.urbangraph.tensor.nn.Parameter;
import org.urbangraph.tensor.nn.Rng;

/**
 * The CLIP vision tower ({@code CLIPVisionModel}: one child {@code vision_model}) as LLaVA-NeXT and Phi-3-V use it:
 * they read an intermediate hidden state, so {@code post_layernorm} and the layers after the one asked for are
 * loaded (the checkpoints hold them) but not run.
 *
 * <pre>
 *   pixels [N, 3, S, S] -patch_embedding (conv P x P, stride P, as one matmul)-> [N, (S/P)^2, E]
 *   cat(class_embedding, patches) + position_embedding -> pre_layrnorm    = hidden_states[0]
 *   encoder.layers.i: x + attn(layer_norm1(x)), then x + mlp(layer_norm2(x)) = hidden_states[i + 1]
 * </pre>
 */
public final class ClipVisionModel extends Module {

    private final ClipVisionConfig config;
    private final VisionTransformer vision;

    public ClipVisionModel(ClipVisionConfig config, Rng rng) {
        this.config = config;
        this.vision = child("vision_model", new VisionTransformer(config, rng));
    }

    public ClipVisionConfig config() {
        return config;
    }

    /**
     * Hugging Face's {@code hidden_states} tuple up to index {@code last} (0 = the embeddings after
     * {@code pre_layrnorm}, i = the output of layer i - 1), for pixels [N, C, S, S].
     */
    public List<Tensor> hiddenStates(Tensor pixels, int last) {
        if (last < 0 || last > config.numLayers()) {
            throw new IllegalArgumentException("CLIP hidden state " + last + " does not exist (the tower has "
                    + config.numLayers() + " layers, so states 0.." + config.numLayers() + ")");
        }
        int s = config.imageSize();
        if (pixels.rank() != 4 || pixels.size(1) != config.numChannels() || pixels.size(2) != s || pixels.size(3) != s) {
            throw new IllegalArgumentException("CLIP pixel values must be [N, " + config.numChannels() + ", " + s
                    + ", " + s + "], got " + java.util.Arrays.toString(pixels.shape()));
        }
        return vision.hiddenStates(pixels, last);
    }

    /** Resolves a Hugging Face layer index (negative counts from the end of the hidden_states tuple). */
    public int stateIndex(int layer) {
        int n = config.numLayers() + 1;
        int idx = layer < 0 ? n + layer : layer;
        if (idx < 0 || idx >= n) {
            throw new IllegalArgumentException("vision feature layer " + layer + " is outside the " + n
                    + " hidden states of a " + config.numLayers() + "-layer CLIP tower");
        }
        return idx;
    }

    /** {@code vision_model}: embeddings, pre_layrnorm, encoder, post_layernorm. */
    static final class VisionTransformer extends Module {
        private final ClipVisionConfig config;
        private final Embeddings embeddings;
        private final LayerNorm preLayerNorm;
        private final ModuleList<ClipEncoderLayer> layers;

        VisionTransformer(ClipVisionConfig c, Rng rng) {
            this.config = c;
            embeddings = child("embeddings", new Embeddings(c, rng));
            preLayerNorm = child("pre_layrnorm", new LayerNorm(c.hiddenSize(), c.layerNormEps(), true));
            Encoder encoder = child("encoder", new Encoder());
            layers = encoder.layers;
            for (int i = 0; i < c.numLayers(); i++) {
                layers.add(new ClipEncoderLayer(c, rng));
            }
            child("post_layernorm", new LayerNorm(c.hiddenSize(), c.layerNormEps(), true));
        }

        List<Tensor> hiddenStates(Tensor pixels, int last) {
            List<Tensor> out = new ArrayList<>();
            Tensor h = preLayerNorm.forward(embeddings.forward(pixels));
            out.add(h);
            for (int i = 0; i < last; i++) {
                h = layers.get(i).forward(h);
                out.add(h);
            }
            return out;
        }
    }

    /** {@code encoder}: holds {@code layers}. */
    static final class Encoder extends Module {
        final ModuleList<ClipEncoderLayer> layers = child("layers", new ModuleList<>());
    }

    /** {@code embeddings}: {@code class_embedding}, {@code patch_embedding.weight}, {@code position_embedding}. */
    static final class Embeddings extends Module {
        private final ClipVisionConfig c;
        private final Parameter classEmbedding;
        private final ConvWeight patch;
        private final Embedding position;

        Embeddings(ClipVisionConfig c, Rng rng) {
            this.c = c;
            classEmbedding = param("class_embedding", Creation.randn(rng.next(), c.hiddenSize()), true);
            patch = child("patch_embedding", new ConvWeight(c, rng));
            position = child("position_embedding", new Embedding(c.numPositions(), c.hiddenSize(), rng));
        }

        /** pixels [N, C, S, S] -> [N, 1 + G*G, E]. */
        Tensor forward(Tensor pixels) {
            int n = pixels.size(0);
            int ch = c.numChannels();
            int g = c.gridSize();
            int p = c.patchSize();
            int e = c.hiddenSize();
            // the stride-P convolution is a matmul over (c, py, px) rows of each patch, patches row-major
            Tensor rows = pixels.view(n, ch, g, p, g, p).permute(0, 2, 4, 1, 3, 5).reshape(n * g * g, ch * p * p);
            Tensor patches = Functional.linear(rows, patch.weight.tensor().reshape(e, ch * p * p), null)
                    .view(n, g * g, e);
            Tensor cls = classEmbedding.tensor().reshape(1, 1, e).expand(n, 1, e);
            Tensor x = Layout.cat(List.of(cls, patches), 1);
            return x.add(position.weight().tensor().reshape(1, g * g + 1, e));
        }
    }

    /** The patch convolution's weight [E, C, P, P] under its checkpoint name {@code patch_embedding.weight}. */
    static final class ConvWeight extends Module {
        final Parameter weight;

        ConvWeight(ClipVisionConfig c, Rng rng) {
            double bound = 1.0 / Math.sqrt(c.numChannels() * c.patchSize() * c.patchSize());
            weight = param("weight", Creation.uniform(rng.next(), -bound, bound, c.hiddenSize(), c.numChannels(),
                    c.patchSize(), c.patchSize()), true);
        }
    }
}
