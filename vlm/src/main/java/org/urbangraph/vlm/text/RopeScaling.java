package org.urbangraph.vlm.text;

import com.fasterxml.jackson.databind.JsonNode;
import org.urbangraph.vlm.config.JsonConfig;

/**
 * Phi-3's rotary scaling ({@code rope_scaling} types {@code su}, renamed {@code longrope} in later configs, and
 * Phi-3-V's own {@code yarn}): each frequency is divided by a per-frequency factor, {@code shortFactor} while a
 * sequence stays within {@code originalMaxPositions} tokens, {@code longFactor} beyond, and cos / sin are multiplied
 * by {@code magnitude}.
 *
 * <p>The choice between the two factor lists is made per row, from the number of real tokens the row has seen
 * ({@link RotaryTables#oneD(long[][], long[], int, double, RopeScaling)}): a row embeds as it does alone. The
 * reference ({@code Phi3SuScaledRotaryEmbedding}, transformers' {@code longrope} update) makes it once per forward
 * call from {@code max(position_ids) + 1} over the whole batch, so there a short row left-padded next to a row past
 * the limit switches to the long factors. As in the reference, during cached generation the keys already cached keep
 * the rotation they were computed with.
 *
 * @param magnitude the attention factor: {@code sqrt(1 + ln(s) / ln(originalMaxPositions))} for su / longrope and
 *                  {@code 0.1 ln(s) + 1} for Phi-3-V's yarn, with {@code s = max_position_embeddings /
 *                  original_max_position_embeddings} (1 when {@code s <= 1}), unless the config sets
 *                  {@code attention_factor}
 */
public record RopeScaling(String type, float[] shortFactor, float[] longFactor, int originalMaxPositions,
                          double magnitude) {

    public RopeScaling {
        shortFactor = shortFactor.clone();
        longFactor = longFactor.clone();
    }

    /** Whether a sequence of {@code length} tokens (positions 0 .. length - 1) takes the long factors. */
    public boolean usesLongFactors(long length) {
        return length > originalMaxPositions;
    }

    /**
     * Reads a Phi-3 {@code rope_scaling} object. {@code phi3Yarn} selects the Phi-3-V remote code's meaning of
     * {@code yarn} (the same factor lists, magnitude {@code 0.1 ln(s) + 1}); without it {@code yarn} is refused.
     */
    static RopeScaling read(JsonConfig c, JsonNode rs, String type, int headDim, boolean phi3Yarn) {
        String key = "rope_scaling";
        if (type.equals("yarn") && !phi3Yarn) {
            throw c.error(key, "rope scaling type 'yarn' is only supported for Phi-3 models");
        }
        float[] shortF = factors(c, rs, "short_factor", headDim);
        float[] longF = factors(c, rs, "long_factor", headDim);
        int maxPos = c.requireInt("max_position_embeddings", 1);
        int original = c.has("original_max_position_embeddings")
                ? c.requireInt("original_max_position_embeddings", 1)
                : rs.has("original_max_position_embeddings") ? rs.get("original_max_position_embeddings").asInt() : 0;
        if (original < 1) {
            throw c.error("original_max_position_embeddings", "rope scaling type '" + type
                    + "' needs a positive original_max_position_embeddings");
        }
        double s = (double) maxPos / original;
        double magnitude;
        if (rs.has("attention_factor") && !rs.get("attention_factor").isNull()) {
            if (!rs.get("attention_factor").isNumber()) {
                throw c.error(key + ".attention_factor", "expected a number, found " + rs.get("attention_factor"));
            }
            magnitude = rs.get("attention_factor").asDouble();
        } else if (s <= 1.0) {
            magnitude = 1.0;
        } else if (type.equals("yarn")) {
            magnitude = 0.1 * Math.log(s) + 1.0;
        } else {
            magnitude = Math.sqrt(1 + Math.log(s) / Math.log(original));
        }
        return new RopeScaling(type, shortF, longF, original, magnitude);
    }

    private static float[] factors(JsonConfig c, JsonNode rs, String name, int headDim) {
        JsonNode a = rs.get(name);
        if (a == null || !a.isArray()) {
            throw c.error("rope_scaling." + name, "expected a list of " + headDim / 2 + " numbers, found " + a);
        }
        if (a.size() != headDim / 2) {
            throw c.error("rope_scaling." + name, "expected head_dim / 2 = " + headDim / 2 + " factors, found "
                    + a.size());
        }
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            if (!a.get(i).isNumber() || !(a.get(i).asDouble() > 0)) {
                throw c.error("rope_scaling." + name, "factor " + i + " must be a positive number, found " + a.get(i));
            }
            out[i] = (float) a.get(i).asDouble();
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RopeScaling r && r.type.equals(type) && java.util.Arrays.equals(r.shortFactor, shortFactor)
                && java.util.Arrays.equals(r.longFactor, longFactor) && r.originalMaxPositions == originalMaxPositions
                && Double.compare(r.magnitude, magnitude) == 0;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(type, java.util.Arrays.hashCode(shortFactor),
                java.util.Arrays.hashCode(longFactor), originalMaxPositions, magnitude);
    }

    @Override
    public String toString() {
        return "RopeScaling[" + type + ", original " + originalMaxPositions + ", magnitude " + magnitude + "]";
    }
}
