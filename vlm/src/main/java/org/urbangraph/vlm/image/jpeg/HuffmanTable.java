package org.urbangraph.vlm.image.jpeg;

/**
 * A decoding table built from a DHT segment (code lengths and symbols), checked as libjpeg checks it: code
 * counts that overflow their length, and DC symbols above 15, are errors.
 */
final class HuffmanTable {
    static final int LOOKAHEAD = 9;

    /** maxCode[l]: the largest code of length l, or -1 if none; index 17 is a sentinel. */
    final int[] maxCode = new int[18];
    /** valOffset[l]: symbol index of the first code of length l minus that code. */
    final int[] valOffset = new int[18];
    final int[] symbols;
    /** For the next LOOKAHEAD bits: (length << 8) | symbol, or 0 if the code is longer. */
    final int[] lookup = new int[1 << LOOKAHEAD];

    HuffmanTable(int[] counts, int[] symbols, boolean dc, String source) {
        this.symbols = symbols;
        int total = 0;
        for (int l = 1; l <= 16; l++) {
            total += counts[l];
        }
        if (total > 256 || total != symbols.length) {
            throw new org.urbangraph.vlm.image.ImageFormatException(source, "bad Huffman table: " + total
                    + " codes");
        }
        int code = 0;
        int k = 0;
        int[] codes = new int[total];
        int[] lengths = new int[total];
        for (int l = 1; l <= 16; l++) {
            for (int i = 0; i < counts[l]; i++) {
                codes[k] = code;
                lengths[k] = l;
                k++;
                code++;
            }
            if (code >= (1 << l)) { // no code may be all ones
                throw new org.urbangraph.vlm.image.ImageFormatException(source,
                        "bad Huffman table: too many codes of length " + l);
            }
            code <<= 1;
        }
        k = 0;
        for (int l = 1; l <= 16; l++) {
            if (counts[l] > 0) {
                valOffset[l] = k - codes[k];
                k += counts[l];
                maxCode[l] = codes[k - 1];
            } else {
                maxCode[l] = -1;
            }
        }
        maxCode[17] = Integer.MAX_VALUE;
        for (int i = 0; i < total; i++) {
            int l = lengths[i];
            if (l <= LOOKAHEAD) {
                int shift = LOOKAHEAD - l;
                int base = codes[i] << shift;
                for (int j = 0; j < (1 << shift); j++) {
                    lookup[base + j] = (l << 8) | symbols[i];
                }
            }
        }
        if (dc) {
            for (int s : symbols) {
                if (s > 15) {
                    throw new org.urbangraph.vlm.image.ImageFormatException(source,
                            "bad Huffman table: DC symbol " + s + " above 15");
                }
            }
        }
    }
}
