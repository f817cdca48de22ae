package org.urbangraph.vlm.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code pre_tokenizer} step: cuts normalised text into the words that BPE then encodes one by one.
 * Pieces never span an added token. A piece remembers whether it starts the original input, because
 * {@link Metaspace} with {@code prepend_scheme: first} only prefixes that one.
 */
sealed interface PreTokenizer {

    /** A pre-token and whether it begins at offset 0 of the original input. */
    record Piece(String text, boolean atStart) {}

    /** Appends the non-empty pieces that {@code piece} splits into, in order. */
    void split(Piece piece, List<Piece> out);

    /** What happens to the delimiters that a pattern finds ({@code SplitDelimiterBehavior}). */
    enum Behavior {
        REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS;

        /**
         * Turns the spans that cover the text (start, end, isMatch) into the spans to keep, following the rules
         * of the Hugging Face library: a delimiter joins the piece before it (or after it), and with
         * {@code CONTIGUOUS} consecutive delimiters become one piece.
         */
        List<int[]> apply(List<int[]> spans) {
            List<int[]> kept = new ArrayList<>(spans.size());
            switch (this) {
                case ISOLATED -> spans.forEach(s -> kept.add(new int[] {s[0], s[1]}));
                case REMOVED -> spans.stream().filter(s -> s[2] == 0).forEach(s -> kept.add(new int[] {s[0], s[1]}));
                case CONTIGUOUS, MERGED_WITH_PREVIOUS -> {
                    boolean previousMatch = false;
                    for (int[] s : spans) {
                        boolean match = s[2] != 0;
                        boolean join = this == CONTIGUOUS ? match == previousMatch : match && !previousMatch;
                        if (join && !kept.isEmpty()) {
                            kept.getLast()[1] = s[1];
                        } else {
                            kept.add(new int[] {s[0], s[1]});
                        }
                        previousMatch = match;
                    }
                }
                case MERGED_WITH_NEXT -> {
                    boolean previousMatch = false;
                    for (int k = spans.size() - 1; k >= 0; k--) {
                        int[] s = spans.get(k);
                        boolean match = s[2] != 0;
                        if (match && !previousMatch && !kept.isEmpty()) {
                            kept.getLast()[0] = s[0];
                        } else {
                            kept.add(new int[] {s[0], s[1]});
                        }
                        previousMatch = match;
                    }
                    java.util.Collections.reverse(kept);
                }
            }
            return kept;
        }
    }

    /** Spans (start, end, isMatch) of {@code pattern} and the gaps between its matches; empty matches are ignored. */
    static List<int[]> spans(Pattern pattern, String text, boolean invert) {
        List<int[]> spans = new ArrayList<>();
        Matcher m = pattern.matcher(text);
        int prev = 0;
        int match = invert ? 0 : 1;
        while (m.find()) {
            if (m.end() == m.start()) {
                continue;
            }
            if (m.start() > prev) {
                spans.add(new int[] {prev, m.start(), 1 - match});
            }
            spans.add(new int[] {m.start(), m.end(), match});
            prev = m.end();
        }
        if (prev < text.length()) {
            spans.add(new int[] {prev, text.length(), 1 - match});
        }
        return spans;
    }

    static void emit(Piece piece, List<int[]> kept, List<Piece> out) {
        for (int[] s : kept) {
            if (s[1] > s[0]) {
                out.add(new Piece(piece.text().substring(s[0], s[1]), piece.atStart() && s[0] == 0));
            }
        }
    }

    /** {@code Split}: cuts at the matches of a regex or a literal string. */
    record Split(Pattern pattern, Behavior behavior, boolean invert) implements PreTokenizer {
        @Override
        public void split(Piece piece, List<Piece> out) {
            if (behavior == Behavior.ISOLATED && !invert) {
                isolated(piece, out);
                return;
            }
            emit(piece, behavior.apply(spans(pattern, piece.text(), invert)), out);
        }

        /** The common case (Qwen2, GPT-2) without the intermediate span lists. */
        private void isolated(Piece piece, List<Piece> out) {
            String text = piece.text();
            Matcher m = pattern.matcher(text);
            int prev = 0;
            while (m.find()) {
                if (m.end() == m.start()) {
                    continue;
                }
                if (m.start() > prev) {
                    out.add(new Piece(text.substring(prev, m.start()), piece.atStart() && prev == 0));
                }
                out.add(new Piece(text.substring(m.start(), m.end()), piece.atStart() && m.start() == 0));
                prev = m.end();
            }
            if (prev < text.length()) {
                out.add(new Piece(text.substring(prev), piece.atStart() && prev == 0));
            }
        }
    }

