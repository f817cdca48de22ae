package org.urbangraph.vlm.image.jpeg;

import org.urbangraph.vlm.image.ImageFormatException;

/**
 * Decodes the entropy-coded data of one scan (Huffman, sequential or progressive) into the components'
 * coefficient arrays, following libjpeg's jdhuff.c / jdphuff.c, including its restart-marker resynchronisation.
 */
final class ScanDecoder {

    /** Zigzag index to natural (row-major) index, with 16 guard entries as in libjpeg for corrupt run lengths. */
    static final int[] NATURAL_ORDER = new int[80];

    static {
        int[] zz = {0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
            13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38,
            31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};
        System.arraycopy(zz, 0, NATURAL_ORDER, 0, 64);
        for (int i = 64; i < 80; i++) {
            NATURAL_ORDER[i] = 63;
        }
    }

    private final Component[] comps;
    private final HuffmanTable[] dcTables;
    private final HuffmanTable[] acTables;
    private final int ss;
    private final int se;
    private final int ah;
    private final int al;
    private final boolean progressive;
    private final int restartInterval;
    private final int mcusPerRow;
    private final int mcuRows;
    private final int maxH;
    private final int maxV;
    private final EntropyReader in;
    private final String source;
    private final int[] lastDc;
    private int eobRun;

    ScanDecoder(Component[] comps, HuffmanTable[] dcTables, HuffmanTable[] acTables, int ss, int se, int ah, int al,
                boolean progressive, int restartInterval, int mcusPerRow, int mcuRows, int maxH, int maxV,
                EntropyReader in, String source) {
        this.comps = comps;
        this.dcTables = dcTables;
        this.acTables = acTables;
        this.ss = ss;
        this.se = se;
        this.ah = ah;
        this.al = al;
        this.progressive = progressive;
        this.restartInterval = restartInterval;
        this.mcusPerRow = mcusPerRow;
        this.mcuRows = mcuRows;
        this.maxH = maxH;
        this.maxV = maxV;
        this.in = in;
        this.source = source;
        this.lastDc = new int[comps.length];
    }

    /**
     * Decodes every MCU of the scan. Returns false if the data of some blocks was missing (a marker cut the scan
     * short and libjpeg's zero fill stood in), true if every block was decoded from the file's data.
     */
    boolean decode() {
        boolean complete = true;
        int total;
        int perRow;
        boolean single = comps.length == 1;
        if (single) {
            perRow = comps[0].widthInBlocks;
            total = perRow * comps[0].heightInBlocks;
        } else {
            perRow = mcusPerRow;
            total = mcusPerRow * mcuRows;
        }
        int expectedRst = 0;
        int untilRestart = restartInterval;
        for (int mcu = 0; mcu < total; mcu++) {
            if (restartInterval > 0) {
                if (untilRestart == 0) {
                    processRestart(expectedRst);
                    expectedRst = (expectedRst + 1) & 7;
                    untilRestart = restartInterval;
                }
                untilRestart--;
            }
            if (in.insufficientData) {
                complete = false;
                continue; // libjpeg leaves the rest of the segment's blocks as they are
            }
            int mcuRow = mcu / perRow;
            int mcuCol = mcu % perRow;
            if (single) {
                Component c = comps[0];
                decodeBlock(0, c, (mcuRow * c.blocksPerLine + mcuCol) * 64);
            } else {
                for (int i = 0; i < comps.length; i++) {
                    Component c = comps[i];
                    for (int v = 0; v < c.v; v++) {
                        int row = mcuRow * c.v + v;
                        for (int h = 0; h < c.h; h++) {
                            int col = mcuCol * c.h + h;
                            decodeBlock(i, c, (row * c.blocksPerLine + col) * 64);
                        }
                    }
                }
            }
        }
        complete &= !in.insufficientData;
        in.discardBits();
        return complete;
    }

