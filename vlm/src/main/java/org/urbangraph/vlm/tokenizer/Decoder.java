package org.urbangraph.vlm.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code decoder} step: turns the token strings of a sequence back into text. Each step maps the whole list
 * (the Hugging Face "decode chain"), so a step can look across token boundaries ({@link ByteFallback}) or join
 * them ({@link Fuse}); the result is the concatenation of the last list.
 */
sealed interface Decoder {

    List<String> decodeChain(List<String> tokens);

    default String decode(List<String> tokens) {
        return String.join("", decodeChain(tokens));
    }

    /** Byte-level BPE: every token's characters back to bytes, then lossy UTF-8 over the whole sequence. */
    record ByteLevel() implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            int total = 0;
            for (String t : tokens) {
                total += t.length() * 4;
            }
            byte[] bytes = new byte[total];
            int n = 0;
            for (String t : tokens) {
                int start = n;
                boolean inAlphabet = true;
                for (int i = 0; i < t.length(); i++) {
                    int b = ByteLevelAlphabet.byteOf(t.charAt(i));
                    if (b < 0) {
                        inAlphabet = false;
                        break;
                    }
                    bytes[n++] = (byte) b;
                }
                if (!inAlphabet) {
                    // A token outside the alphabet (an added token such as "▁x") is taken as its own UTF-8.
                    n = start;
                    for (byte b : t.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                        bytes[n++] = b;
                    }
                }
            }
            return List.of(Utf8.decodeLossy(bytes, n));
        }
    }

    /** Replaces every match of {@code pattern} in each token (SentencePiece's {@code ▁} back to a space). */
    record Replace(Pattern pattern, String content) implements Decoder {
        static Replace literal(String target, String content) {
            return new Replace(Pattern.compile(Pattern.quote(target)), content);
        }

        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            String replacement = Matcher.quoteReplacement(content);
            for (String t : tokens) {
                out.add(pattern.matcher(t).replaceAll(replacement));
            }
            return out;
        }
    }

    /**
     * {@code <0xNN>} tokens back to bytes. Each run of consecutive byte tokens is decoded as UTF-8 as a whole; if
     * the run is not valid UTF-8, every byte token of it becomes one U+FFFD (not one per ill-formed subpart).
     */
    record ByteFallback() implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            byte[] run = new byte[16];
            int n = 0;
            for (String t : tokens) {
                int b = byteToken(t);
                if (b >= 0) {
                    if (n == run.length) {
                        run = java.util.Arrays.copyOf(run, n * 2);
                    }
                    run[n++] = (byte) b;
                    continue;
                }
                flush(run, n, out);
                n = 0;
                out.add(t);
            }
            flush(run, n, out);
            return out;
        }

        private static void flush(byte[] run, int n, List<String> out) {
            if (n == 0) {
                return;
            }
            if (Utf8.isWellFormed(run, n)) {
                out.add(Utf8.decodeLossy(run, n));
            } else {
                for (int i = 0; i < n; i++) {
                    out.add(String.valueOf(Utf8.REPLACEMENT));
                }
            }
        }

        /** The byte of a {@code <0xNN>} token (either hex case), or -1. */
        static int byteToken(String t) {
            if (t.length() != 6 || !t.startsWith("<0x") || t.charAt(5) != '>') {
                return -1;
            }
            int hi = Character.digit(t.charAt(3), 16);
            int lo = Character.digit(t.charAt(4), 16);
            return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
        }
    }

    /** Joins all tokens into one. */
    record Fuse() implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            return List.of(String.join("", tokens));
        }
    }

    /** Removes up to {@code start} leading and {@code stop} trailing {@code content} characters of each token. */
    record Strip(int content, int start, int stop) implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (String t : tokens) {
                int[] cps = t.codePoints().toArray();
                int from = 0;
                while (from < Math.min(start, cps.length) && cps[from] == content) {
                    from++;
                }
                int to = cps.length;
                while (cps.length - to < stop && to > from && cps[to - 1] == content) {
                    to--;
                }
                out.add(new String(cps, from, to - from));
            }
            return out;
        }
    }

    /**
     * {@code Metaspace}: the replacement character back to a space, except in the first token of the sequence
     * (where the pre-tokenizer had put it), unless the prepend scheme is {@code never}.
     */
    record Metaspace(char replacement, PreTokenizer.PrependScheme prependScheme) implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                String t = tokens.get(i);
                if (i == 0 && prependScheme != PreTokenizer.PrependScheme.NEVER) {
                    out.add(t.replace(String.valueOf(replacement), ""));
                } else {
                    out.add(t.replace(replacement, ' '));
                }
            }
            return out;
        }
    }

    record Sequence(List<Decoder> steps) implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            for (Decoder d : steps) {
                tokens = d.decodeChain(tokens);
            }
            return tokens;
        }
    }
}
