package org.urbangraph.vlm.tokenizer;

/**
 * UTF-8 decoding with the exact replacement rules the Hugging Face decoders rely on. Written out rather than
 * taken from {@code java.nio} so that the number of U+FFFD characters never depends on the JDK's decoder.
 */
final class Utf8 {
    static final char REPLACEMENT = '\uFFFD';

    private Utf8() {}

    /**
     * Decodes {@code bytes[0..len)}, replacing each maximal ill-formed subpart by one U+FFFD (Unicode's
     * "substitution of maximal subparts", which is what Rust's {@code String::from_utf8_lossy} does).
     */
    static String decodeLossy(byte[] bytes, int len) {
        StringBuilder out = new StringBuilder(len);
        int i = 0;
        while (i < len) {
            int valid = wellFormedLength(bytes, i, len);
            if (valid > 0) {
                int cp = codePoint(bytes, i, valid);
                out.appendCodePoint(cp);
                i += valid;
            } else {
                out.append(REPLACEMENT);
                i += -valid;
            }
        }
        return out.toString();
    }

    /** Whether {@code bytes[0..len)} is well-formed UTF-8 as a whole. */
    static boolean isWellFormed(byte[] bytes, int len) {
        int i = 0;
        while (i < len) {
            int valid = wellFormedLength(bytes, i, len);
            if (valid <= 0) {
                return false;
            }
            i += valid;
        }
        return true;
    }

    /**
     * Length of the well-formed sequence starting at {@code i}, or minus the length of its maximal ill-formed
     * subpart (at least 1) when it is not well formed.
     */
    private static int wellFormedLength(byte[] b, int i, int len) {
        int b0 = b[i] & 0xFF;
        if (b0 < 0x80) {
            return 1;
        }
        int need;
        int lo = 0x80;
        int hi = 0xBF;
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            need = 1;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            need = 2;
            if (b0 == 0xE0) {
                lo = 0xA0;
            } else if (b0 == 0xED) {
                hi = 0x9F;
            }
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            need = 3;
            if (b0 == 0xF0) {
                lo = 0x90;
            } else if (b0 == 0xF4) {
                hi = 0x8F;
            }
        } else {
            return -1;
        }
        for (int k = 1; k <= need; k++) {
            if (i + k >= len) {
                return -k;
            }
            int c = b[i + k] & 0xFF;
            int min = k == 1 ? lo : 0x80;
            int max = k == 1 ? hi : 0xBF;
            if (c < min || c > max) {
                return -k;
            }
        }
        return need + 1;
    }

    private static int codePoint(byte[] b, int i, int n) {
        int b0 = b[i] & 0xFF;
        return switch (n) {
            case 1 -> b0;
            case 2 -> ((b0 & 0x1F) << 6) | (b[i + 1] & 0x3F);
            case 3 -> ((b0 & 0x0F) << 12) | ((b[i + 1] & 0x3F) << 6) | (b[i + 2] & 0x3F);
            default -> ((b0 & 0x07) << 18) | ((b[i + 1] & 0x3F) << 12) | ((b[i + 2] & 0x3F) << 6) | (b[i + 3] & 0x3F);
        };
    }
}
