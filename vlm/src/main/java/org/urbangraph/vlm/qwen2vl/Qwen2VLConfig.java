package org.urbangraph.vlm.qwen2vl;

import java.nio.file.Path;
import org.urbangraph.tensor.nn.Activation;
import org.urbangraph.vlm.config.JsonConfig;
import org.urbangraph.vlm.text.DecoderConfig;

/**
 * A Qwen2-VL or Qwen2.5-VL {@code config.json}, in either layout: the flat hub layout, or the nested one that
 * {@code save_pretrained} writes (text keys under {@code text_config}, with the top level as fallback).
 */
public record Qwen2VLConfig(Variant variant, DecoderConfig text, Vision vision, int imageTokenId, int videoTokenId,
                            int visionStartTokenId, int visionEndTokenId, Path source) {

    public enum Variant { QWEN2_VL, QWEN2_5_VL }

    /**
     * The vision tower. Qwen2-VL: LayerNorm blocks with a quick-GELU MLP of width {@code mlpRatio * embedDim}.
     * Qwen2.5-VL: RMSNorm blocks with a SwiGLU MLP of width {@code intermediateSize}, window attention except in
     * {@code fullAttBlocks}.
     */
    public record Vision(int depth, int embedDim, int numHeads, int intermediateSize, Activation act, int patchSize,
                         int temporalPatchSize, int spatialMergeSize, int outHiddenSize, int inChannels,
                         int windowSize, int[] fullAttBlocks, int tokensPerSecond) {

        public int headDim() {
            return embedDim / numHeads;
        }

        /** Values per patch row: channels x temporal x patch x patch (1176 for the released models). */
        public int patchDim() {
            return inChannels * temporalPatchSize * patchSize * patchSize;
        }
    }

    public static Qwen2VLConfig read(Path configJson) {
        JsonConfig c = JsonConfig.read(configJson);
        String type = c.requireString("model_type");
        Variant variant = switch (type) {
            case "qwen2_vl" -> Variant.QWEN2_VL;
            case "qwen2_5_vl" -> Variant.QWEN2_5_VL;
            default -> throw c.error("model_type", "expected qwen2_vl or qwen2_5_vl, found '" + type + "'");
        };
        JsonConfig textNode = c.has("text_config") ? c.object("text_config", true) : c;
        DecoderConfig text = DecoderConfig.fromJson(textNode, true, false);
        if (text.mropeSection() == null) {
            throw c.error("rope_scaling.mrope_section", "Qwen2-VL models need M-RoPE sections");
        }
        JsonConfig v = c.object("vision_config", false);
        Vision vision;
        int inChannels = v.has("in_chans") ? v.requireInt("in_chans", 1) : v.optInt("in_channels", 3);
        if (variant == Variant.QWEN2_VL) {
            int embed = v.requireInt("embed_dim", 1);
            int heads = v.requireInt("num_heads", 1);
            checkHeads(v, "embed_dim", embed, heads);
            vision = new Vision(v.requireInt("depth", 1), embed, heads, (int) Math.round(v.optDouble("mlp_ratio", 4) * embed),
                    Activation.fromConfig(v.optString("hidden_act", "quick_gelu")), v.optInt("patch_size", 14),
                    v.optInt("temporal_patch_size", 2), v.optInt("spatial_merge_size", 2),
                    v.optInt("hidden_size", text.hiddenSize()), inChannels, 0, new int[0], 0);
        } else {
            int embed = v.requireInt("hidden_size", 1);
            int heads = v.requireInt("num_heads", 1);
            checkHeads(v, "hidden_size", embed, heads);
            int[] full = v.optIntArray("fullatt_block_indexes");
            vision = new Vision(v.requireInt("depth", 1), embed, heads, v.requireInt("intermediate_size", 1),
                    Activation.fromConfig(v.optString("hidden_act", "silu")), v.optInt("patch_size", 14),
                    v.optInt("temporal_patch_size", 2), v.optInt("spatial_merge_size", 2),
                    v.optInt("out_hidden_size", text.hiddenSize()), inChannels, v.optInt("window_size", 112),
                    full == null ? new int[0] : full, v.optInt("tokens_per_second", 2));
        }
        if (vision.outHiddenSize() != text.hiddenSize()) {
            throw c.error("vision_config", "the merger outputs " + vision.outHiddenSize()
                    + " features but the language model's hidden_size is " + text.hiddenSize());
        }
        return new Qwen2VLConfig(variant, text, vision, c.optInt("image_token_id", 151655),
                c.optInt("video_token_id", 151656), c.optInt("vision_start_token_id", 151652),
                c.optInt("vision_end_token_id", 151653), configJson);
    }

    private static void checkHeads(JsonConfig v, String key, int embed, int heads) {
        if (embed % heads != 0 || (embed / heads) % 2 != 0) {
            throw v.error(key, "must split into " + heads + " heads of even size, found " + embed);
        }
    }

    /** Merged vision tokens per image: (h / merge) * (w / merge) * t. */
    public int mergedTokens(int[] gridThw) {
        int m = vision.spatialMergeSize();
        return gridThw[0] * (gridThw[1] / m) * (gridThw[2] / m);
    }
}
