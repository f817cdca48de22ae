package org.urbangraph.vlm.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The parts of a {@code tokenizer_config.json} that change what the tokenizer does: the names of the BOS, EOS,
 * pad and unknown tokens, extra special tokens, Llama's {@code add_bos_token}/{@code add_eos_token} (which the
 * Hugging Face fast Llama tokenizer turns into its post-processor), {@code clean_up_tokenization_spaces}, and
 * tokens listed only in {@code added_tokens_decoder}. The chat template is kept as text; it is not executed.
 *
 * @param source the file read, or null when the model has none
 * @param addBosToken null when the file does not say
 * @param addEosToken null when the file does not say
 * @param modelMaxLength the longest input the model takes; {@link Long#MAX_VALUE} when the file gives none
 * @param truncationSide which end a call-time truncation cuts ({@code "right"} unless the file says
 *                       {@code "left"}), as the Hugging Face tokenizer's {@code truncation_side}
 */
public record TokenizerConfig(Path source, String tokenizerClass, String bosToken, String eosToken,
        String unkToken, String padToken, List<String> additionalSpecialTokens, Boolean addBosToken,
        Boolean addEosToken, boolean cleanUpTokenizationSpaces, long modelMaxLength, String paddingSide,
        String truncationSide, Optional<String> chatTemplate, Map<Integer, AddedToken> addedTokensDecoder) {

    public TokenizerConfig {
        additionalSpecialTokens = List.copyOf(additionalSpecialTokens);
        addedTokensDecoder = Collections.unmodifiableMap(new LinkedHashMap<>(addedTokensDecoder));
    }

    /** What a model without {@code tokenizer_config.json} gets. */
    public static TokenizerConfig none() {
        return new TokenizerConfig(null, null, null, null, null, null, List.of(), null, null, false, Long.MAX_VALUE,
                "right", "right", Optional.empty(), Map.of());
    }

    public static TokenizerConfig read(Path file) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (JacksonException e) {
            throw new TokenizerFormatException(file, "not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new TokenizerFormatException(file, "expected a JSON object at the top level");
        }
        List<String> additional = new ArrayList<>();
        JsonNode extra = root.path("additional_special_tokens");
        if (extra.isArray()) {
            for (int i = 0; i < extra.size(); i++) {
                additional.add(tokenName(file, "additional_special_tokens[" + i + "]", extra.get(i)));
            }
        }
        Map<Integer, AddedToken> decoder = new LinkedHashMap<>();
        JsonNode added = root.path("added_tokens_decoder");
        if (added.isObject()) {
            for (Map.Entry<String, JsonNode> e : added.properties()) {
                int id;
                try {
                    id = Integer.parseInt(e.getKey());
                } catch (NumberFormatException ex) {
                    throw new TokenizerFormatException(file, "added_tokens_decoder: key \"" + e.getKey()
                            + "\" is not a token id");
                }
                decoder.put(id, TokenizerJson.addedToken(file, "added_tokens_decoder." + e.getKey(), e.getValue()));
            }
        }
        String truncationSide = root.path("truncation_side").asText("right");
        if (!truncationSide.equals("right") && !truncationSide.equals("left")) {
            // as the Hugging Face tokenizer, which raises for any other value rather than cutting at the end
            throw new TokenizerFormatException(file, "truncation_side: \"" + truncationSide
                    + "\" is not \"right\" or \"left\"");
        }
        JsonNode maxLength = root.path("model_max_length");
        long max = maxLength.isNumber() && maxLength.asDouble() < Long.MAX_VALUE ? maxLength.asLong() : Long.MAX_VALUE;
        return new TokenizerConfig(file, text(root, "tokenizer_class"),
                tokenName(file, "bos_token", root.get("bos_token")),
                tokenName(file, "eos_token", root.get("eos_token")),
                tokenName(file, "unk_token", root.get("unk_token")),
                tokenName(file, "pad_token", root.get("pad_token")),
                additional, bool(root, "add_bos_token"), bool(root, "add_eos_token"),
                root.path("clean_up_tokenization_spaces").asBoolean(false), max,
                root.path("padding_side").asText("right"), truncationSide,
                chatTemplate(root.get("chat_template")), decoder);
    }

    private static String text(JsonNode root, String key) {
        JsonNode n = root.get(key);
        return n == null || n.isNull() ? null : n.asText();
    }

    private static Boolean bool(JsonNode root, String key) {
        JsonNode n = root.get(key);
        return n == null || n.isNull() ? null : n.asBoolean();
    }

    /** A special token written as a string or as an {@code AddedToken} object with {@code content}. */
    private static String tokenName(Path file, String key, JsonNode n) throws TokenizerFormatException {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isTextual()) {
            return n.asText();
        }
        if (n.isObject() && n.path("content").isTextual()) {
            return n.get("content").asText();
        }
        throw new TokenizerFormatException(file, key + ": expected a string or an object with \"content\", got " + n);
    }

    /** A template string, or the {@code default} entry of a list of named templates. */
    private static Optional<String> chatTemplate(JsonNode n) {
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        if (n.isTextual()) {
            return Optional.of(n.asText());
        }
        if (n.isArray()) {
            for (JsonNode t : n) {
                if ("default".equals(t.path("name").asText())) {
                    return Optional.of(t.path("template").asText());
                }
            }
            return n.isEmpty() ? Optional.empty() : Optional.of(n.get(0).path("template").asText());
        }
        return Optional.empty();
    }

    /** Whether this config makes the Hugging Face fast tokenizer rebuild its post-processor from add_bos/add_eos. */
    boolean rebuildsLlamaTemplate() {
        return tokenizerClass != null && switch (tokenizerClass) {
            case "LlamaTokenizer", "LlamaTokenizerFast", "CodeLlamaTokenizer", "CodeLlamaTokenizerFast" -> true;
            default -> false;
        };
    }
}
