package org.urbangraph.vlm.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A Hugging Face tokenizer loaded from {@code tokenizer.json} (and {@code tokenizer_config.json} where present),
 * giving the ids that the Rust {@code tokenizers} library gives for the same files.
 *
 * <p>Encoding runs the reference pipeline: added tokens are cut out of the raw text first (so
 * {@code <|im_start|>} is one id and never split), each stretch between them is normalised, pre-tokenised and
 * encoded by BPE, then the post-processor adds its special tokens (Llama's BOS). Two families are covered:
 * byte-level BPE (Qwen2, Qwen2-VL, GPT-2 style) and SentencePiece-style BPE with byte fallback (Llama-2,
 * Mistral, Phi-3). Parts of a file this class cannot run exactly are refused at load time.
 *
 * <p>Thread-safe: encoding and decoding may run concurrently with each other and with
 * {@link #addSpecialTokens}.
 */
public final class Tokenizer {
    private final Path source;
    private final BpeModel model;
    private final Normalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final PostProcessor postProcessor;
    private final int postProcessorAddedTokens;
    private final Decoder decoder;
    private final TokenizerJson.Truncation truncation;
    private final TokenizerConfig config;
    private volatile AddedVocabulary added;

    private Tokenizer(Path source, TokenizerJson.Parts parts, TokenizerConfig config)
            throws TokenizerFormatException {
        this.source = source;
        this.model = parts.model();
        this.normalizer = parts.normalizer();
        this.preTokenizer = parts.preTokenizer();
        this.decoder = parts.decoder();
        this.truncation = parts.truncation();
        this.config = config;
        this.added = new AddedVocabulary(Map.of(), normalizer);
        // Ids are assigned as the reference library assigns them when it reads the file: a token already in the
        // vocabulary keeps its id, any other gets the next free one, whatever id the file declares.
        List<TokenizerJson.Declared> declared = parts.addedTokens();
        int[] ids = addTokens(declared.stream().map(TokenizerJson.Declared::token).toList());
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] != declared.get(i).id()) {
                System.getLogger(Tokenizer.class.getName()).log(System.Logger.Level.WARNING,
                        "{0}: added token \"{1}\" declares id {2} but gets id {3}, as in the Hugging Face library",
                        source, declared.get(i).token().content(), declared.get(i).id(), ids[i]);
            }
        }
        // Tokens that only the config lists are added after them, as the Hugging Face loader does.
        List<AddedToken> fromConfig = new ArrayList<>();
        config.addedTokensDecoder().forEach((id, token) -> {
            if (tokenToId(token.content()) < 0) {
                fromConfig.add(token);
            }
        });
        addTokens(fromConfig);
        for (String name : configSpecialTokens(config)) {
            if (tokenToId(name) < 0) {
                addTokens(List.of(AddedToken.special(name)));
            }
        }
        if (config.rebuildsLlamaTemplate()) {
            List<int[]> single = new ArrayList<>();
            int count = 0;
            if (config.addBosToken() == null || config.addBosToken()) {
                single.add(new int[] {requiredId(config.bosToken(), "bos_token", "add_bos_token")});
                count++;
            }
            single.add(null);
            if (config.addEosToken() != null && config.addEosToken()) {
                single.add(new int[] {requiredId(config.eosToken(), "eos_token", "add_eos_token")});
                count++;
            }
            this.postProcessor = new PostProcessor.Template(Collections.unmodifiableList(single));
            this.postProcessorAddedTokens = count;
        } else {
            this.postProcessor = parts.postProcessor();
            this.postProcessorAddedTokens = parts.postProcessorAddedTokens();
        }
    }

    private static List<String> configSpecialTokens(TokenizerConfig config) {
        List<String> names = new ArrayList<>();
        for (String name : Arrays.asList(config.bosToken(), config.eosToken(), config.unkToken(), config.padToken())) {
            if (name != null) {
                names.add(name);
            }
        }
        names.addAll(config.additionalSpecialTokens());
        return names;
    }

    private int requiredId(String token, String key, String flag) throws TokenizerFormatException {
        if (token == null) {
            throw new TokenizerFormatException(config.source(), flag + " is true but " + key + " is not set");
        }
        return tokenToId(token);
    }

    /**
     * Loads the tokenizer of a model directory ({@code tokenizer.json}, plus {@code tokenizer_config.json} if
     * present), or from a {@code tokenizer.json} file given directly.
     */
    public static Tokenizer load(Path path) throws IOException {
        Path json = Files.isDirectory(path) ? path.resolve("tokenizer.json") : path;
        if (!Files.isRegularFile(json)) {
            String extra = Files.isDirectory(path) && Files.exists(path.resolve("tokenizer.model"))
                    ? " (it has a SentencePiece tokenizer.model; only the tokenizer.json format is read)" : "";
            throw new java.nio.file.NoSuchFileException(json.toString(), null,
                    "no tokenizer.json in " + path + extra);
        }
        Path configFile = json.resolveSibling("tokenizer_config.json");
        TokenizerConfig config = Files.isRegularFile(configFile) ? TokenizerConfig.read(configFile)
                : TokenizerConfig.none();
        return new Tokenizer(json, TokenizerJson.read(json), config);
    }

    /** The {@code tokenizer.json} this was loaded from. */
    public Path source() {
        return source;
    }

    public TokenizerConfig config() {
        return config;
    }

    /** Ids of {@code text} with the special tokens the post-processor adds (as {@code add_special_tokens=True}). */
    public int[] encode(String text) {
        return encode(text, true);
    }

    public int[] encode(String text, boolean addSpecialTokens) {
        int[] out = encodeText(text);
        if (truncation != null) {
            out = truncate(out, truncation.maxLength(), addSpecialTokens, truncation.left());
        }
        return addSpecialTokens && postProcessor != null ? postProcessor.process(out) : out;
    }

    /**
     * Ids of {@code text} cut to at most {@code maxLength} ids, special tokens included (see below for a limit below
     * their number), as the Hugging Face call
     * {@code tokenizer(text, add_special_tokens=addSpecialTokens, truncation=True, max_length=maxLength)}: the
     * text's own ids are cut (at the end, or at the start when the config's {@code truncation_side} is
     * {@code "left"}) so that they and the special tokens the post-processor adds fit, and the special tokens are
     * kept. This limit replaces any truncation the {@code tokenizer.json} declares, as a call-time one does there.
     * The special tokens are always kept: where {@code maxLength} is smaller than their number, the text's ids are all
     * cut and the result is the special tokens alone, longer than {@code maxLength}.
     */
    public int[] encode(String text, boolean addSpecialTokens, int maxLength) {
        if (maxLength < 0) {
            throw new IllegalArgumentException("maxLength must be >= 0, got " + maxLength);
        }
        int[] out = truncate(encodeText(text), maxLength, addSpecialTokens, "left".equals(config.truncationSide()));
        return addSpecialTokens && postProcessor != null ? postProcessor.process(out) : out;
    }

    /** Cuts the text's ids so that they fit {@code maxLength} together with the special tokens to be added. */
    private int[] truncate(int[] ids, int maxLength, boolean addSpecialTokens, boolean left) {
        int room = Math.max(0, maxLength - (addSpecialTokens ? postProcessorAddedTokens : 0));
        if (ids.length <= room) {
            return ids;
        }
        return left ? Arrays.copyOfRange(ids, ids.length - room, ids.length) : Arrays.copyOf(ids, room);
    }

    /** The ids of the text alone: added tokens cut out, the rest normalised, pre-tokenised and encoded by BPE. */
    private int[] encodeText(String text) {
        AddedVocabulary vocabulary = added;
        IntList ids = new IntList(Math.max(16, text.length() / 3));
        List<PreTokenizer.Piece> pieces = new ArrayList<>();
        for (AddedVocabulary.Segment raw : vocabulary.splitRaw(text, 0)) {
            if (raw.id() >= 0) {
                ids.add(raw.id());
                continue;
            }
            String normalized = normalizer == null ? raw.text() : normalizer.normalize(raw.text());
            for (AddedVocabulary.Segment seg : vocabulary.splitNormalized(normalized, raw.start())) {
                if (seg.id() >= 0) {
                    ids.add(seg.id());
                    continue;
                }
                pieces.clear();
                PreTokenizer.Piece whole = new PreTokenizer.Piece(seg.text(), seg.start() == 0);
                if (preTokenizer == null) {
                    pieces.add(whole);
                } else {
                    preTokenizer.split(whole, pieces);
                }
                for (PreTokenizer.Piece p : pieces) {
                    model.tokenize(p.text(), ids);
                }
            }
        }
        return ids.toArray();
    }

    /** The text of {@code ids}, special tokens included ({@code skip_special_tokens=False}). */
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    /**
     * The text of {@code ids}. Ids that have no token are left out, as the reference does (the embedding matrix of
     * Qwen2-VL has rows past the vocabulary); a negative id is an error.
     */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        AddedVocabulary vocabulary = added;
        List<String> tokens = new ArrayList<>(ids.length);
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (id < 0) {
                throw new IllegalArgumentException("cannot decode id " + id + " at position " + i
                        + ": token ids are non-negative (negative ids are image placeholders, not tokens)");
            }
            AddedToken token = vocabulary.token(id);
            if (token != null) {
                if (!(skipSpecialTokens && token.special())) {
                    tokens.add(token.content());
                }
                continue;
            }
            String piece = model.idToToken(id);
            if (piece != null) {
                // A model token whose text is also a special added token counts as special, as in the reference.
                int addedId = vocabulary.id(piece);
                if (!(skipSpecialTokens && addedId >= 0 && vocabulary.token(addedId).special())) {
                    tokens.add(piece);
                }
            }
        }
        String text = decoder == null ? String.join(" ", tokens) : decoder.decode(tokens);
        return config.cleanUpTokenizationSpaces() ? cleanUpTokenizationSpaces(text) : text;
    }

    /** The Hugging Face {@code clean_up_tokenization} of English spacing around punctuation and contractions. */
    static String cleanUpTokenizationSpaces(String text) {
        return text.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",")
                .replace(" ' ", "'").replace(" n't", "n't").replace(" 'm", "'m").replace(" 's", "'s")
                .replace(" 've", "'ve").replace(" 're", "'re");
    }

    /** The token string of {@code id} (an added token's content, or the vocabulary entry), or null if none. */
    public String idToToken(int id) {
        AddedToken token = added.token(id);
        return token != null ? token.content() : model.idToToken(id);
    }

    /** The id of a token string (added tokens first, then the vocabulary), or -1 if there is none. */
    public int tokenToId(String token) {
        int id = added.id(token);
        return id >= 0 ? id : model.tokenToId(token);
    }

    /** The token strings of {@code ids} ({@code convert_ids_to_tokens}). */
    public List<String> tokens(int[] ids) {
        List<String> out = new ArrayList<>(ids.length);
        for (int id : ids) {
            String t = idToToken(id);
            if (t == null) {
                throw new IllegalArgumentException("id " + id + " has no token in " + source);
            }
            out.add(t);
        }
        return out;
    }

    /** Whether {@code id} is a special token (dropped by {@code decode(ids, true)}). */
    public boolean isSpecial(int id) {
        AddedToken token = added.token(id);
        return token != null && token.special();
    }

    /** The added tokens by id, in the order they were added. */
    public Map<Integer, AddedToken> addedTokens() {
        return Collections.unmodifiableMap(added.tokens());
    }

    /** One more than the largest id, added tokens included ({@code len(tokenizer)}). */
    public int size() {
        return Math.max(model.size(), added.maxId() + 1);
    }

    /** The size of the model's own vocabulary (without added tokens beyond it). */
    public int vocabularySize() {
        return model.size();
    }

    /**
     * Adds special tokens (matched in the raw text, never split, dropped by {@code decode(ids, true)}) and returns
     * their ids in order: an existing token keeps its id, a new one gets the next free id, as
     * {@code add_special_tokens} does. UGE adds {@code <|graph_start|>}, {@code <|graph_pad|>} and
     * {@code <|graph_end|>} this way.
     */
    public int[] addSpecialTokens(String... tokens) {
        List<AddedToken> list = new ArrayList<>(tokens.length);
        for (String t : tokens) {
            list.add(AddedToken.special(t));
        }
        return addTokens(list);
    }

    /**
     * Adds tokens with explicit matching rules and returns their ids in order. A token whose text is already an
     * added token or a vocabulary entry takes that id (an added token's rules are replaced); any other gets the
     * next id after both the vocabulary and the added tokens.
     */
    public synchronized int[] addTokens(List<AddedToken> tokens) {
        AddedVocabulary current = added;
        Map<Integer, AddedToken> all = new LinkedHashMap<>(current.tokens());
        Map<String, Integer> byContent = new HashMap<>();
        all.forEach((id, token) -> byContent.put(token.content(), id));
        int vocabularyCount = model.vocab().size();
        int maxAdded = current.maxId();
        int next = maxAdded >= vocabularyCount || vocabularyCount == 0 ? maxAdded + 1 : vocabularyCount;
        int[] ids = new int[tokens.size()];
        for (int i = 0; i < ids.length; i++) {
            AddedToken token = tokens.get(i);
            Integer id = byContent.get(token.content());
            if (id == null) {
                int inVocabulary = model.tokenToId(token.content());
                id = inVocabulary >= 0 ? inVocabulary : next++;
            }
            all.put(id, token);
            byContent.put(token.content(), id);
            ids[i] = id;
        }
        if (!tokens.isEmpty()) {
            added = new AddedVocabulary(all, normalizer);
        }
        return ids;
    }

    public OptionalInt bosTokenId() {
        return idOf(config.bosToken());
    }

    public OptionalInt eosTokenId() {
        return idOf(config.eosToken());
    }

    public OptionalInt padTokenId() {
        return idOf(config.padToken());
    }

    public OptionalInt unkTokenId() {
        return idOf(config.unkToken());
    }

    private OptionalInt idOf(String token) {
        if (token == null) {
            return OptionalInt.empty();
        }
        int id = tokenToId(token);
        return id < 0 ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** Turns the word cache on or off; for measurements of the uncached path. */
    public void setCacheEnabled(boolean enabled) {
        model.setCacheEnabled(enabled);
    }
}
