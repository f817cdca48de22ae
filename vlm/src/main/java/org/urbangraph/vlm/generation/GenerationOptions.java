package org.urbangraph.vlm.generation;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.urbangraph.vlm.config.ConfigException;

/**
 * How to pick tokens, in the order of transformers' {@code generate()}: first the repetition penalty over every id
 * of the row so far (prompt, padding included, and generated tokens: a logit l becomes l / p if positive, l * p if
 * negative), then greedy when {@code temperature} is 0, otherwise sampling from softmax(logits / temperature)
 * restricted to the {@code topK} most likely tokens (0 = all; tokens tied with the k-th are kept) and to the
 * smallest set whose probability reaches {@code topP} (1 = all), with a seeded generator. Generation of a row stops
 * at a stop token (not included in the output) or after {@code maxNewTokens}; or, when {@code maxLength} is set (a
 * {@code generation_config.json} with {@code max_length} and no {@code max_new_tokens}), once the prompt's padded
 * length plus the new tokens reaches {@code maxLength}, as transformers' {@code generate()} counts it.
 *
 * @param maxNewTokens      new tokens per row, at least 1; not used when {@code maxLength} is set
 * @param temperature       0 for greedy decoding, otherwise a finite temperature (sampling) that is at least
 *                          {@link Float#MIN_NORMAL} as a float
 * @param topK              0 for no top-k filter (transformers' {@code top_k} 0 or null), otherwise the k kept
 * @param topP              in [0, 1] (0 keeps only the most likely token, as in transformers)
 * @param repetitionPenalty finite, above 0; 1 leaves the logits alone
 * @param maxLength         null, or transformers' {@code max_length} (at least 1): the prompt's padded length plus
 *                          the new tokens, used instead of {@code maxNewTokens}; a prompt already that long is an
 *                          error when generating
 */
