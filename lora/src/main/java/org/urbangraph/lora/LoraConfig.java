package org.urbangraph.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The LoRA settings, read from and written to PEFT's {@code adapter_config.json}. Targets follow PEFT's
 * {@code target_modules}: a list of names matches a module whose dotted path equals a name or ends with
 * "." + name; a single string is a regular expression that must match the whole path.
 *
 * <p>{@code init_lora_weights} is kept as read when it names an initialisation of A and B alone ({@code true},
 * {@code false}, {@code "gaussian"}, {@code "eva"}, {@code "orthogonal"}): a trained adapter of that kind is applied
 * as W + scaling * B A to the unchanged base weights. The other values PEFT knows ({@code "pissa"},
 * {@code "pissa_niter_N"}, {@code "olora"}, {@code "corda"}, {@code "loftq"}) also rewrite the base weights when the
 * adapter is created, and the adapter is trained against the rewritten ones, so it does not fit the base model's own
 * weights; {@link #read} refuses them, and any value it does not know. (PEFT saves PiSSA, OLoRA and CorDA adapters
 * converted to plain LoRA, with {@code init_lora_weights} true, when given
 * {@code path_initial_model_for_weight_conversion}.)
 *
 * @param targetModules   names / suffixes (null when {@code targetRegex} is used)
 * @param targetRegex     a full-match regular expression (null when {@code targetModules} is used)
 * @param initLoraWeights PEFT's {@code init_lora_weights}: "true", "false", "gaussian", "eva" or "orthogonal"
 */
