package org.urbangraph.vlm.qwen2vl;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Map;
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

    /**
     * transformers 4.57's Qwen2VLTextConfig and Qwen2_5_VLTextConfig defaults (the same for both) for the keys read
     * here without a size of their own: a config that leaves them out gets what transformers builds. Without
     * {@code use_sliding_window} there is no sliding window, whatever {@code sliding_window} says; an explicit
     * {@code "num_key_value_heads": null} still means num_attention_heads.
     */
    static final Map<String, Object> TEXT_DEFAULTS = Map.of("rms_norm_eps", 1e-5, "rope_theta", 1000000.0,
            "num_key_value_heads", 8, "hidden_act", "silu", "use_sliding_window", false, "sliding_window", 4096);

    /** Qwen2_5_VLVisionConfig's fullatt_block_indexes; blocks past a shallower tower's depth are never reached. */
    static final int[] DEFAULT_FULL_ATT_BLOCKS = {7, 15, 23, 31};

    /** Qwen2_5_VLVisionConfig's tokens_per_second. */
    static final int DEFAULT_TOKENS_PER_SECOND = 4;

    public static Qwen2VLConfig read(Path configJson) {
        JsonConfig c = JsonConfig.read(configJson);
        String type = c.requireString("model_type");
        Variant variant = switch (type) {
            case "qwen2_vl" -> Variant.QWEN2_VL;
            case "qwen2_5_vl" -> Variant.QWEN2_5_VL;
            default -> throw c.error("model_type", "expected qwen2_vl or qwen2_5_vl, found '" + type + "'");
        };
        JsonConfig textNode = (c.has("text_config") ? c.object("text_config", true) : c).withDefaults(TEXT_DEFAULTS);
        DecoderConfig text = DecoderConfig.fromJson(textNode, true, false);
        if (text.mropeSection() == null) {
            throw c.error("rope_scaling.mrope_section", "Qwen2-VL models need M-RoPE sections");
        }
        JsonConfig v = c.object("vision_config", false);
        Vision vision;
        int inChannels = v.has("in_chans") ? v.requireInt("in_chans", 1) : v.optInt("in_channels", 3, 1);
        int depth = v.requireInt("depth", 1);
        int patch = v.optInt("patch_size", 14, 1);
        int temporal = v.optInt("temporal_patch_size", 2, 1);
        int merge = v.optInt("spatial_merge_size", 2, 1);
        if (variant == Variant.QWEN2_VL) {
            int embed = v.requireInt("embed_dim", 1);
            int heads = v.requireInt("num_heads", 1);
            checkHeads(v, "embed_dim", embed, heads);
            double ratio = v.optPositiveDouble("mlp_ratio", 4);
            int mlp = (int) Math.round(ratio * embed);
            if (mlp < 1) {
                throw v.error("mlp_ratio", "mlp_ratio * embed_dim must be at least 1, found " + ratio + " * " + embed);
            }
            vision = new Vision(depth, embed, heads, mlp, DecoderConfig.activation(v, "hidden_act", "quick_gelu"),
                    patch, temporal, merge, v.optInt("hidden_size", text.hiddenSize(), 1), inChannels, 0, new int[0],
                    0);
        } else {
            int embed = v.requireInt("hidden_size", 1);
            int heads = v.requireInt("num_heads", 1);
            checkHeads(v, "hidden_size", embed, heads);
            int window = v.optInt("window_size", 112, 1);
            if (window < patch * merge) {
                throw v.error("window_size", "must be at least patch_size * spatial_merge_size = " + patch * merge
                        + ", found " + window + " (Qwen2.5-VL's get_window_index makes attention windows of "
                        + "window_size // spatial_merge_size // patch_size merged tokens a side, which must be at "
                        + "least 1)");
            }
            JsonNode fullNode = v.node("fullatt_block_indexes");
            if (fullNode != null && fullNode.isNull()) {
                // transformers keeps None here and fails when the tower iterates it
                throw v.error("fullatt_block_indexes", "is null; give the list of full-attention blocks or leave the "
                        + "key out for transformers' default [7, 15, 23, 31]");
            }
            int[] full = v.has("fullatt_block_indexes") ? v.optIntArray("fullatt_block_indexes")
                    : java.util.Arrays.stream(DEFAULT_FULL_ATT_BLOCKS).filter(b -> b < depth).toArray();
            for (int b : full) {
                if (b < 0 || b >= depth) {
                    throw v.error("fullatt_block_indexes", "each index must name a block, 0 to depth - 1 = "
                            + (depth - 1) + ", found " + b);
                }
            }
            vision = new Vision(depth, embed, heads, v.requireInt("intermediate_size", 1),
                    DecoderConfig.activation(v, "hidden_act", "silu"), patch, temporal, merge,
                    v.optInt("out_hidden_size", text.hiddenSize(), 1), inChannels, window,
                    full, v.optInt("tokens_per_second", DEFAULT_TOKENS_PER_SECOND, 1));
        }
        if (vision.outHiddenSize() != text.hiddenSize()) {
            throw c.error("vision_config", "the merger outputs " + vision.outHiddenSize()
                    + " features but the language model's hidden_size is " + text.hiddenSize());
        }
        return new Qwen2VLConfig(variant, text, vision, tokenId(c, "image_token_id", 151655, text),
                tokenId(c, "video_token_id", 151656, text), tokenId(c, "vision_start_token_id", 151652, text),
                tokenId(c, "vision_end_token_id", 151653, text), configJson);
    }

    /** A special token's id, which must be a row of the embedding table. */
    private static int tokenId(JsonConfig c, String key, int dflt, DecoderConfig text) {
        int id = c.optInt(key, dflt);
        if (id < 0 || id >= text.vocabSize()) {
            throw c.error(key, "must be a token id inside the vocabulary, 0 to vocab_size - 1 = "
                    + (text.vocabSize() - 1) + ", found " + id);
        }
        return id;
    }

    /**
     * Each head's size must be even for the rotary embedding and a multiple of 4 in the tower, whose 2-D rotary
     * embedding gives half of each head to patch rows and half to patch columns.
     */
    private static void checkHeads(JsonConfig v, String key, int embed, int heads) {
        if (embed % heads != 0 || (embed / heads) % 4 != 0) {
            throw v.error(key, "must split into " + heads + " heads (num_heads) whose size is a multiple of 4, "
                    + "found " + embed);
        }
    }

    /** Merged vision tokens per image: (h / merge) * (w / merge) * t. */
    public int mergedTokens(int[] gridThw) {
        int m = vision.spatialMergeSize();
        return gridThw[0] * (gridThw[1] / m) * (gridThw[2] / m);
    }
}
