package org.urbangraph.vlm.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2's byte-level alphabet: a bijection between the 256 byte values and 256 printable characters, so that a
 * byte-level BPE vocabulary can be stored as strings. Printable Latin-1 bytes ({@code !..~}, {@code ¡..¬},
 * {@code ®..ÿ}) stand for themselves; the other 68 bytes map, in byte order, to U+0100 and up (space is
 * {@code Ġ}, newline {@code Ċ}).
 */
final class ByteLevelAlphabet {
    private static final char[] BYTE_TO_CHAR = new char[256];
    /** Indexed by character (all are below U+0144); -1 where the character is not in the alphabet. */
    private static final short[] CHAR_TO_BYTE;

    static {
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            BYTE_TO_CHAR[b] = (char) (printable ? b : next++);
        }
        CHAR_TO_BYTE = new short[next];
        java.util.Arrays.fill(CHAR_TO_BYTE, (short) -1);
        for (int b = 0; b < 256; b++) {
            CHAR_TO_BYTE[BYTE_TO_CHAR[b]] = (short) b;
        }
    }

    private ByteLevelAlphabet() {}

    /** The UTF-8 bytes of {@code text}, each written as its alphabet character. */
    static String encode(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[utf8.length];
        for (int i = 0; i < utf8.length; i++) {
            out[i] = BYTE_TO_CHAR[utf8[i] & 0xFF];
        }
        return new String(out);
    }

    /** The byte that {@code c} stands for, or -1 if {@code c} is not in the alphabet. */
    static int byteOf(char c) {
        return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }
}
