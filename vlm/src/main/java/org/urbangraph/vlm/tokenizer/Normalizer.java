package org.urbangraph.vlm.tokenizer;

import java.text.Normalizer.Form;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code normalizer} step of a Hugging Face tokenizer. It runs on each stretch of text between added tokens
 * (never across one), which matters for {@link Prepend}: every such stretch gets its own {@code ▁}.
 */
sealed interface Normalizer {

    String normalize(String text);

    /**
     * Unicode normalisation (NFC for Qwen2), with the Unicode 9.0 data that Hugging Face {@code tokenizers} normalises
     * with: a code point assigned after 9.0 is passed through as a starter that decomposes and composes with nothing
     * ({@link Unicode9}), where the JDK's newer tables would reorder, compose or decompose it (e, U+0C3C, U+0301
     * stays as it is in the reference; the JDK composes the e with the acute accent across the newer mark U+0C3C).
     */
    record Unicode(Form form) implements Normalizer {
        @Override
        public String normalize(String text) {
            int i = Unicode9.firstNewer(text, 0);
            if (i < 0) {
                return java.text.Normalizer.normalize(text, form);
            }
            // Such a code point blocks reordering and composition across it, so the stretches between them
            // normalise on their own.
            StringBuilder out = new StringBuilder(text.length() + 16);
            int start = 0;
            while (i >= 0) {
                int next = i + Character.charCount(text.codePointAt(i));
                out.append(java.text.Normalizer.normalize(text.substring(start, i), form)).append(text, i, next);
                start = next;
                i = Unicode9.firstNewer(text, next);
            }
            return out.append(java.text.Normalizer.normalize(text.substring(start), form)).toString();
        }
    }

    /** Puts {@code prefix} in front of a non-empty text (SentencePiece's {@code ▁} in the legacy Llama layout). */
    record Prepend(String prefix) implements Normalizer {
        @Override
        public String normalize(String text) {
            return text.isEmpty() ? text : prefix + text;
        }
    }

    /** Replaces every match of {@code pattern} (a literal string or a regex) by {@code content}. */
    record Replace(Pattern pattern, String content) implements Normalizer {
        static Replace literal(String target, String content) {
            return new Replace(Pattern.compile(Pattern.quote(target)), content);
        }

        @Override
        public String normalize(String text) {
            return pattern.matcher(text).replaceAll(Matcher.quoteReplacement(content));
        }
    }

    record Lowercase() implements Normalizer {
        @Override
        public String normalize(String text) {
            return text.toLowerCase(Locale.ROOT);
        }
    }

    /** Removes Unicode {@code White_Space} from the chosen ends. */
    record Strip(boolean left, boolean right) implements Normalizer {
        @Override
        public String normalize(String text) {
            int start = 0;
            int end = text.length();
            if (left) {
                while (start < end && UnicodeRegex.isWhiteSpace(text.codePointAt(start))) {
                    start += Character.charCount(text.codePointAt(start));
                }
            }
            if (right) {
                while (end > start && UnicodeRegex.isWhiteSpace(text.codePointBefore(end))) {
                    end -= Character.charCount(text.codePointBefore(end));
                }
            }
            return text.substring(start, end);
        }
    }

    record Sequence(List<Normalizer> steps) implements Normalizer {
        @Override
        public String normalize(String text) {
            for (Normalizer n : steps) {
                text = n.normalize(text);
            }
            return text;
        }
    }
}
