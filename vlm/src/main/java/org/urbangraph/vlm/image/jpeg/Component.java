package org.urbangraph.vlm.image.jpeg;

/**
 * One colour component of a frame: its sampling factors, its quantisation table (latched at its first scan, as
 * libjpeg does, so a table redefined later does not change it) and its DCT coefficients, kept for the whole
 * image because a progressive file refines them scan by scan.
 */
final class Component {
    final int id;
    final int h;
    final int v;
    final int quantTableIndex;
    /** ceil(width * h / hmax / 8): the blocks a non-interleaved scan covers. */
    int widthInBlocks;
    int heightInBlocks;
    /** Allocated size, a whole number of MCUs, which interleaved scans fill. */
    int blocksPerLine;
    int blocksPerColumn;
    /** ceil(width * h / hmax): the samples that are real (upsampling replicates the last of them). */
    int downsampledWidth;
    int downsampledHeight;
    /** 64 coefficients per block, natural (row-major) order, 16-bit like libjpeg's JCOEF. */
    short[] coefficients;
    int[] quant;
    /** Progressive bookkeeping: lowest bit position received so far per coefficient (-1 = none yet). */
    final int[] coefBits = new int[64];

    Component(int id, int h, int v, int quantTableIndex) {
        this.id = id;
        this.h = h;
        this.v = v;
        this.quantTableIndex = quantTableIndex;
        java.util.Arrays.fill(coefBits, -1);
    }
}
