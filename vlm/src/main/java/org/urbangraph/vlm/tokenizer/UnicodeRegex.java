package org.urbangraph.vlm.tokenizer;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Compiles the regular expressions of a {@code tokenizer.json} (written for Oniguruma, which the Rust
 * {@code tokenizers} library uses) into {@link Pattern}s that classify characters the same way.
 *
 * <p>Why this exists: {@code java.util.regex}'s {@code \s}, {@code \w} and {@code \d} are ASCII-only by default,
 * while Oniguruma's are Unicode. Qwen2's split regex then puts NBSP, U+2003 or U+3000 in the wrong pre-token
 * (the {@code unicode_space_runs} case). {@link Pattern#UNICODE_CHARACTER_CLASS} makes {@code \s} exactly Unicode
 * {@code White_Space} and {@code \d} the decimal digits, as in Oniguruma; {@code \w} and {@code \h} are spelled
 * out because Oniguruma defines them differently from Java. Property names are also rewritten:
 * Oniguruma accepts a script or binary property bare ({@code \p{Han}}), Java wants {@code \p{IsHan}}.
 */
final class UnicodeRegex {
    private static final String ONIG_WORD = "\\p{L}\\p{M}\\p{N}\\p{Pc}";

    private UnicodeRegex() {}

    static Pattern compile(String regex) {
        return Pattern.compile(translate(regex), Pattern.UNICODE_CHARACTER_CLASS);
    }

    /** Unicode {@code White_Space}: the whitespace of Rust's {@code char::is_whitespace} and of {@code \s} above. */
    static boolean isWhiteSpace(int cp) {
        return switch (cp) {
            case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000 -> true;
            default -> cp >= 0x2000 && cp <= 0x200A;
        };
    }

    /** Rewrites {@code \p{X}} and {@code \P{X}} (and Oniguruma's {@code \p{^X}}) into Java's spelling. */
    static String translate(String regex) {
        StringBuilder out = new StringBuilder(regex.length() + 16);
        int i = 0;
        while (i < regex.length()) {
            char c = regex.charAt(i);
            if (c != '\\' || i + 1 >= regex.length()) {
                out.append(c);
                i++;
                continue;
            }
            char e = regex.charAt(i + 1);
            if ((e == 'p' || e == 'P') && i + 2 < regex.length() && regex.charAt(i + 2) == '{') {
                int close = regex.indexOf('}', i + 3);
                if (close < 0) {
                    throw new PatternSyntaxException("unclosed property name", regex, i);
                }
                String name = regex.substring(i + 3, close);
                boolean negate = e == 'P';
                if (name.startsWith("^")) {
                    negate = !negate;
                    name = name.substring(1);
                }
                out.append('\\').append(negate ? 'P' : 'p').append('{').append(javaPropertyName(name)).append('}');
                i = close + 1;
            } else if (e == 'w' || e == 'W' || e == 'h' || e == 'H') {
                // Oniguruma's \w is Letter|Mark|Number|Connector_Punctuation (wider than Java's: it has U+00BD);
                // its \h is a hex digit, not Java's horizontal space. A bracketed class also works nested in one.
                String set = e == 'w' || e == 'W' ? ONIG_WORD : "0-9a-fA-F";
                out.append(Character.isUpperCase(e) ? "[^" : "[").append(set).append(']');
                i += 2;
            } else {
                out.append(c).append(e);
                i += 2;
            }
        }
        return out.toString();
    }

    private static String javaPropertyName(String name) {
        if (name.contains("=") || name.startsWith("Is") || name.startsWith("In")) {
            return name;
        }
        // One- and two-letter general categories work bare in Java; everything else needs "Is".
        if (name.length() <= 2) {
            return name;
        }
        return "Is" + name;
    }
}
