package org.urbangraph.vlm.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;

/** Reading {@code preprocessor_config.json} values with errors that name the file and the key. */
final class ProcessorConfigs {
    private ProcessorConfigs() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode read(Path file) {
        try {
            JsonNode n = JSON.readTree(file.toFile());
            if (n == null || !n.isObject()) {
                throw new IllegalArgumentException(file + ": expected a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read the image processor config: " + e.getMessage(), e);
        }
    }

    static String name(Path file) {
        return file == null ? "preprocessor config" : file.toString();
    }

    static boolean bool(JsonNode n, String key, boolean dflt, String src) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw new IllegalArgumentException(src + ": '" + key + "' must be true or false, got " + v);
        }
        return v.booleanValue();
    }

    static Integer intOrNull(JsonNode n, String key, String src) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new IllegalArgumentException(src + ": '" + key + "' must be an integer, got " + v);
        }
        return v.intValue();
    }

    static int positiveInt(JsonNode n, String key, int dflt, String src) {
        Integer v = intOrNull(n, key, src);
        int r = v == null ? dflt : v;
        if (r <= 0) {
            throw new IllegalArgumentException(src + ": '" + key + "' must be positive, got " + r);
        }
        return r;
    }

    static double number(JsonNode n, String key, double dflt, String src) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isNumber()) {
            throw new IllegalArgumentException(src + ": '" + key + "' must be a number, got " + v);
        }
        return v.doubleValue();
    }

    static double[] triple(JsonNode n, String key, double[] dflt, String src) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return dflt.clone();
        }
        if (v.isNumber()) {
            return new double[] {v.doubleValue(), v.doubleValue(), v.doubleValue()};
        }
        if (!v.isArray() || v.size() != 3) {
            throw new IllegalArgumentException(src + ": '" + key + "' must be a list of 3 numbers, got " + v);
        }
        double[] out = new double[3];
        for (int i = 0; i < 3; i++) {
            if (!v.get(i).isNumber()) {
                throw new IllegalArgumentException(src + ": '" + key + "' must be a list of 3 numbers, got " + v);
            }
            out[i] = v.get(i).doubleValue();
        }
        return out;
    }

    static Normalization normalization(JsonNode n, String src) {
        return Normalization.of(bool(n, "do_rescale", true, src), number(n, "rescale_factor", 1.0 / 255, src),
                bool(n, "do_normalize", true, src), triple(n, "image_mean", Normalization.CLIP_MEAN, src),
                triple(n, "image_std", Normalization.CLIP_STD, src));
    }

    static Resample.Filter filter(JsonNode n, String src) {
        Integer code = intOrNull(n, "resample", src);
        try {
            return Resample.Filter.fromPilCode(code == null ? 3 : code);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(src + ": " + e.getMessage(), e);
        }
    }
}