    /**
     * {@code ByteLevel}: optionally a leading space and GPT-2's split regex, then every UTF-8 byte written as its
     * {@link ByteLevelAlphabet} character.
     */
    record ByteLevel(boolean addPrefixSpace, boolean useRegex) implements PreTokenizer {
        static final Pattern GPT2_SPLIT = UnicodeRegex.compile(
                "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");
        private static final Split GPT2 = new Split(GPT2_SPLIT, Behavior.ISOLATED, false);

        @Override
        public void split(Piece piece, List<Piece> out) {
            if (addPrefixSpace && !piece.text().startsWith(" ")) {
                piece = new Piece(" " + piece.text(), piece.atStart());
            }
            if (useRegex) {
                List<Piece> parts = new ArrayList<>();
                GPT2.split(piece, parts);
                for (Piece p : parts) {
                    out.add(new Piece(ByteLevelAlphabet.encode(p.text()), p.atStart()));
                }
            } else if (!piece.text().isEmpty()) {
                out.add(new Piece(ByteLevelAlphabet.encode(piece.text()), piece.atStart()));
            }
        }
    }

    /** How {@link Metaspace} puts its replacement character in front of a piece. */
    enum PrependScheme { ALWAYS, FIRST, NEVER }

    /**
     * {@code Metaspace} (the newer SentencePiece layout): spaces become {@code replacement}, a replacement is put in
     * front (of every piece, or only of the one that starts the input), and optionally the text is cut before
     * each replacement.
     */
    record Metaspace(char replacement, PrependScheme prependScheme, boolean splitOnReplacement) implements PreTokenizer {
        @Override
        public void split(Piece piece, List<Piece> out) {
            String text = piece.text().replace(' ', replacement);
            boolean prepend = switch (prependScheme) {
                case ALWAYS -> true;
                case FIRST -> piece.atStart();
                case NEVER -> false;
            };
            if (prepend && !text.isEmpty() && text.charAt(0) != replacement) {
                text = replacement + text;
            }
            Piece replaced = new Piece(text, piece.atStart());
            if (!splitOnReplacement) {
                if (!text.isEmpty()) {
                    out.add(replaced);
                }
                return;
            }
            Pattern delimiter = Pattern.compile(Pattern.quote(String.valueOf(replacement)));
            emit(replaced, Behavior.MERGED_WITH_NEXT.apply(spans(delimiter, text, false)), out);
        }
    }

    /** {@code Digits}: numeric characters apart from the rest, each alone or in runs. */
    record Digits(boolean individualDigits) implements PreTokenizer {
        @Override
        public void split(Piece piece, List<Piece> out) {
            String text = piece.text();
            List<int[]> spans = new ArrayList<>();
            int i = 0;
            while (i < text.length()) {
                int cp = text.codePointAt(i);
                int n = Character.charCount(cp);
                int numeric = isNumeric(cp) ? 1 : 0;
                spans.add(new int[] {i, i + n, numeric});
                i += n;
            }
            // Neighbouring non-digits always form one piece; digits too unless each stands alone.
            List<int[]> kept = new ArrayList<>();
            for (int[] s : spans) {
                boolean join = !kept.isEmpty() && kept.getLast()[2] == s[2] && (s[2] == 0 || !individualDigits);
                if (join) {
                    kept.getLast()[1] = s[1];
                } else {
                    kept.add(s);
                }
            }
            emit(piece, kept, out);
        }

        /** Rust's {@code char::is_numeric}: general categories Nd, Nl and No. */
        private static boolean isNumeric(int cp) {
            int type = Character.getType(cp);
            return type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER
                    || type == Character.OTHER_NUMBER;
        }
    }

    record Sequence(List<PreTokenizer> steps) implements PreTokenizer {
        @Override
        public void split(Piece piece, List<Piece> out) {
            List<Piece> current = List.of(piece);
            for (PreTokenizer step : steps) {
                List<Piece> next = new ArrayList<>();
                for (Piece p : current) {
                    step.split(p, next);
                }
                current = next;
            }
            out.addAll(current);
        }
    }
}
