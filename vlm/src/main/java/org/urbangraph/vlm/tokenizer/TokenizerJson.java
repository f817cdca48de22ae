package org.urbangraph.vlm.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.text.Normalizer.Form;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads a Hugging Face {@code tokenizer.json} into its pipeline parts. Every part it cannot run exactly is
 * refused with an error that names the file, the JSON path of the part and what is supported, rather than being
 * approximated.
 */
final class TokenizerJson {
    /** The parsed pipeline; components are null where the file has none. */
    record Parts(BpeModel model, List<Declared> addedTokens, Normalizer normalizer,
            PreTokenizer preTokenizer, PostProcessor postProcessor, int postProcessorAddedTokens, Decoder decoder,
            Truncation truncation) {}

    /** An entry of {@code added_tokens}: the token and the id the file declares for it. */
    record Declared(int id, AddedToken token) {}

    /** Truncation that the file asks for: the longest sequence, special tokens included, and which end to cut. */
    record Truncation(int maxLength, boolean left) {}

    private final Path file;

    private TokenizerJson(Path file) {
        this.file = file;
    }

    /**
     * Reads the file. The vocabulary and the merges (most of a 5 MB file) are streamed straight into maps instead
     * of going through a JSON tree; everything else is read as a tree.
     */
    static Parts read(Path file) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        TokenizerJson reader = new TokenizerJson(file);
        StreamedModel model = null;
        try (JsonParser p = mapper.createParser(file.toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new TokenizerFormatException(file, "expected a JSON object at the top level");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                if (name.equals("model") && p.currentToken() == JsonToken.START_OBJECT) {
                    model = reader.streamModel(p);
                } else {
                    root.set(name, p.readValueAsTree());
                }
            }
        } catch (JacksonException e) {
            throw new TokenizerFormatException(file, "not valid JSON: " + e.getOriginalMessage()
                    + " (at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")", e);
        }
        if (model == null) {
            throw new TokenizerFormatException(file, "model: missing (expected an object with the vocabulary)");
        }
        return reader.parts(root, model);
    }

    /** The model object: its small fields as a tree, the vocabulary and the merges as read. */
    private record StreamedModel(ObjectNode fields, Map<String, Integer> vocab, List<String> mergeLeft,
            List<String> mergeRight) {}

    private StreamedModel streamModel(JsonParser p) throws IOException {
        ObjectNode fields = JsonNodeFactory.instance.objectNode();
        Map<String, Integer> vocab = null;
        List<String> left = null;
        List<String> right = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if (name.equals("vocab") && value == JsonToken.START_OBJECT) {
                vocab = new HashMap<>(1 << 18);
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String token = p.currentName();
                    if (p.nextToken() != JsonToken.VALUE_NUMBER_INT || p.getLongValue() < 0
                            || p.getLongValue() > Integer.MAX_VALUE) {
                        throw error("model.vocab[\"" + token + "\"]", "expected a non-negative integer id, got "
                                + p.getText());
                    }
                    vocab.put(token, p.getIntValue());
                }
            } else if (name.equals("merges") && value == JsonToken.START_ARRAY) {
                left = new ArrayList<>(1 << 17);
                right = new ArrayList<>(1 << 17);
                int r = 0;
                for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken(), r++) {
                    if (t == JsonToken.VALUE_STRING) {
                        String merge = p.getText();
                        int space = merge.indexOf(' ');
                        if (space < 0 || merge.indexOf(' ', space + 1) >= 0) {
                            throw error("model.merges[" + r + "]", "expected two tokens separated by one space, got \""
                                    + merge + "\"");
                        }
                        left.add(merge.substring(0, space));
                        right.add(merge.substring(space + 1));
                    } else if (t == JsonToken.START_ARRAY && p.nextToken() == JsonToken.VALUE_STRING) {
                        String a = p.getText();
                        if (p.nextToken() != JsonToken.VALUE_STRING) {
                            throw error("model.merges[" + r + "]", "expected [\"a\", \"b\"]");
                        }
                        String b = p.getText();
                        if (p.nextToken() != JsonToken.END_ARRAY) {
                            throw error("model.merges[" + r + "]", "expected [\"a\", \"b\"] with two tokens");
                        }
                        left.add(a);
                        right.add(b);
                    } else {
                        throw error("model.merges[" + r + "]", "expected \"a b\" or [\"a\", \"b\"]");
                    }
                }
            } else {
                fields.set(name, p.readValueAsTree());
            }
        }
        return new StreamedModel(fields, vocab, left, right);
    }

    private Parts parts(JsonNode root, StreamedModel streamed) throws TokenizerFormatException {
        BpeModel model = model(streamed);
        List<Declared> added = new ArrayList<>();
        JsonNode list = root.path("added_tokens");
        for (int i = 0; i < list.size(); i++) {
            JsonNode t = list.get(i);
            String where = "added_tokens[" + i + "]";
            if (!t.path("id").canConvertToInt() || t.path("id").asInt() < 0) {
                throw error(where + ".id", "expected a non-negative integer, got " + t.get("id"));
            }
            AddedToken token = addedToken(file, where, t);
            added.add(new Declared(t.get("id").asInt(), token));
        }
        Normalizer normalizer = nullable(root.get("normalizer")) ? null : normalizer("normalizer", root.get("normalizer"));
        PreTokenizer pre = nullable(root.get("pre_tokenizer")) ? null
                : preTokenizer("pre_tokenizer", root.get("pre_tokenizer"));
        PostProcessor post = null;
        int[] addedCount = {0};
        if (!nullable(root.get("post_processor"))) {
            post = postProcessor("post_processor", root.get("post_processor"), addedCount);
        }
        Decoder decoder = nullable(root.get("decoder")) ? null : decoder("decoder", root.get("decoder"));
        return new Parts(model, added, normalizer, pre, post, addedCount[0], decoder, truncation(root.get("truncation")));
    }

    private static boolean nullable(JsonNode n) {
        return n == null || n.isNull();
    }

    private TokenizerFormatException error(String where, String message) {
        return new TokenizerFormatException(file, where + ": " + message);
    }

    private TokenizerFormatException unsupported(String where, String type, String supported) {
        return error(where, "component type \"" + type + "\" is not supported (supported: " + supported + ")");
    }

    private static String type(JsonNode n) {
        return n.path("type").asText("");
    }

    static AddedToken addedToken(Path file, String where, JsonNode t) throws TokenizerFormatException {
        if (!t.path("content").isTextual() || t.get("content").asText().isEmpty()) {
            throw new TokenizerFormatException(file, where + ".content: expected a non-empty string, got "
                    + t.get("content"));
        }
        boolean special = t.path("special").asBoolean(false);
        return new AddedToken(t.get("content").asText(), special, t.path("single_word").asBoolean(false),
                t.path("lstrip").asBoolean(false), t.path("rstrip").asBoolean(false),
                t.path("normalized").asBoolean(!special));
    }

    // ---- model ----

    private BpeModel model(StreamedModel streamed) throws TokenizerFormatException {
        JsonNode m = streamed.fields();
        String type = type(m);
        if (type.isEmpty() && streamed.mergeLeft() != null) {
            type = "BPE";
        }
        if (!type.equals("BPE")) {
            throw unsupported("model", type, "BPE");
        }
        JsonNode dropout = m.get("dropout");
        if (dropout != null && !dropout.isNull() && dropout.asDouble() != 0.0) {
            throw error("model.dropout", "BPE dropout " + dropout.asDouble()
                    + " makes encoding random; only null or 0 is supported");
        }
        Map<String, Integer> vocab = streamed.vocab();
        if (vocab == null) {
            throw error("model.vocab", "missing (expected an object of token -> id)");
        }
        if (streamed.mergeLeft() == null) {
            throw error("model.merges", "missing (expected an array of merges)");
        }
        // ids index a table of the largest id's size: a stray huge id would ask for gigabytes
        long limit = 2L * vocab.size() + 65536;
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            if (e.getValue() < 0 || e.getValue() >= limit) {
                throw error("model.vocab", "token \"" + e.getKey() + "\" has id " + e.getValue() + ", outside 0 .. "
                        + (limit - 1) + " (ids run from 0 to about the vocabulary's " + vocab.size() + " entries)");
            }
        }
        String prefix = textOrNull(m.get("continuing_subword_prefix"));
        String suffix = textOrNull(m.get("end_of_word_suffix"));
        MergeTable merges = merges(streamed.mergeLeft(), streamed.mergeRight(), vocab, prefix);
        String unk = textOrNull(m.get("unk_token"));
        if (unk != null && !vocab.containsKey(unk)) {
            throw error("model.unk_token", "\"" + unk + "\" is not in the vocabulary");
        }
        return new BpeModel(vocab, merges, unk, m.path("fuse_unk").asBoolean(false),
                m.path("byte_fallback").asBoolean(false), m.path("ignore_merges").asBoolean(false), prefix, suffix);
    }

    private static String textOrNull(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }

    /** Resolves the merges (read as {@code "a b"} strings or {@code ["a", "b"]} pairs) to token ids. */
    private MergeTable merges(List<String> as, List<String> bs, Map<String, Integer> vocab, String prefix)
            throws TokenizerFormatException {
        int n = as.size();
        int[] left = new int[n];
        int[] right = new int[n];
        int[] result = new int[n];
        int prefixLength = prefix == null ? 0 : prefix.length();
        for (int r = 0; r < n; r++) {
            String a = as.get(r);
            String b = bs.get(r);
            left[r] = vocabId(vocab, a, r);
            right[r] = vocabId(vocab, b, r);
            String merged = a + (prefixLength > 0 && b.startsWith(prefix) ? b.substring(prefixLength) : b);
            result[r] = vocabId(vocab, merged, r);
        }
        return new MergeTable(left, right, result);
    }

    private int vocabId(Map<String, Integer> vocab, String token, int rank) throws TokenizerFormatException {
        Integer id = vocab.get(token);
        if (id == null) {
            throw error("model.merges[" + rank + "]", "token \"" + token + "\" is not in the vocabulary");
        }
        return id;
    }

    // ---- normalizer ----

    private Normalizer normalizer(String where, JsonNode n) throws TokenizerFormatException {
        String type = type(n);
        return switch (type) {
            case "NFC" -> new Normalizer.Unicode(Form.NFC);
            case "NFD" -> new Normalizer.Unicode(Form.NFD);
            case "NFKC" -> new Normalizer.Unicode(Form.NFKC);
            case "NFKD" -> new Normalizer.Unicode(Form.NFKD);
            case "Lowercase" -> new Normalizer.Lowercase();
            case "Prepend" -> new Normalizer.Prepend(requiredText(where, n, "prepend"));
            case "Replace" -> new Normalizer.Replace(pattern(where + ".pattern", n.path("pattern")),
                    requiredText(where, n, "content"));
            case "Strip" -> new Normalizer.Strip(n.path("strip_left").asBoolean(true),
                    n.path("strip_right").asBoolean(true));
            case "Sequence" -> {
                List<Normalizer> steps = new ArrayList<>();
                JsonNode list = n.path("normalizers");
                for (int i = 0; i < list.size(); i++) {
                    steps.add(normalizer(where + ".normalizers[" + i + "]", list.get(i)));
                }
                yield new Normalizer.Sequence(List.copyOf(steps));
            }
            default -> throw unsupported(where, type, "NFC, NFD, NFKC, NFKD, Lowercase, Prepend, Replace, Strip, "
                    + "Sequence");
        };
    }

    private String requiredText(String where, JsonNode n, String key) throws TokenizerFormatException {
        JsonNode v = n.get(key);
        if (v == null || !v.isTextual()) {
            throw error(where + "." + key, "expected a string, got " + v);
        }
        return v.asText();
    }

    /** {@code {"String": "..."}} (literal) or {@code {"Regex": "..."}} (Oniguruma syntax). */
    private Pattern pattern(String where, JsonNode p) throws TokenizerFormatException {
        if (p.path("String").isTextual()) {
            return Pattern.compile(Pattern.quote(p.get("String").asText()));
        }
        if (p.path("Regex").isTextual()) {
            try {
                return UnicodeRegex.compile(p.get("Regex").asText());
            } catch (PatternSyntaxException e) {
                throw error(where + ".Regex", "cannot compile " + p.get("Regex") + ": " + e.getDescription());
            }
        }
        throw error(where, "expected {\"String\": ...} or {\"Regex\": ...}, got " + p);
    }

    // ---- pre-tokenizer ----

    private PreTokenizer preTokenizer(String where, JsonNode n) throws TokenizerFormatException {
        String type = type(n);
        return switch (type) {
            case "Split" -> new PreTokenizer.Split(pattern(where + ".pattern", n.path("pattern")),
                    behavior(where + ".behavior", n.path("behavior").asText()), n.path("invert").asBoolean(false));
            case "ByteLevel" -> new PreTokenizer.ByteLevel(n.path("add_prefix_space").asBoolean(true),
                    n.path("use_regex").asBoolean(true));
            case "Metaspace" -> new PreTokenizer.Metaspace(replacement(where, n), prependScheme(where, n),
                    n.path("split").asBoolean(true));
            case "Digits" -> new PreTokenizer.Digits(n.path("individual_digits").asBoolean(false));
            case "Sequence" -> {
                List<PreTokenizer> steps = new ArrayList<>();
                JsonNode list = n.path("pretokenizers");
                for (int i = 0; i < list.size(); i++) {
                    steps.add(preTokenizer(where + ".pretokenizers[" + i + "]", list.get(i)));
                }
                yield new PreTokenizer.Sequence(List.copyOf(steps));
            }
            default -> throw unsupported(where, type, "Split, ByteLevel, Metaspace, Digits, Sequence");
        };
    }

    private PreTokenizer.Behavior behavior(String where, String name) throws TokenizerFormatException {
        return switch (name) {
            case "Removed" -> PreTokenizer.Behavior.REMOVED;
            case "Isolated" -> PreTokenizer.Behavior.ISOLATED;
            case "MergedWithPrevious" -> PreTokenizer.Behavior.MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> PreTokenizer.Behavior.MERGED_WITH_NEXT;
            case "Contiguous" -> PreTokenizer.Behavior.CONTIGUOUS;
            default -> throw error(where, "unknown split behavior \"" + name
                    + "\" (expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous)");
        };
    }

    private char replacement(String where, JsonNode n) throws TokenizerFormatException {
        String r = n.path("replacement").asText("\u2581");
        if (r.length() != 1) {
            throw error(where + ".replacement", "expected one character, got \"" + r + "\"");
        }
        return r.charAt(0);
    }

    /** {@code prepend_scheme}, or the older {@code add_prefix_space} flag it replaced. */
    private PreTokenizer.PrependScheme prependScheme(String where, JsonNode n) throws TokenizerFormatException {
        if (n.hasNonNull("prepend_scheme")) {
            return switch (n.get("prepend_scheme").asText()) {
                case "always" -> PreTokenizer.PrependScheme.ALWAYS;
                case "first" -> PreTokenizer.PrependScheme.FIRST;
                case "never" -> PreTokenizer.PrependScheme.NEVER;
                default -> throw error(where + ".prepend_scheme", "expected always, first or never, got "
                        + n.get("prepend_scheme"));
            };
        }
        return n.path("add_prefix_space").asBoolean(true) ? PreTokenizer.PrependScheme.ALWAYS
                : PreTokenizer.PrependScheme.NEVER;
    }

    // ---- post-processor ----

    private PostProcessor postProcessor(String where, JsonNode n, int[] addedCount) throws TokenizerFormatException {
        String type = type(n);
        return switch (type) {
            case "ByteLevel" -> new PostProcessor.ByteLevel();
            case "TemplateProcessing" -> template(where, n, addedCount);
            case "Sequence" -> {
                List<PostProcessor> steps = new ArrayList<>();
                JsonNode list = n.path("processors");
                for (int i = 0; i < list.size(); i++) {
                    steps.add(postProcessor(where + ".processors[" + i + "]", list.get(i), addedCount));
                }
                yield new PostProcessor.Sequence(List.copyOf(steps));
            }
            default -> throw unsupported(where, type, "ByteLevel, TemplateProcessing, Sequence");
        };
    }

    private PostProcessor template(String where, JsonNode n, int[] addedCount) throws TokenizerFormatException {
        JsonNode specials = n.path("special_tokens");
        List<int[]> single = new ArrayList<>();
        JsonNode items = n.path("single");
        if (!items.isArray()) {
            throw error(where + ".single", "expected an array of template items");
        }
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            String at = where + ".single[" + i + "]";
            if (item.has("Sequence")) {
                String id = item.get("Sequence").path("id").asText();
                if (!id.equals("A")) {
                    throw error(at, "a single-sequence template can only hold sequence A, got " + id);
                }
                single.add(null);
            } else if (item.has("SpecialToken")) {
                String name = item.get("SpecialToken").path("id").asText();
                JsonNode ids = specials.path(name).path("ids");
                if (!ids.isArray() || ids.isEmpty()) {
                    throw error(at, "special token \"" + name + "\" has no ids in " + where + ".special_tokens");
                }
                int[] values = new int[ids.size()];
                for (int k = 0; k < values.length; k++) {
                    values[k] = ids.get(k).asInt();
                }
                single.add(values);
                addedCount[0] += values.length;
            } else {
                throw error(at, "expected {\"Sequence\": ...} or {\"SpecialToken\": ...}, got " + item);
            }
        }
        return new PostProcessor.Template(java.util.Collections.unmodifiableList(single));
    }

    // ---- decoder ----

    private Decoder decoder(String where, JsonNode n) throws TokenizerFormatException {
        String type = type(n);
        return switch (type) {
            case "ByteLevel" -> new Decoder.ByteLevel();
            case "Replace" -> new Decoder.Replace(pattern(where + ".pattern", n.path("pattern")),
                    requiredText(where, n, "content"));
            case "ByteFallback" -> new Decoder.ByteFallback();
            case "Fuse" -> new Decoder.Fuse();
            case "Strip" -> {
                String content = requiredText(where, n, "content");
                if (content.codePointCount(0, content.length()) != 1) {
                    throw error(where + ".content", "expected one character, got \"" + content + "\"");
                }
                yield new Decoder.Strip(content.codePointAt(0), n.path("start").asInt(0), n.path("stop").asInt(0));
            }
            case "Metaspace" -> new Decoder.Metaspace(replacement(where, n), prependScheme(where, n));
            case "Sequence" -> {
                List<Decoder> steps = new ArrayList<>();
                JsonNode list = n.path("decoders");
                for (int i = 0; i < list.size(); i++) {
                    steps.add(decoder(where + ".decoders[" + i + "]", list.get(i)));
                }
                yield new Decoder.Sequence(List.copyOf(steps));
            }
            default -> throw unsupported(where, type, "ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace, "
                    + "Sequence");
        };
    }

    // ---- truncation ----

    private Truncation truncation(JsonNode n) throws TokenizerFormatException {
        if (nullable(n)) {
            return null;
        }
        if (!n.path("max_length").canConvertToInt() || n.get("max_length").asInt() < 0) {
            throw error("truncation.max_length", "expected a non-negative integer, got " + n.get("max_length"));
        }
        String direction = n.path("direction").asText("Right");
        if (!direction.equals("Right") && !direction.equals("Left")) {
            throw error("truncation.direction", "expected Right or Left, got \"" + direction + "\"");
        }
        return new Truncation(n.get("max_length").asInt(), direction.equals("Left"));
    }
}
