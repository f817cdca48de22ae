package org.urbangraph.vlm.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The added tokens and how they cut the input: leftmost-longest matching of their exact text, before
 * normalisation ({@code normalized: false}, the usual case) or after it ({@code normalized: true}), with the
 * {@code single_word}, {@code lstrip} and {@code rstrip} rules. Immutable: adding tokens makes a new instance,
 * so a tokenizer can swap it atomically while other threads encode.
 */
final class AddedVocabulary {
    private static final Pattern WORD_CHAR = Pattern.compile("\\w", Pattern.UNICODE_CHARACTER_CLASS);

    /** A stretch of text: either an added token ({@code id >= 0}) or text to be normalised and encoded. */
    record Segment(String text, int id, int start) {}

    private final Map<Integer, AddedToken> byId;
    private final Map<String, Integer> byContent;
    private final Trie raw;
    private final Trie normalized;

    AddedVocabulary(Map<Integer, AddedToken> tokens, Normalizer normalizer) {
        this.byId = new LinkedHashMap<>(tokens);
        this.byContent = new HashMap<>();
        Map<String, Integer> rawPatterns = new HashMap<>();
        Map<String, Integer> normalizedPatterns = new HashMap<>();
        tokens.forEach((id, token) -> {
            byContent.put(token.content(), id);
            if (token.normalized()) {
                String pattern = normalizer == null ? token.content() : normalizer.normalize(token.content());
                normalizedPatterns.put(pattern, id);
            } else {
                rawPatterns.put(token.content(), id);
            }
        });
        this.raw = new Trie(rawPatterns);
        this.normalized = new Trie(normalizedPatterns);
    }

    AddedToken token(int id) {
        return byId.get(id);
    }

    /** The id of the added token with this exact content, or -1. */
    int id(String content) {
        Integer id = byContent.get(content);
        return id == null ? -1 : id;
    }

    Map<Integer, AddedToken> tokens() {
        return byId;
    }

    int maxId() {
        return byId.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1);
    }

    boolean hasNormalizedTokens() {
        return !normalized.isEmpty();
    }

    /** Cuts raw text at the added tokens that are matched before normalisation. */
    List<Segment> splitRaw(String text, int offset) {
        return split(raw, text, offset);
    }

    /** Cuts normalised text at the added tokens that are matched after normalisation. */
    List<Segment> splitNormalized(String text, int offset) {
        return split(normalized, text, offset);
    }

    private List<Segment> split(Trie trie, String text, int offset) {
        List<Segment> out = new ArrayList<>();
        if (trie.isEmpty()) {
            if (!text.isEmpty()) {
                out.add(new Segment(text, -1, offset));
            }
            return out;
        }
        int done = 0;
        int pos = 0;
        while (pos < text.length()) {
            long match = trie.longestAt(text, pos);
            if (match < 0) {
                pos++;
                continue;
            }
            int id = (int) (match >>> 32);
            int start = pos;
            int stop = pos + (int) match;
            pos = stop;
            AddedToken token = byId.get(id);
            if (token.singleWord() && !isSingleWord(text, start, stop)) {
                continue;
            }
            if (token.lstrip()) {
                while (start > done && UnicodeRegex.isWhiteSpace(text.codePointBefore(start))) {
                    start -= Character.charCount(text.codePointBefore(start));
                }
            }
            if (token.rstrip()) {
                while (stop < text.length() && UnicodeRegex.isWhiteSpace(text.codePointAt(stop))) {
                    stop += Character.charCount(text.codePointAt(stop));
                }
                pos = stop;
            }
            if (start > done) {
                out.add(new Segment(text.substring(done, start), -1, offset + done));
            }
            out.add(new Segment(text.substring(start, stop), id, offset + start));
            done = stop;
        }
        if (done < text.length()) {
            out.add(new Segment(text.substring(done), -1, offset + done));
        }
        return out;
    }

    private static boolean isSingleWord(String text, int start, int stop) {
        boolean wordBefore = start > 0
                && WORD_CHAR.matcher(Character.toString(text.codePointBefore(start))).matches();
        boolean wordAfter = stop < text.length()
                && WORD_CHAR.matcher(Character.toString(text.codePointAt(stop))).matches();
        return !wordBefore && !wordAfter;
    }

    /** A character trie of the token texts, for leftmost-longest matching. */
    private static final class Trie {
        private static final class Node {
            final Map<Character, Node> children = new HashMap<>(4);
            int id = -1;
        }

        private final Node root = new Node();
        /** Characters that start some token: most positions of a text are rejected by this one lookup. */
        private final boolean[] first = new boolean[65536];
        private final boolean empty;

        Trie(Map<String, Integer> patterns) {
            patterns.forEach((text, id) -> {
                Node n = root;
                for (int i = 0; i < text.length(); i++) {
                    n = n.children.computeIfAbsent(text.charAt(i), c -> new Node());
                }
                n.id = id;
                first[text.charAt(0)] = true;
            });
            empty = patterns.isEmpty();
        }

        boolean isEmpty() {
            return empty;
        }

        /** (id << 32 | length) of the longest token starting at {@code pos}, or -1. */
        long longestAt(String text, int pos) {
            if (!first[text.charAt(pos)]) {
                return -1;
            }
            Node n = root;
            long best = -1;
            for (int i = pos; i < text.length(); i++) {
                n = n.children.get(text.charAt(i));
                if (n == null) {
                    break;
                }
                if (n.id >= 0) {
                    best = ((long) n.id << 32) | (i + 1 - pos);
                }
            }
            return best;
        }
    }
}
