package org.urbangraph.vlm.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Typed access to a Hugging Face JSON config with errors that name the file and the key. A config may have a
 * fallback (the top level of a composite config behind its {@code text_config}), consulted for keys the node lacks.
 */
public final class JsonConfig {

    private final Path file;
    private final String path;
    private final JsonNode node;
    private final JsonConfig fallback;
    private final boolean defaults;

    private JsonConfig(Path file, String path, JsonNode node, JsonConfig fallback) {
        this(file, path, node, fallback, false);
    }

    private JsonConfig(Path file, String path, JsonNode node, JsonConfig fallback, boolean defaults) {
        this.file = file;
        this.path = path;
        this.node = node;
        this.fallback = fallback;
        this.defaults = defaults;
    }

    public static JsonConfig read(Path file) {
        try {
            JsonNode n = new ObjectMapper().readTree(Files.readString(file));
            if (n == null || !n.isObject()) {
                throw new ConfigException(file, "", "the file is not a JSON object");
            }
            return new JsonConfig(file, "", n, null);
        } catch (IOException e) {
            throw new ConfigException(file, "", "cannot read: " + e.getMessage());
        }
    }

    public Path file() {
        return file;
    }

    private String qualified(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private JsonNode raw(String key) {
        return raw(key, false);
    }

    /**
     * The first non-null value along the fallback chain. Class defaults are consulted only for keys that no real
     * layer names: an explicit {@code null} (Mistral's {@code "sliding_window": null}) means "none", not "default".
     */
    private JsonNode raw(String key, boolean explicitlyNull) {
        if (defaults && explicitlyNull) {
            return null;
        }
        JsonNode v = node.get(key);
        if ((v == null || v.isNull()) && fallback != null) {
            return fallback.raw(key, explicitlyNull || v != null);
        }
        return v;
    }

    public boolean has(String key) {
        JsonNode v = raw(key);
        return v != null && !v.isNull();
    }

    /**
     * This config with {@code defaults} consulted last, after this node and its fallbacks: the values a model's
     * config class fills in for keys a hub {@code config.json} leaves out.
     */
    public JsonConfig withDefaults(java.util.Map<String, ?> values) {
        JsonConfig tail = fallback == null
                ? new JsonConfig(file, path, new ObjectMapper().valueToTree(values), null, true)
                : fallback.withDefaults(values);
        return new JsonConfig(file, path, node, tail, defaults);
    }

    /** A nested object (or an empty config if absent), with this config as its fallback when asked. */
    public JsonConfig object(String key, boolean inheritFromParent) {
        JsonNode v = node.get(key);
        if (v != null && !v.isNull() && !v.isObject()) {
            throw new ConfigException(file, qualified(key), "expected an object, found " + v.getNodeType());
        }
        JsonNode obj = v == null || v.isNull() ? new ObjectMapper().createObjectNode() : v;
        return new JsonConfig(file, qualified(key), obj, inheritFromParent ? this : null);
    }

    public int requireInt(String key) {
        JsonNode v = raw(key);
        if (v == null || v.isNull()) {
            throw new ConfigException(file, qualified(key), "missing");
        }
        return intValue(key, v);
    }

    /** An integer that fits an int; anything else (a fraction, a string, a wider integer) names the key. */
    private int intValue(String key, JsonNode v) {
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new ConfigException(file, qualified(key), "expected an integer from " + Integer.MIN_VALUE + " to "
                    + Integer.MAX_VALUE + ", found " + v);
        }
        return v.intValue();
    }

    /** An integer that must be at least {@code min}. */
    public int requireInt(String key, int min) {
        int v = requireInt(key);
        if (v < min) {
            throw new ConfigException(file, qualified(key), "must be at least " + min + ", found " + v);
        }
        return v;
    }

    public int optInt(String key, int dflt) {
        return has(key) ? requireInt(key) : dflt;
    }

    /** An integer that must be at least {@code min} where the config gives one; {@code dflt} where it does not. */
    public int optInt(String key, int dflt, int min) {
        return has(key) ? requireInt(key, min) : dflt;
    }

    public double requireDouble(String key) {
        JsonNode v = raw(key);
        if (v == null || v.isNull()) {
            throw new ConfigException(file, qualified(key), "missing");
        }
        if (!v.isNumber()) {
            throw new ConfigException(file, qualified(key), "expected a number, found " + v);
        }
        return v.asDouble();
    }

    public double optDouble(String key, double dflt) {
        return has(key) ? requireDouble(key) : dflt;
    }

    /**
     * A number that must be finite and greater than 0 where the config gives one (an epsilon, a rotary base, a
     * ratio); {@code dflt} where it does not.
     */
    public double optPositiveDouble(String key, double dflt) {
        if (!has(key)) {
            return dflt;
        }
        double v = requireDouble(key);
        if (!(v > 0) || !Double.isFinite(v)) {
            throw new ConfigException(file, qualified(key), "must be a finite number greater than 0, found " + raw(key));
        }
        return v;
    }

    public boolean optBoolean(String key, boolean dflt) {
        JsonNode v = raw(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw new ConfigException(file, qualified(key), "expected true or false, found " + v);
        }
        return v.asBoolean();
    }

    public String requireString(String key) {
        JsonNode v = raw(key);
        if (v == null || v.isNull()) {
            throw new ConfigException(file, qualified(key), "missing");
        }
        if (!v.isTextual()) {
            throw new ConfigException(file, qualified(key), "expected a string, found " + v);
        }
        return v.asText();
    }

    public String optString(String key, String dflt) {
        return has(key) ? requireString(key) : dflt;
    }

    public int[] optIntArray(String key) {
        JsonNode v = raw(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isArray()) {
            throw new ConfigException(file, qualified(key), "expected an array of integers, found " + v);
        }
        int[] out = new int[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = intValue(key + "[" + i + "]", v.get(i));
        }
        return out;
    }

    public double[] optDoubleArray(String key) {
        JsonNode v = raw(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isArray()) {
            throw new ConfigException(file, qualified(key), "expected an array of numbers, found " + v);
        }
        double[] out = new double[v.size()];
        for (int i = 0; i < out.length; i++) {
            if (!v.get(i).isNumber()) { // asDouble would read "abc", null and true as numbers
                throw new ConfigException(file, qualified(key + "[" + i + "]"), "expected a number, found " + v.get(i));
            }
            out[i] = v.get(i).doubleValue();
        }
        return out;
    }

    /** The raw JSON of a key (for values with a shape of their own, such as {@code rope_scaling}). */
    public JsonNode node(String key) {
        return raw(key);
    }

    /** Fails with this config's file and the key. */
    public ConfigException error(String key, String problem) {
        return new ConfigException(file, qualified(key), problem);
    }
}
