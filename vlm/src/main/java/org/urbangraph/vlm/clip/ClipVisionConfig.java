package org.urbangraph.vlm.clip;

import java.util.Map;
import org.urbangraph.tensor.nn.Activation;
import org.urbangraph.vlm.config.JsonConfig;
import org.urbangraph.vlm.text.DecoderConfig;

/**
 * A CLIP vision tower's settings ({@code CLIPVisionConfig}): width, depth, heads, square input size and patch size.
 */
public record ClipVisionConfig(int hiddenSize, int intermediateSize, int numLayers, int numHeads, int numChannels,
                               int imageSize, int patchSize, Activation act, double layerNormEps) {

    /** {@code openai/clip-vit-large-patch14-336}: the tower of LLaVA-1.6 and Phi-3-Vision. */
    public static final ClipVisionConfig VIT_L_14_336 =
            new ClipVisionConfig(1024, 4096, 24, 16, 3, 336, 14, Activation.QUICK_GELU, 1e-5);

    /** transformers' {@code CLIPVisionConfig} defaults, for keys a config leaves out. */
    public static final Map<String, Object> DEFAULTS = Map.of("hidden_size", 768, "intermediate_size", 3072,
            "num_hidden_layers", 12, "num_attention_heads", 12, "num_channels", 3, "image_size", 224,
            "patch_size", 32, "hidden_act", "quick_gelu", "layer_norm_eps", 1e-5);

    public ClipVisionConfig {
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException("CLIP hidden_size " + hiddenSize + " is not divisible by "
                    + numHeads + " heads");
        }
        if (imageSize % patchSize != 0) {
            throw new IllegalArgumentException("CLIP image_size " + imageSize + " is not a multiple of patch_size "
                    + patchSize);
        }
    }

    /** Reads a {@code vision_config} node; missing keys take {@code CLIPVisionConfig}'s defaults. */
    public static ClipVisionConfig fromJson(JsonConfig v) {
        JsonConfig c = v.withDefaults(DEFAULTS);
        String type = c.optString("model_type", "clip_vision_model");
        if (!type.equals("clip_vision_model")) {
            throw c.error("model_type", "expected a CLIP vision tower (clip_vision_model), found '" + type + "'");
        }
        int hidden = c.requireInt("hidden_size", 1);
        int heads = c.requireInt("num_attention_heads", 1);
        if (hidden % heads != 0) {
            throw c.error("hidden_size", "must be divisible by num_attention_heads (" + heads + "), found " + hidden);
        }
        int image = c.requireInt("image_size", 1);
        int patch = c.requireInt("patch_size", 1);
        if (image % patch != 0) {
            throw c.error("image_size", "must be a multiple of patch_size (" + patch + "), found " + image);
        }
        return new ClipVisionConfig(hidden, c.requireInt("intermediate_size", 1), c.requireInt("num_hidden_layers", 1),
                heads, c.requireInt("num_channels", 1), image, patch,
                DecoderConfig.activation(c, "hidden_act", "quick_gelu"), c.requireDouble("layer_norm_eps"));
    }

    public int headDim() {
        return hiddenSize / numHeads;
    }

    /** Patches per side of the square input. */
    public int gridSize() {
        return imageSize / patchSize;
    }

    /** Tokens per image: the patches plus the class token. */
    public int numPositions() {
        return gridSize() * gridSize() + 1;
    }
}