    /** libjpeg's process_restart plus jpeg_resync_to_restart (the default resynchroniser). */
    private void processRestart(int desired) {
        in.discardBits();
        int marker = in.nextMarker();
        while (true) {
            if (marker < 0) {
                throw new ImageFormatException(source, "truncated JPEG: the file ends where restart marker RST"
                        + desired + " was expected");
            }
            int action;
            if (marker < 0xC0) {
                action = 2;
            } else if (marker < 0xD0 || marker > 0xD7) {
                action = 3;
            } else if (marker == 0xD0 + ((desired + 1) & 7) || marker == 0xD0 + ((desired + 2) & 7)) {
                action = 3;
            } else if (marker == 0xD0 + ((desired - 1) & 7) || marker == 0xD0 + ((desired - 2) & 7)) {
                action = 2;
            } else {
                action = 1;
            }
            if (action == 1) {
                break; // the wanted marker (or one too far away to matter): consume it and go on
            }
            if (action == 3) {
                in.pushBack(marker); // leave it: the next segment decodes from zero bits
                break;
            }
            marker = in.nextMarker();
        }
        in.resume();
        java.util.Arrays.fill(lastDc, 0);
        eobRun = 0;
    }

    private void decodeBlock(int ci, Component c, int off) {
        short[] b = c.coefficients;
        if (!progressive) {
            decodeSequential(ci, b, off);
        } else if (ss == 0) {
            if (ah == 0) {
                int s = in.decode(dcTables[ci]);
                int d = in.receiveExtend(s) + lastDc[ci];
                lastDc[ci] = d;
                b[off] = (short) (d << al);
            } else if (in.bit() != 0) {
                b[off] |= (short) (1 << al);
            }
        } else if (ah == 0) {
            acFirst(acTables[ci], b, off);
        } else {
            acRefine(acTables[ci], b, off);
        }
    }

    private void decodeSequential(int ci, short[] b, int off) {
        int s = in.decode(dcTables[ci]);
        int d = in.receiveExtend(s) + lastDc[ci];
        lastDc[ci] = d;
        b[off] = (short) d;
        HuffmanTable ac = acTables[ci];
        for (int k = 1; k < 64; k++) {
            int rs = in.decode(ac);
            int r = rs >> 4;
            s = rs & 15;
            if (s != 0) {
                k += r;
                b[off + NATURAL_ORDER[k]] = (short) in.receiveExtend(s);
            } else {
                if (r != 15) {
                    break;
                }
                k += 15;
            }
        }
    }

    private void acFirst(HuffmanTable t, short[] b, int off) {
        if (eobRun > 0) {
            eobRun--;
            return;
        }
        for (int k = ss; k <= se; k++) {
            int rs = in.decode(t);
            int r = rs >> 4;
            int s = rs & 15;
            if (s != 0) {
                k += r;
                b[off + NATURAL_ORDER[k]] = (short) (in.receiveExtend(s) << al);
            } else if (r == 15) {
                k += 15;
            } else {
                eobRun = 1 << r;
                if (r != 0) {
                    eobRun += in.bits(r);
                }
                eobRun--;
                break;
            }
        }
    }

    private void acRefine(HuffmanTable t, short[] b, int off) {
        int p1 = 1 << al;
        int m1 = -1 << al;
        int k = ss;
        if (eobRun == 0) {
            for (; k <= se; k++) {
                int rs = in.decode(t);
                int r = rs >> 4;
                int s = rs & 15;
                if (s != 0) {
                    // s != 1 is corrupt data; libjpeg warns and treats it as 1
                    s = in.bit() != 0 ? p1 : m1;
                } else if (r != 15) {
                    eobRun = 1 << r;
                    if (r != 0) {
                        eobRun += in.bits(r);
                    }
                    break;
                }
                do {
                    int pos = off + NATURAL_ORDER[k];
                    if (b[pos] != 0) {
                        if (in.bit() != 0 && (b[pos] & p1) == 0) {
                            b[pos] = (short) (b[pos] >= 0 ? b[pos] + p1 : b[pos] + m1);
                        }
                    } else if (--r < 0) {
                        break;
                    }
                    k++;
                } while (k <= se);
                if (s != 0) {
                    b[off + NATURAL_ORDER[k]] = (short) s;
                }
            }
        }
        if (eobRun > 0) {
            for (; k <= se; k++) {
                int pos = off + NATURAL_ORDER[k];
                if (b[pos] != 0 && in.bit() != 0 && (b[pos] & p1) == 0) {
                    b[pos] = (short) (b[pos] >= 0 ? b[pos] + p1 : b[pos] + m1);
                }
            }
            eobRun--;
        }
    }
}
