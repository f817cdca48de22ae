package org.urbangraph.vlm.text;

import org.urbangraph.tensor.nn.Activation;
import org.urbangraph.vlm.config.JsonConfig;

/**
 * The settings of a Llama-style decoder (Qwen2, Mistral, Llama, Phi-3): sizes, attention heads, norms, rotary
 * embedding.
 *
 * @param attentionBias      q/k/v projections have a bias (Qwen2) or not (Mistral, Phi-3)
 * @param slidingWindow      attention span in tokens, or 0 for full attention
 * @param mropeSection       M-RoPE sections (t, h, w) over half the head dimension, or null for 1-D rotary
 * @param ropeScaling        Phi-3's su / longrope / yarn frequency scaling, or null for plain rotary
 * @param fusedProjections   Phi-3's layout: one {@code qkv_proj} (q, then k, then v rows) and one {@code gate_up_proj}
 *                           (gate rows, then up rows) instead of separate projections
 */
public record DecoderConfig(int vocabSize, int hiddenSize, int intermediateSize, int numLayers, int numHeads,
                            int numKvHeads, int headDim, double rmsNormEps, double ropeTheta, Activation hiddenAct,
                            boolean attentionBias, int slidingWindow, boolean tieWordEmbeddings, int[] mropeSection,
                            RopeScaling ropeScaling, boolean fusedProjections) {

    /** A decoder with separate projections and no rotary scaling (Qwen2, Mistral, Llama). */
    public DecoderConfig(int vocabSize, int hiddenSize, int intermediateSize, int numLayers, int numHeads,
                         int numKvHeads, int headDim, double rmsNormEps, double ropeTheta, Activation hiddenAct,
                         boolean attentionBias, int slidingWindow, boolean tieWordEmbeddings, int[] mropeSection) {
        this(vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim, rmsNormEps, ropeTheta,
                hiddenAct, attentionBias, slidingWindow, tieWordEmbeddings, mropeSection, null, false);
    }

    /**
     * Reads the text settings of a Qwen2 / Mistral / Llama decoder; {@code c} is the node that holds them (the top
     * level of a hub config, or {@code text_config} with its fallbacks).
     */
    public static DecoderConfig fromJson(JsonConfig c, boolean attentionBias, boolean defaultTie) {
        return fromJson(c, attentionBias, defaultTie, false);
    }

    /**
     * As {@link #fromJson(JsonConfig, boolean, boolean)}; {@code phi3} reads a Phi-3 decoder: fused projections and
     * the {@code su} / {@code longrope} / {@code yarn} rotary scaling.
     */
    public static DecoderConfig fromJson(JsonConfig c, boolean attentionBias, boolean defaultTie, boolean phi3) {
        int hidden = c.requireInt("hidden_size", 1);
        int heads = c.requireInt("num_attention_heads", 1);
        int kv = c.optInt("num_key_value_heads", heads);
        int headDim = c.has("head_dim") ? c.requireInt("head_dim", 1) : hidden / heads;
        if (!c.has("head_dim") && hidden % heads != 0) {
            throw c.error("hidden_size", "must be divisible by num_attention_heads (" + heads + "), found " + hidden);
        }
        if (kv < 1 || heads % kv != 0) {
            throw c.error("num_key_value_heads", "must divide num_attention_heads (" + heads + "), found " + kv);
        }
        if (headDim % 2 != 0) {
            throw c.error("head_dim", "rotary embeddings need an even head dimension, found " + headDim);
        }
        int[] mrope = null;
        RopeScaling scaling = null;
        var rs = c.node("rope_scaling");
        if (rs != null && !rs.isNull() && !rs.isObject()) {
            throw c.error("rope_scaling", "expected an object or null, found " + rs);
        }
        if (rs != null && rs.isObject()) {
            String type = ropeType(c, rs);
            if (rs.has("mrope_section")) {
                // Qwen2-VL's config turns "mrope" into "default"; any other type (yarn, linear, ...) would scale the
                // frequencies in transformers, which plain M-RoPE here does not.
                if (!type.equals("default") && !type.equals("mrope")) {
                    throw c.error("rope_scaling", "rope scaling type '" + type + "' is not supported next to "
                            + "mrope_section (default and mrope are)");
                }
                var arr = rs.get("mrope_section");
                mrope = new int[arr.size()];
                int sum = 0;
                boolean sizes = arr.isArray();
                for (int i = 0; i < mrope.length; i++) {
                    sizes &= arr.get(i).isIntegralNumber() && arr.get(i).canConvertToInt() && arr.get(i).asInt() >= 0;
                    mrope[i] = arr.get(i).asInt();
                    sum += mrope[i];
                }
                if (!sizes || mrope.length != 3 || sum * 2 != headDim) {
                    throw c.error("rope_scaling.mrope_section", "expected three sections (integers >= 0) summing to "
                            + "head_dim / 2 = " + headDim / 2 + ", found " + arr);
                }
            } else {
                if (phi3 && (type.equals("su") || type.equals("longrope") || type.equals("yarn"))) {
                    scaling = RopeScaling.read(c, rs, type, headDim, true);
                } else if (!type.equals("default")) {
                    throw c.error("rope_scaling", "rope scaling type '" + type + "' is not supported"
                            + (phi3 ? " (su, longrope, yarn and default are)" : ""));
                }
            }
        }
        boolean sliding = c.optBoolean("use_sliding_window", c.has("sliding_window") && !c.has("use_sliding_window"));
        int window = sliding && c.has("sliding_window") ? c.requireInt("sliding_window", 1) : 0;
        return new DecoderConfig(c.requireInt("vocab_size", 1), hidden, c.requireInt("intermediate_size", 1),
                c.requireInt("num_hidden_layers", 1), heads, kv, headDim, c.optPositiveDouble("rms_norm_eps", 1e-6),
                c.optPositiveDouble("rope_theta", 10000.0), activation(c, "hidden_act", "silu"),
                attentionBias, window, c.optBoolean("tie_word_embeddings", defaultTie), mrope, scaling, phi3);
    }

    /**
     * The type of a {@code rope_scaling} object, as transformers reads it: {@code type} (the older key, which its
     * configs copy over {@code rope_type}), else {@code rope_type}. An object with neither is refused, as
     * transformers' rope_config_validation refuses it ("Missing required keys ... {'rope_type'}"), rather than read as
     * plain rotary.
     */
    private static String ropeType(JsonConfig c, com.fasterxml.jackson.databind.JsonNode rs) {
        String key = rs.has("type") ? "type" : rs.has("rope_type") ? "rope_type" : null;
        if (key == null) {
            throw c.error("rope_scaling", "expected a \"type\" or \"rope_type\" entry naming the rope scaling type, "
                    + "found " + rs);
        }
        if (!rs.get(key).isTextual()) {
            throw c.error("rope_scaling." + key, "expected a string, found " + rs.get(key));
        }
        return rs.get(key).asText();
    }

    /** An activation named by a config key ({@code hidden_act}), with an error naming the file and the key. */
    public static Activation activation(JsonConfig c, String key, String dflt) {
        String name = c.optString(key, dflt);
        try {
            return Activation.fromConfig(name);
        } catch (IllegalArgumentException e) {
            throw c.error(key, e.getMessage());
        }
    }
}