public record LoraConfig(int r, double alpha, double dropout, List<String> targetModules, String targetRegex,
                         boolean useRslora, String baseModelNameOrPath, String taskType, String initLoraWeights) {

    /** The values of {@code init_lora_weights} that initialise A and B only (booleans as "true" / "false"). */
    public static final List<String> PLAIN_INITIALISATIONS = List.of("true", "false", "gaussian", "eva", "orthogonal");

    public LoraConfig {
        if (r < 1) {
            throw new IllegalArgumentException("LoRA rank r must be at least 1, got " + r);
        }
        if (dropout < 0 || dropout >= 1) {
            throw new IllegalArgumentException("lora_dropout must be in [0, 1), got " + dropout);
        }
        if ((targetModules == null) == (targetRegex == null)) {
            throw new IllegalArgumentException("give either target module names or a target regex");
        }
        if (initLoraWeights == null || !PLAIN_INITIALISATIONS.contains(initLoraWeights)) {
            throw new IllegalArgumentException("init_lora_weights must be one of " + PLAIN_INITIALISATIONS + ", got "
                    + initLoraWeights);
        }
    }

    /** Settings with PEFT's default initialisation ({@code init_lora_weights} true). */
    public LoraConfig(int r, double alpha, double dropout, List<String> targetModules, String targetRegex,
                      boolean useRslora, String baseModelNameOrPath, String taskType) {
        this(r, alpha, dropout, targetModules, targetRegex, useRslora, baseModelNameOrPath, taskType, "true");
    }

    /** UGE's recipe: r 16, alpha 32, dropout 0.1 on q_proj and v_proj. */
    public static LoraConfig uge(String baseModel) {
        return new LoraConfig(16, 32, 0.1, List.of("q_proj", "v_proj"), null, false, baseModel, null);
    }

    /**
     * These settings on other targets: a list of names / suffixes, or (when {@code regex} is not null) a full-match
     * regular expression; exactly one of them.
     */
    public LoraConfig withTargets(List<String> modules, String regex) {
        return new LoraConfig(r, alpha, dropout, modules == null ? null : List.copyOf(modules), regex, useRslora,
                baseModelNameOrPath, taskType, initLoraWeights);
    }

    /** alpha / r, or alpha / sqrt(r) with rsLoRA. */
    public double scaling() {
        return useRslora ? alpha / Math.sqrt(r) : alpha / r;
    }

    /** Whether a module with this dotted path is a target. */
    public boolean matches(String path) {
        if (targetRegex != null) {
            return Pattern.compile(targetRegex).matcher(path).matches();
        }
        for (String t : targetModules) {
            if (path.equals(t) || path.endsWith("." + t)) {
                return true;
            }
        }
        return false;
    }

    public static LoraConfig read(Path file) {
        JsonNode n;
        try {
            n = new ObjectMapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read the adapter config: " + e.getMessage(), e);
        }
        String type = n.path("peft_type").asText("LORA");
        if (!type.equals("LORA")) {
            throw new IllegalArgumentException(file + ": peft_type '" + type + "' is not LORA");
        }
        if (n.path("use_dora").asBoolean(false)) {
            throw new IllegalArgumentException(file + ": DoRA adapters (use_dora true) are not supported");
        }
        String bias = n.path("bias").asText("none");
        if (!bias.equals("none")) {
            throw new IllegalArgumentException(file + ": key 'bias' is '" + bias + "'; only 'none' is supported");
        }
        if (n.path("fan_in_fan_out").asBoolean(false)) {
            throw new IllegalArgumentException(file + ": fan_in_fan_out adapters (Conv1D layers) are not supported");
        }
        // settings that give layers their own rank, scale or extra trained weights: ignoring them would load the
        // adapter with the wrong numbers
        for (String key : List.of("alpha_pattern", "rank_pattern", "layers_to_transform", "modules_to_save",
                "exclude_modules")) {
            JsonNode v = n.get(key);
            if (v != null && !v.isNull() && !((v.isObject() || v.isArray()) && v.isEmpty())) {
                throw new IllegalArgumentException(file + ": key '" + key + "' is " + v + "; adapters with per-layer "
                        + "patterns, a layer selection, exclusions or modules to save are not supported");
            }
        }
        // features that add or reshape layers or weights beyond the Linear adapters
        for (String[] kw : new String[][] {{"layer_replication", "replicated layers"},
            {"target_parameters", "LoRA on parameters (target_parameters)"},
            {"trainable_token_indices", "trainable token embeddings"},
            {"alora_invocation_tokens", "activated LoRA (aLoRA) invocation tokens"}}) {
            JsonNode v = n.get(kw[0]);
            if (v != null && !v.isNull() && !((v.isObject() || v.isArray()) && v.isEmpty())) {
                throw new IllegalArgumentException(file + ": key '" + kw[0] + "' is " + v + "; adapters with "
                        + kw[1] + " are not supported");
            }
        }
        if (n.path("lora_bias").asBoolean(false)) {
            throw new IllegalArgumentException(file + ": key 'lora_bias' is true; LoRA biases are not supported");
        }
        String init = initLoraWeights(file, n.get("init_lora_weights"));
        JsonNode t = n.get("target_modules");
        List<String> names = null;
        String regex = null;
        if (t == null || t.isNull()) {
            throw new IllegalArgumentException(file + ": key 'target_modules' is missing");
        } else if (t.isTextual()) {
            regex = t.asText();
        } else if (t.isArray()) {
            names = new ArrayList<>();
            for (JsonNode x : t) {
                names.add(x.asText());
            }
        } else {
            throw new IllegalArgumentException(file + ": key 'target_modules' must be a list or a string");
        }
        if (!n.has("r") || !n.get("r").canConvertToInt()) {
            throw new IllegalArgumentException(file + ": key 'r' is missing or not an integer");
        }
        return new LoraConfig(n.get("r").asInt(), n.path("lora_alpha").asDouble(8), n.path("lora_dropout").asDouble(0),
                names, regex, n.path("use_rslora").asBoolean(false),
                n.path("base_model_name_or_path").isTextual() ? n.get("base_model_name_or_path").asText() : null,
                n.path("task_type").isTextual() ? n.get("task_type").asText() : null, init);
    }

    /**
     * {@code init_lora_weights} as one of {@link #PLAIN_INITIALISATIONS} (absent or null: PEFT's default, true), or
     * an error naming the key, the value and the file.
     */
    private static String initLoraWeights(Path file, JsonNode v) {
        if (v == null || v.isNull()) {
            return "true";
        }
        if (v.isBoolean()) {
            return v.asText();
        }
        if (v.isTextual() && PLAIN_INITIALISATIONS.contains(v.asText()) && !v.asText().equals("true")
                && !v.asText().equals("false")) {
            return v.asText();
        }
        boolean rewrites = v.isTextual() && (v.asText().startsWith("pissa") || v.asText().equals("olora")
                || v.asText().startsWith("corda") || v.asText().equals("loftq"));
        if (!rewrites) {
            throw new IllegalArgumentException(file + ": key 'init_lora_weights' is " + v + ", which this reader "
                    + "does not know; expected true, false, \"gaussian\", \"eva\" or \"orthogonal\" (the "
                    + "initialisations of A and B alone)");
        }
        throw new IllegalArgumentException(file + ": key 'init_lora_weights' is " + v + "; this initialisation "
                + "rewrites the base model's weights (PEFT subtracts the initial adapter from them, or quantises them) "
                + "and the adapter was trained against the rewritten ones, so it cannot be applied to the unchanged "
                + "base weights as W + scaling * B A. PEFT converts such an adapter to plain LoRA when it is saved "
                + "with path_initial_model_for_weight_conversion (PiSSA / OLoRA / CorDA, see convert_pissa_to_lora); "
                + "the converted adapter has init_lora_weights true and loads here");
    }

    /** The PEFT config JSON, with the keys PEFT 0.21 writes (inert ones at their defaults). */
    public String toJson() {
        ObjectMapper m = new ObjectMapper();
        ObjectNode o = m.createObjectNode();
        o.set("alpha_pattern", m.createObjectNode());
        o.put("base_model_name_or_path", baseModelNameOrPath);
        o.put("bias", "none");
        o.put("fan_in_fan_out", false);
        o.put("inference_mode", true);
        if (initLoraWeights.equals("true") || initLoraWeights.equals("false")) {
            o.put("init_lora_weights", Boolean.parseBoolean(initLoraWeights));
        } else {
            o.put("init_lora_weights", initLoraWeights);
        }
        o.putNull("layers_pattern");
        o.putNull("layers_to_transform");
        if (alpha == Math.rint(alpha)) {
            o.put("lora_alpha", (long) alpha);
        } else {
            o.put("lora_alpha", alpha);
        }
        o.put("lora_dropout", dropout);
        o.putNull("modules_to_save");
        o.put("peft_type", "LORA");
        o.put("r", r);
        o.set("rank_pattern", m.createObjectNode());
        o.putNull("revision");
        if (targetRegex != null) {
            o.put("target_modules", targetRegex);
        } else {
            ArrayNode a = o.putArray("target_modules");
            targetModules.forEach(a::add);
        }
        o.put("task_type", taskType);
        o.put("use_dora", false);
        o.put("use_rslora", useRslora);
        try {
            return m.writerWithDefaultPrettyPrinter().writeValueAsString(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
