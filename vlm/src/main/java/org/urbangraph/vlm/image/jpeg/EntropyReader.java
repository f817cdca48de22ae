package org.urbangraph.vlm.image.jpeg;

import org.urbangraph.vlm.image.ImageFormatException;

/**
 * The bit stream of one scan: removes the stuffed zero after each 0xFF, and stops at a marker. Past a marker it
 * supplies zero bits, as libjpeg does; once a decode has really used such a bit, {@link #insufficientData} is set
 * and libjpeg leaves the rest of the restart segment's blocks untouched (it warns "premature end of data segment"
 * and goes on, and Pillow accepts the image). Running out of file is different: libjpeg would wait for more
 * data and Pillow reports a truncated file, so that is an error.
 */
final class EntropyReader {
    private final byte[] data;
    private final String source;
    private int pos;
    private long acc;
    private int count;
    /** The marker code (the byte after 0xFF) that stopped the reader, or 0; pos then points at its 0xFF. */
    int unreadMarker;
    /** How many of the last {@code count} bits are zeros appended past a marker or the end of the file. */
    private int padBits;
    private boolean pastEof;
    /** A decode used bits past a marker: libjpeg's {@code insufficient_data}. */
    boolean insufficientData;

    EntropyReader(byte[] data, int pos, String source) {
        this.data = data;
        this.pos = pos;
        this.source = source;
    }

    int position() {
        return pos;
    }

    private void fill() {
        while (count <= 56) {
            int b;
            if (unreadMarker != 0 || pastEof) {
                b = 0;
                padBits += 8;
            } else if (pos >= data.length) {
                b = 0;
                padBits += 8;
                pastEof = true;
            } else {
                b = data[pos] & 0xFF;
                if (b == 0xFF) {
                    // skip fill bytes: any number of 0xFF may precede the byte that tells what this is
                    int q = pos + 1;
                    while (q < data.length && (data[q] & 0xFF) == 0xFF) {
                        q++;
                    }
                    if (q >= data.length) {
                        pos = data.length;
                        b = 0;
                        padBits += 8;
                        pastEof = true;
                    } else if (data[q] == 0) {
                        pos = q + 1; // stuffed zero: a data byte 0xFF
                    } else {
                        unreadMarker = data[q] & 0xFF;
                        pos = q - 1; // at the 0xFF of the marker
                        b = 0;
                        padBits += 8;
                    }
                } else {
                    pos++;
                }
            }
            acc = (acc << 8) | b;
            count += 8;
        }
    }

    int bits(int n) {
        if (n == 0) {
            return 0;
        }
        if (count < n) {
            fill();
        }
        count -= n;
        if (count < padBits) {
            usedPadding();
        }
        return (int) (acc >>> count) & ((1 << n) - 1);
    }

    int bit() {
        return bits(1);
    }

    /** libjpeg's HUFF_EXTEND: the n-bit value read as a signed magnitude category. */
    static int extend(int r, int n) {
        return r < (1 << (n - 1)) ? r + ((-1) << n) + 1 : r;
    }

    int receiveExtend(int n) {
        return n == 0 ? 0 : extend(bits(n), n);
    }

    /** Decodes one symbol; a code longer than 16 bits gives symbol 0 as libjpeg does (after a warning). */
    int decode(HuffmanTable t) {
        if (count < 16) {
            fill();
        }
        int look = (int) (acc >>> (count - HuffmanTable.LOOKAHEAD)) & ((1 << HuffmanTable.LOOKAHEAD) - 1);
        int e = t.lookup[look];
        if (e != 0) {
            count -= e >>> 8;
            if (count < padBits) {
                usedPadding();
            }
            return e & 0xFF;
        }
        int l = HuffmanTable.LOOKAHEAD + 1;
        int code = (int) (acc >>> (count - l)) & ((1 << l) - 1);
        while (l <= 16 && code > t.maxCode[l]) {
            l++;
            code = (int) (acc >>> (count - l)) & ((1 << l) - 1);
        }
        if (l > 16) {
            count -= 16;
            if (count < padBits) {
                usedPadding();
            }
            return 0;
        }
        count -= l;
        if (count < padBits) {
            usedPadding();
        }
        return t.symbols[code + t.valOffset[l]] & 0xFF;
    }

    private void usedPadding() {
        if (pastEof) {
            throw new ImageFormatException(source, "truncated JPEG: the file ends inside the compressed data");
        }
        insufficientData = true;
        padBits = count; // report once; the flag stays until the next restart
    }

    /** Drops the bits left in the buffer (before a restart marker, or at the end of a scan). */
    void discardBits() {
        count = 0;
        acc = 0;
        padBits = 0;
    }

    /**
     * Finds the next marker from the current position, skipping stray bytes as libjpeg's next_marker does, and
     * returns its code with pos just after it; -1 if the file ends first.
     */
    int nextMarker() {
        if (unreadMarker != 0) {
            int m = unreadMarker;
            unreadMarker = 0;
            pos += 2;
            return m;
        }
        while (true) {
            while (pos < data.length && (data[pos] & 0xFF) != 0xFF) {
                pos++;
            }
            while (pos < data.length && (data[pos] & 0xFF) == 0xFF) {
                pos++;
            }
            if (pos >= data.length) {
                return -1;
            }
            int m = data[pos++] & 0xFF;
            if (m != 0) {
                return m;
            }
        }
    }

    /** Puts a marker back (a restart resync that must not consume it). */
    void pushBack(int marker) {
        unreadMarker = marker;
        pos -= 2;
    }

    /**
     * Restarts the bit stream after the restart-marker handling. As in libjpeg, the out-of-data state is cleared
     * only if no marker is pending (else the next segment is empty anyway).
     */
    void resume() {
        discardBits();
        if (unreadMarker == 0) {
            insufficientData = false;
        }
    }
}
