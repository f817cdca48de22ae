package org.urbangraph.vlm.llava;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Map;
import org.urbangraph.tensor.nn.Activation;
import org.urbangraph.vlm.clip.ClipVisionConfig;
import org.urbangraph.vlm.config.JsonConfig;
import org.urbangraph.vlm.text.DecoderConfig;

/**
 * A LLaVA-NeXT ({@code llava_next}) {@code config.json}, in both layouts: the one {@code save_pretrained} writes
 * (complete {@code text_config} and {@code vision_config}) and the hub's, which leaves out every key that equals
 * the defaults of the text model's config class ({@code llava-hf/llava-v1.6-mistral-7b-hf} has no
 * {@code hidden_size}, for example). Missing keys take the defaults of transformers 4.57's {@code MistralConfig} or
 * {@code LlamaConfig} (by {@code text_config.model_type}, {@code llama} when absent), {@code CLIPVisionConfig}
 * and {@code LlavaNextConfig}.
 *
 * @param visionFeatureLayers the CLIP hidden states whose features are used (one for LLaVA-1.6: -2), concatenated
 *                            along the feature dimension when several are given
 */
public record LlavaNextConfig(DecoderConfig text, String textModelType, ClipVisionConfig vision, int imageTokenIndex,
                              Activation projectorAct, boolean projectorBias, int[] visionFeatureLayers,
                              int[][] imageGridPinpoints, Path source) {

    /** transformers' MistralConfig defaults. An explicit {@code "sliding_window": null} still means none. */
    static final Map<String, Object> MISTRAL = Map.ofEntries(Map.entry("vocab_size", 32000),
            Map.entry("hidden_size", 4096), Map.entry("intermediate_size", 14336), Map.entry("num_hidden_layers", 32),
            Map.entry("num_attention_heads", 32), Map.entry("num_key_value_heads", 8), Map.entry("hidden_act", "silu"),
            Map.entry("max_position_embeddings", 4096 * 32), Map.entry("rms_norm_eps", 1e-6),
            Map.entry("rope_theta", 10000.0), Map.entry("sliding_window", 4096));

    /** transformers' LlamaConfig defaults (LLaVA-1.6-Vicuna and -34B use a Llama text model). */
    static final Map<String, Object> LLAMA = Map.ofEntries(Map.entry("vocab_size", 32000),
            Map.entry("hidden_size", 4096), Map.entry("intermediate_size", 11008), Map.entry("num_hidden_layers", 32),
            Map.entry("num_attention_heads", 32), Map.entry("hidden_act", "silu"),
            Map.entry("max_position_embeddings", 2048), Map.entry("rms_norm_eps", 1e-6),
            Map.entry("rope_theta", 10000.0));

    static final int[][] DEFAULT_PINPOINTS = {{336, 672}, {672, 336}, {672, 672}, {1008, 336}, {336, 1008}};

    public static LlavaNextConfig read(Path configJson) {
        JsonConfig c = JsonConfig.read(configJson);
        String type = c.requireString("model_type");
        if (!type.equals("llava_next")) {
            throw c.error("model_type", "expected llava_next, found '" + type + "'");
        }
        JsonConfig t = c.object("text_config", false);
        String textType = t.optString("model_type", "llama");
        Map<String, Object> defaults = switch (textType) {
            case "mistral" -> MISTRAL;
            case "llama" -> LLAMA;
            default -> throw t.error("model_type", "the text model must be mistral or llama, found '" + textType + "'");
        };
        JsonConfig td = t.withDefaults(defaults);
        if (td.optBoolean("mlp_bias", false)) {
            throw td.error("mlp_bias", "MLP biases are not supported");
        }
        boolean bias = textType.equals("llama") && td.optBoolean("attention_bias", false);
        DecoderConfig text = DecoderConfig.fromJson(td, bias, c.optBoolean("tie_word_embeddings", false));
        ClipVisionConfig vision = c.has("vision_config")
                ? ClipVisionConfig.fromJson(c.object("vision_config", false)) : ClipVisionConfig.VIT_L_14_336;
        String strategy = c.optString("vision_feature_select_strategy", "default");
        if (!strategy.equals("default")) {
            throw c.error("vision_feature_select_strategy", "only 'default' (CLS token dropped) fits the anyres "
                    + "packing of LLaVA-NeXT, found '" + strategy + "'");
        }
        int[] layers = featureLayers(c, vision);
        int image = c.has("image_token_index") ? c.requireInt("image_token_index", 0)
                : c.optInt("image_token_id", 32000);
        return new LlavaNextConfig(text, textType, vision, image,
                DecoderConfig.activation(c, "projector_hidden_act", "gelu"),
                c.optBoolean("multimodal_projector_bias", true), layers, pinpoints(c, vision.imageSize()),
                configJson);
    }

    private static int[] featureLayers(JsonConfig c, ClipVisionConfig vision) {
        JsonNode n = c.node("vision_feature_layer");
        int[] layers;
        if (n == null) {
            layers = new int[] {-2};
        } else if (n.isNull()) {
            // transformers keeps an explicit None (the -2 default is for an absent key only), and
            // get_image_features then fails iterating it
            throw c.error("vision_feature_layer", "expected a layer index or a non-empty list of them, found null");
        } else if (n.isIntegralNumber()) {
            layers = new int[] {c.requireInt("vision_feature_layer")};
        } else {
            layers = c.optIntArray("vision_feature_layer");
            if (layers.length == 0) {
                throw c.error("vision_feature_layer", "expected a layer index or a non-empty list of them");
            }
        }
        int states = vision.numLayers() + 1;
        for (int l : layers) {
            if (l < -states || l >= states) {
                throw c.error("vision_feature_layer", "layer " + l + " is outside the " + states
                        + " hidden states of the " + vision.numLayers() + "-layer vision tower");
            }
        }
        return layers;
    }

    /**
     * The pinpoints, each [height, width] in whole pixels and a positive multiple of the tower's {@code image_size}:
     * the processor cuts a pinpoint into tiles of that size and the model counts them by whole division, so any other
     * value would give the model fewer tiles than the processor cut (or, below one tile, an image-token count one
     * off from the packed features).
     */
    private static int[][] pinpoints(JsonConfig c, int tile) {
        JsonNode n = c.node("image_grid_pinpoints");
        if (n == null || n.isNull()) { // LlavaNextConfig.__init__ replaces None with its default pinpoints
            for (int[] p : DEFAULT_PINPOINTS) {
                if (p[0] % tile != 0 || p[1] % tile != 0) {
                    throw c.error("image_grid_pinpoints", (n == null ? "missing" : "null") + ", and LlavaNextConfig's default pinpoints "
                            + java.util.Arrays.deepToString(DEFAULT_PINPOINTS) + " are not multiples of the vision "
                            + "tower's image_size " + tile + "; give pinpoints that are");
                }
            }
            return DEFAULT_PINPOINTS;
        }
        if (!n.isArray() || n.isEmpty()) {
            throw c.error("image_grid_pinpoints", "expected a non-empty list of [height, width] pairs, found " + n);
        }
        int[][] out = new int[n.size()][];
        for (int i = 0; i < n.size(); i++) {
            JsonNode p = n.get(i);
            String key = "image_grid_pinpoints[" + i + "]";
            if (!p.isArray() || p.size() != 2) {
                throw c.error(key, "expected [height, width], found " + p);
            }
            for (int k = 0; k < 2; k++) {
                JsonNode v = p.get(k);
                if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                    throw c.error(key, "expected whole pixels [height, width], found " + p);
                }
                int side = v.intValue();
                if (side < tile || side % tile != 0) {
                    throw c.error(key, (k == 0 ? "height " : "width ") + side + " must be a positive multiple of "
                            + "the vision tower's image_size " + tile + " (the tile the processor cuts and the "
                            + "model counts), found " + p);
                }
            }
            out[i] = new int[] {p.get(0).intValue(), p.get(1).intValue()};
        }
        return out;
    }

    /** Tiles the processor cuts for an image of {@code height x width}: the base tile plus the best pinpoint's grid. */
    public int tiles(int height, int width) {
        int[] best = org.urbangraph.vlm.image.AnyRes.selectBestResolution(height, width, imageGridPinpoints);
        return 1 + (best[0] / vision.imageSize()) * (best[1] / vision.imageSize());
    }
}
