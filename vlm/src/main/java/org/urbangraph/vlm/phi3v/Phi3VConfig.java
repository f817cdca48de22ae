package org.urbangraph.vlm.phi3v;

import java.nio.file.Path;
import java.util.Map;
import org.urbangraph.vlm.clip.ClipVisionConfig;
import org.urbangraph.vlm.config.JsonConfig;
import org.urbangraph.vlm.text.DecoderConfig;

/**
 * A Phi-3-Vision ({@code phi3_v}) {@code config.json}: flat text keys (defaults of the remote code's
 * {@code Phi3VConfig} where absent), {@code rope_scaling} (su / longrope / yarn), {@code embd_layer} (the HD
 * transform settings) and {@code img_processor} (the CLIP tower and the hidden state it is read at).
 *
 * <p>The reference hard-codes the vision tower as CLIP ViT-L/14-336 (it checks {@code img_processor.model_name});
 * a {@code vision_config} object inside {@code img_processor}, which no released config has, replaces those
 * settings so that tiny test models can be built.
 */
public record Phi3VConfig(DecoderConfig text, ClipVisionConfig vision, int layerIdx, int bosTokenId, int eosTokenId,
                          Path source) {

    /** The remote code's Phi3VConfig defaults. */
    static final Map<String, Object> DEFAULTS = Map.ofEntries(Map.entry("vocab_size", 32064),
            Map.entry("hidden_size", 3072), Map.entry("intermediate_size", 8192), Map.entry("num_hidden_layers", 32),
            Map.entry("num_attention_heads", 32), Map.entry("hidden_act", "silu"),
            Map.entry("max_position_embeddings", 4096), Map.entry("original_max_position_embeddings", 4096),
            Map.entry("rms_norm_eps", 1e-5), Map.entry("rope_theta", 10000.0), Map.entry("bos_token_id", 1),
            Map.entry("eos_token_id", 32000));

    public static Phi3VConfig read(Path configJson) {
        JsonConfig c = JsonConfig.read(configJson).withDefaults(DEFAULTS);
        String type = c.requireString("model_type");
        if (!type.equals("phi3_v")) {
            throw c.error("model_type", "expected phi3_v, found '" + type + "'");
        }
        DecoderConfig text = DecoderConfig.fromJson(c, false, false, true);
        if (!c.has("embd_layer") || !c.node("embd_layer").isObject()) {
            throw c.error("embd_layer", "Phi-3-V needs its image embedding settings (an object), found "
                    + c.node("embd_layer"));
        }
        JsonConfig e = c.object("embd_layer", false);
        expect(e, "embedding_cls", "image", null);
        expectTrue(e, "use_hd_transform");
        expectTrue(e, "with_learnable_separator");
        // the newest remote code implements only sub_glb (crops, separator, global image); older code defaulted to
        // glb_sub, which no released checkpoint uses
        expect(e, "hd_transform_order", "sub_glb", "glb_sub");
        expect(e, "projection_cls", "mlp", "linear");
        if (!c.has("img_processor") || !c.node("img_processor").isObject()) {
            throw c.error("img_processor", "Phi-3-V needs its vision tower settings (an object), found "
                    + c.node("img_processor"));
        }
        JsonConfig p = c.object("img_processor", false);
        expect(p, "name", "clip_vision_model", null);
        ClipVisionConfig vision;
        if (p.has("vision_config")) {
            vision = ClipVisionConfig.fromJson(p.object("vision_config", false));
        } else {
            expect(p, "model_name", "openai/clip-vit-large-patch14-336", null);
            vision = ClipVisionConfig.VIT_L_14_336;
        }
        int dimOut = p.requireInt("image_dim_out", 1);
        if (dimOut != vision.hiddenSize()) {
            throw p.error("image_dim_out", "must equal the CLIP width " + vision.hiddenSize() + ", found " + dimOut);
        }
        if (vision.gridSize() % 2 != 0) {
            throw p.error("vision_config", "the 2x2 merge of the HD transform needs an even patch grid, found "
                    + vision.gridSize());
        }
        int layer = p.optInt("layer_idx", -2);
        if (layer < -(vision.numLayers() + 1) || layer > vision.numLayers()) {
            throw p.error("layer_idx", "must index one of the " + (vision.numLayers() + 1) + " CLIP hidden states, "
                    + "found " + layer);
        }
        if (!p.optString("type_feature", "patch").equals("patch")) {
            throw p.error("type_feature", "only 'patch' (CLS dropped) is implemented by the reference, found '"
                    + p.optString("type_feature", "patch") + "'");
        }
        return new Phi3VConfig(text, vision, layer, c.optInt("bos_token_id", 1), c.optInt("eos_token_id", 32000),
                configJson);
    }

    private static void expect(JsonConfig c, String key, String value, String dflt) {
        String v = dflt == null ? c.requireString(key) : c.optString(key, dflt);
        if (!v.equals(value)) {
            throw c.error(key, "only '" + value + "' is supported, found '" + v + "'");
        }
    }

    private static void expectTrue(JsonConfig c, String key) {
        if (!c.optBoolean(key, false)) {
            throw c.error(key, "only true is supported (the released models use the HD transform)");
        }
    }

    /** Merged tokens per crop side: the CLIP patch grid halved by the 2x2 merge (12 for ViT-L/14-336). */
    public int tokensPerCropSide() {
        return vision.gridSize() / 2;
    }
}