public record GenerationOptions(int maxNewTokens, double temperature, int topK, double topP, long seed,
                                Set<Long> stopTokens, double repetitionPenalty, Integer maxLength) {

    /** The file a model directory keeps its generation settings in. */
    public static final String FILE = "generation_config.json";

    /** New tokens when neither the caller nor {@code generation_config.json} gives {@code max_new_tokens}. */
    public static final int DEFAULT_MAX_NEW_TOKENS = 20;

    /**
     * transformers' default {@code max_length}: a {@code generation_config.json} that gives this value (or none) gets
     * the default count of new tokens, as {@code generate()} then generates 20 new tokens whatever the prompt.
     */
    public static final int DEFAULT_MAX_LENGTH = 20;

    public GenerationOptions {
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("maxNewTokens must be at least 1, got " + maxNewTokens);
        }
        // comparisons with NaN are false, so every check is written to fail for it
        if (!(Double.isFinite(temperature) && temperature >= 0)) {
            throw new IllegalArgumentException("temperature must be 0 (greedy) or a finite value above 0 (sampling), "
                    + "got " + temperature);
        }
        if (temperature > 0 && !normalAsFloat(temperature)) {
            throw new IllegalArgumentException("temperature " + temperature + " is 0 or subnormal as a float (the "
                    + "logits are divided by it in float arithmetic); it must be at least " + Float.MIN_NORMAL);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK must be 0 (no top-k filter) or positive, got " + topK);
        }
        if (!(topP >= 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in [0, 1], got " + topP);
        }
        if (!(Double.isFinite(repetitionPenalty) && repetitionPenalty > 0)) {
            throw new IllegalArgumentException("repetitionPenalty must be finite and above 0, got "
                    + repetitionPenalty);
        }
        if (maxLength != null && maxLength < 1) {
            throw new IllegalArgumentException("maxLength must be null or at least 1, got " + maxLength);
        }
        stopTokens = Set.copyOf(stopTokens);
    }

    /**
     * Whether a temperature above 0 stays a normal float: the logits are divided by {@code (float) temperature}, as
     * torch divides float32 logits, and 0 or a subnormal divisor gives NaN or infinite scores.
     */
    private static boolean normalAsFloat(double temperature) {
        return (float) temperature >= Float.MIN_NORMAL;
    }

    /** Options that stop after {@code maxNewTokens} (no {@code maxLength}). */
    public GenerationOptions(int maxNewTokens, double temperature, int topK, double topP, long seed,
                             Set<Long> stopTokens, double repetitionPenalty) {
        this(maxNewTokens, temperature, topK, topP, seed, stopTokens, repetitionPenalty, null);
    }

    /** Options without a repetition penalty. */
    public GenerationOptions(int maxNewTokens, double temperature, int topK, double topP, long seed,
                             Set<Long> stopTokens) {
        this(maxNewTokens, temperature, topK, topP, seed, stopTokens, 1.0);
    }

    public static GenerationOptions greedy(int maxNewTokens, Set<Long> stopTokens) {
        return new GenerationOptions(maxNewTokens, 0, 0, 1, 0, stopTokens);
    }

    public boolean sampling() {
        return temperature > 0;
    }

    /**
     * {@code n} new tokens per row; like {@code max_new_tokens} in transformers, it takes precedence over
     * {@code maxLength}, which is dropped.
     */
    public GenerationOptions withMaxNewTokens(int n) {
        return new GenerationOptions(n, temperature, topK, topP, seed, stopTokens, repetitionPenalty, null);
    }

    public GenerationOptions withSeed(long s) {
        return new GenerationOptions(maxNewTokens, temperature, topK, topP, s, stopTokens, repetitionPenalty,
                maxLength);
    }

    public GenerationOptions withStopTokens(Set<Long> stop) {
        return new GenerationOptions(maxNewTokens, temperature, topK, topP, seed, stop, repetitionPenalty, maxLength);
    }

    public GenerationOptions withRepetitionPenalty(double p) {
        return new GenerationOptions(maxNewTokens, temperature, topK, topP, seed, stopTokens, p, maxLength);
    }

    /**
     * The number of new tokens a row may get after a prompt of {@code promptLength} ids (the padded length of the
     * batch, as transformers' {@code input_ids.shape[-1]}): {@code maxNewTokens}, or {@code maxLength - promptLength}
     * when {@code maxLength} is set.
     *
     * @throws IllegalArgumentException when the prompt already reaches {@code maxLength}
     */
    public int newTokenBudget(int promptLength) {
        if (maxLength == null) {
            return maxNewTokens;
        }
        int budget = maxLength - promptLength;
        if (budget <= 0) {
            throw new IllegalArgumentException("max_length is " + maxLength + " (generation_config.json's cap on the "
                    + "prompt and the new tokens together) but the prompt is already " + promptLength + " tokens long (its padded length), so "
                    + "no token can be generated; set max_new_tokens (withMaxNewTokens) or a larger max_length");
        }
        return budget;
    }

    /**
     * The options a model directory ships: its {@code generation_config.json} when there is one
     * ({@link #fromGenerationConfig(Path, int)}), otherwise what transformers derives from {@code config.json}
     * (greedy, stopping at its {@code eos_token_id}, or at {@code text_config.eos_token_id} of a composite config).
     */
    public static GenerationOptions forModel(Path modelDir, int defaultMaxNewTokens) {
        if (Files.isRegularFile(modelDir.resolve(FILE))) {
            return fromGenerationConfig(modelDir.resolve(FILE), defaultMaxNewTokens);
        }
        Path config = modelDir.resolve("config.json");
        Set<Long> stop = Set.of();
        if (Files.isRegularFile(config)) {
            JsonNode n = readJson(config);
            String key = "eos_token_id";
            JsonNode eos = n.get(key);
            if ((eos == null || eos.isNull()) && n.path("text_config").isObject()) {
                key = "text_config.eos_token_id";
                eos = n.get("text_config").get("eos_token_id");
            }
            stop = tokenIds(config, key, eos);
        }
        return greedy(defaultMaxNewTokens, stop);
    }

    /** {@link #fromGenerationConfig(Path, int)} with {@link #DEFAULT_MAX_NEW_TOKENS}. */
    public static GenerationOptions fromGenerationConfig(Path dirOrFile) {
        return fromGenerationConfig(dirOrFile, DEFAULT_MAX_NEW_TOKENS);
    }

    /**
     * Reads a {@code generation_config.json} (or the one in a model directory) as transformers'
     * {@code GenerationConfig} does: {@code do_sample} (false), {@code temperature} (1.0), {@code top_k} (50),
     * {@code top_p} (1.0), {@code repetition_penalty} (1.0), {@code eos_token_id} (an id or a list of ids, the stop
     * tokens), {@code max_new_tokens} and {@code max_length} (20). As in {@code generate()}, {@code max_new_tokens}
     * takes precedence; without it a {@code max_length} other than transformers' default 20 limits the prompt's
     * padded length plus the new tokens ({@link #maxLength()}), and otherwise a row gets {@code defaultMaxNewTokens}
     * new tokens (where transformers gets 20). A key that is missing takes transformers' default; an explicit
     * {@code null} top_k or top_p turns that filter off, as in transformers. Without {@code do_sample}, temperature,
     * top_k and top_p are not used (greedy, as {@code generate()} does). A value of the wrong type or out of range,
     * and settings that would change the output but are not implemented (beam search, min_p, typical_p,
     * no_repeat_ngram_size, ...), are errors naming the file and the key. The seed is 0 ({@link #withSeed}).
     */
    public static GenerationOptions fromGenerationConfig(Path dirOrFile, int defaultMaxNewTokens) {
        Path file = Files.isDirectory(dirOrFile) ? dirOrFile.resolve(FILE) : dirOrFile;
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(file, "", "no such file (expected a " + FILE + " or a model directory with one)");
        }
        JsonNode n = readJson(file);
        refuseUnsupported(file, n);
        boolean sample = bool(file, n, "do_sample", false);
        double penalty = number(file, n, "repetition_penalty", 1.0);
        if (!(Double.isFinite(penalty) && penalty > 0)) {
            throw new ConfigException(file, "repetition_penalty", "must be a finite number above 0, got " + penalty);
        }
        int maxNew = defaultMaxNewTokens;
        JsonNode m = n.get("max_new_tokens");
        if (m != null && !m.isNull()) {
            if (!m.canConvertToInt() || !m.isIntegralNumber() || m.asInt() < 1) {
                throw new ConfigException(file, "max_new_tokens", "must be an integer of at least 1, got " + m);
            }
            maxNew = m.asInt();
        }
        Integer maxLength = null;
        JsonNode ml = n.get("max_length");
        if (ml != null && !ml.isNull()) {
            if (!ml.canConvertToInt() || !ml.isIntegralNumber() || ml.asInt() < 1) {
                throw new ConfigException(file, "max_length", "must be an integer of at least 1, got " + ml);
            }
            // max_new_tokens wins; transformers' default max_length means "the default number of new tokens"
            if ((m == null || m.isNull()) && ml.asInt() != DEFAULT_MAX_LENGTH) {
                maxLength = ml.asInt();
            }
        }
        Set<Long> stop = tokenIds(file, "eos_token_id", n.get("eos_token_id"));
        // read (and type-checked) whether or not they are used, as transformers reads them
        double temperature = number(file, n, "temperature", 1.0);
        double topP = number(file, n, "top_p", 1.0);
        JsonNode k = n.get("top_k");
        int topK = 50;
        if (k != null) {
            if (k.isNull()) {
                topK = 0;
            } else if (!k.isIntegralNumber() || !k.canConvertToInt()) {
                throw new ConfigException(file, "top_k", "must be an integer, got " + k);
            } else {
                topK = k.asInt();
            }
        }
        if (!sample) {
            return new GenerationOptions(maxNew, 0, 0, 1, 0, stop, penalty, maxLength);
        }
        if (!(Double.isFinite(temperature) && temperature > 0)) {
            throw new ConfigException(file, "temperature", "must be a finite number above 0 when do_sample is true, "
                    + "got " + temperature);
        }
        if (!normalAsFloat(temperature)) {
            throw new ConfigException(file, "temperature", "is " + temperature + ", 0 or subnormal as a float; "
                    + "must be at least " + Float.MIN_NORMAL + " when do_sample is true");
        }
        if (topK < 0) {
            throw new ConfigException(file, "top_k", "must be 0 (no top-k filter) or positive, got " + topK);
        }
        if (!(topP >= 0 && topP <= 1)) {
            throw new ConfigException(file, "top_p", "must be in [0, 1], got " + topP);
        }
        return new GenerationOptions(maxNew, temperature, topK, topP, 0, stop, penalty, maxLength);
    }

    /**
     * Settings of transformers' generation that change the output, with the numbers that leave it alone
     * ({@code encoder_repetition_penalty} penalises the prompt's ids in a decoder-only model,
     * {@code num_return_sequences} asks for several sequences per prompt).
     */
    private static final Map<String, Double> INERT_NUMBERS = Map.of("num_beams", 1.0, "typical_p", 1.0,
            "epsilon_cutoff", 0.0, "eta_cutoff", 0.0, "no_repeat_ngram_size", 0.0, "min_length", 0.0,
            "min_new_tokens", 0.0, "guidance_scale", 1.0, "encoder_repetition_penalty", 1.0,
            "num_return_sequences", 1.0);

    /** Settings that change the output whenever they are set (not null, not empty). */
    private static final List<String> UNSET = List.of("penalty_alpha", "min_p", "top_h", "bad_words_ids",
            "suppress_tokens", "begin_suppress_tokens", "sequence_bias", "forced_bos_token_id", "forced_eos_token_id",
            "exponential_decay_length_penalty", "dola_layers", "watermarking_config", "stop_strings");

    private static void refuseUnsupported(Path file, JsonNode n) {
        n.properties().forEach(e -> {
            JsonNode v = e.getValue();
            String key = e.getKey();
            if (v.isNull() || ((v.isArray() || v.isObject()) && v.isEmpty())) {
                return;
            }
            Double inert = INERT_NUMBERS.get(key);
            if ((inert != null && !(v.isNumber() && v.asDouble() == inert)) || UNSET.contains(key)) {
                throw new ConfigException(file, key, "is " + v + "; generation here is greedy or temperature / "
                        + "top-k / top-p sampling with a repetition penalty, and this setting would change the "
                        + "output");
            }
        });
    }

    private static JsonNode readJson(Path file) {
        try {
            JsonNode n = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build()
                    .readTree(Files.readString(file));
            if (n == null || !n.isObject()) {
                throw new ConfigException(file, "", "the file is not a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new ConfigException(file, "", "cannot read: " + e.getMessage());
        }
    }

    private static boolean bool(Path file, JsonNode n, String key, boolean dflt) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw new ConfigException(file, key, "must be true or false, got " + v);
        }
        return v.asBoolean();
    }

    /** A number; {@code dflt} when the key is absent or null (for top_p and temperature null means "off"). */
    private static double number(Path file, JsonNode n, String key, double dflt) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isNumber()) {
            throw new ConfigException(file, key, "must be a number, got " + v);
        }
        double d = v.asDouble();
        if (!Double.isFinite(d)) {
            throw new ConfigException(file, key, "must be finite, got " + v);
        }
        return d;
    }

    /** An id, a list of ids or null (none). */
    private static Set<Long> tokenIds(Path file, String key, JsonNode v) {
        Set<Long> out = new LinkedHashSet<>();
        if (v == null || v.isNull()) {
            return out;
        }
        if (v.isArray()) {
            for (JsonNode x : v) {
                out.add(tokenId(file, key, x));
            }
        } else {
            out.add(tokenId(file, key, v));
        }
        return out;
    }

    private static long tokenId(Path file, String key, JsonNode v) {
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
            throw new ConfigException(file, key, "must be a token id or a list of token ids, got " + v);
        }
        return v.asLong();
    }
}
