package org.urbangraph.vlm.image.jpeg;

import org.urbangraph.vlm.image.DecompressionBombLimit;
import org.urbangraph.vlm.image.ImageFormatException;
import org.urbangraph.vlm.image.RgbImage;

/**
 * A JPEG decoder whose pixels equal Pillow's {@code Image.open(f).convert("RGB")}, i.e. libjpeg-turbo with its
 * default settings (islow IDCT, fancy upsampling), plus Pillow's colour handling.
 *
 * <p>Why our own: the JDK's ImageIO decoder is libjpeg 6b, whose coefficient decoding agrees, but it converts
 * colour itself (with the embedded ICC profile, where there is one), which differs by a grey level on some
 * photos; it has no fancy 4:4:0 upsampling and it rejects CMYK. One grey level moves an embedding by ~1e-3.
 *
 * <p>Supported: baseline and extended sequential and progressive Huffman-coded 8-bit JPEG, any integral
 * sampling factors, restart markers (with libjpeg's resynchronisation), 1, 3 and 4 components (grayscale,
 * YCbCr or RGB by JFIF / Adobe markers and component ids as libjpeg guesses, CMYK and YCCK). An MPO file gives
 * its first frame, as Pillow does. Not supported, each with a clear error: arithmetic coding, lossless and
 * hierarchical JPEG, 12-bit samples, and 2-component images (Pillow also refuses the last two).
 * EXIF orientation is not applied here (Pillow does not either on open; see {@code Images.read(Path, boolean)}).
 *
 * <p>A file must end with its EOI marker, with one exception: a sequential file whose single scan holds every
 * component and was decoded to its last block from the file's data is complete without it, and is read. Pillow
 * reads such a file when at least a few bytes follow the scan (libjpeg-turbo's input buffering wants them; the
 * number depends on the file, 1 to 6 in the files checked) and refuses it otherwise, so this accepts slightly more
 * than Pillow; wherever Pillow reads such a file the pixels are the same. A progressive file, or a sequential one
 * with a scan per component, is refused without EOI, as in Pillow (libjpeg needs all its scans, up to EOI, before
 * it outputs a row), and so is a file whose data ends before the last block.
 */
public final class JpegDecoder {

    private final byte[] data;
    private final String source;
    private final int[][] quantTables = new int[4][];
    private final HuffmanTable[] dcTables = new HuffmanTable[4];
    private final HuffmanTable[] acTables = new HuffmanTable[4];
    private int restartInterval;
    private boolean sawJfif;
    private boolean sawAdobe;
    private int adobeTransform;
    private Component[] comps;
    private int width;
    private int height;
    private boolean progressive;
    private int maxH;
    private int maxV;
    private int mcusPerRow;
    private int mcuRows;
    private int scans;
    /** The first scan was sequential, held every component and decoded every block from the file's data. */
    private boolean firstScanIsWholeImage;

    private JpegDecoder(byte[] data, String source) {
        this.data = data;
        this.source = source;
    }

    public static RgbImage decode(byte[] data, String source) {
        return new JpegDecoder(data, source).run();
    }

    private ImageFormatException error(String reason) {
        return new ImageFormatException(source, reason);
    }

    private RgbImage run() {
        if (data.length < 4 || (data[0] & 0xFF) != 0xFF || (data[1] & 0xFF) != 0xD8) {
            throw error("not a JPEG file (no SOI marker)");
        }
        EntropyReader reader = new EntropyReader(data, 2, source);
        while (true) {
            int marker = reader.nextMarker();
            if (marker < 0) {
                if (scans == 1 && firstScanIsWholeImage) {
                    return finish(); // a sequential file complete but for its EOI marker: see the class comment
                }
                throw error("truncated JPEG: the file ends before the EOI marker"
                        + (comps == null ? " and before any frame header" : "")
                        + (progressive ? " (a progressive file needs all its scans)" : ""));
            }
            int pos = reader.position();
            switch (marker) {
                case 0xC0, 0xC1, 0xC2 -> readFrame(pos, marker == 0xC2);
                case 0xC3 -> throw error("lossless JPEG (SOF3) is not supported");
                case 0xC5, 0xC6, 0xC7, 0xCD, 0xCE, 0xCF -> throw error("hierarchical JPEG (SOF"
                        + (marker - 0xC0) + ") is not supported");
                case 0xC9, 0xCA, 0xCB -> throw error("arithmetic-coded JPEG (SOF" + (marker - 0xC0)
                        + ") is not supported; re-encode it with Huffman coding");
                case 0xC4 -> readHuffmanTables(pos);
                case 0xDB -> readQuantTables(pos);
                case 0xDD -> restartInterval = u16(pos + 2);
                case 0xDA -> {
                    int next = readScan(pos);
                    reader = new EntropyReader(data, next, source);
                    // a marker the scan stopped at is found again by nextMarker from here
                    continue;
                }
                case 0xD9 -> {
                    return finish();
                }
                case 0xD8 -> throw error("a second SOI marker inside the image");
                case 0xE0 -> readApp0(pos);
                case 0xEE -> readApp14(pos);
                case 0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0x01 -> {
                    continue; // parameterless markers outside a scan: ignored, as libjpeg does
                }
                default -> { }
            }
            reader = new EntropyReader(data, pos + segmentLength(pos), source);
        }
    }

    private int u16(int pos) {
        if (pos + 2 > data.length) {
            throw error("truncated JPEG: the file ends inside a marker segment");
        }
        return ((data[pos] & 0xFF) << 8) | (data[pos + 1] & 0xFF);
    }

    private int u8(int pos) {
        if (pos >= data.length) {
            throw error("truncated JPEG: the file ends inside a marker segment");
        }
        return data[pos] & 0xFF;
    }

    private int segmentLength(int pos) {
        int len = u16(pos);
        if (len < 2) {
            throw error("bad marker segment length " + len + " at byte " + pos);
        }
        if (pos + len > data.length) {
            throw error("truncated JPEG: a marker segment at byte " + pos + " runs past the end of the file");
        }
        return len;
    }

    private void readApp0(int pos) {
        int len = segmentLength(pos);
        int p = pos + 2;
        if (len - 2 >= 14 && data[p] == 'J' && data[p + 1] == 'F' && data[p + 2] == 'I' && data[p + 3] == 'F'
                && data[p + 4] == 0) {
            sawJfif = true;
        }
    }

    private void readApp14(int pos) {
        int len = segmentLength(pos);
        int p = pos + 2;
        if (len - 2 >= 12 && data[p] == 'A' && data[p + 1] == 'd' && data[p + 2] == 'o' && data[p + 3] == 'b'
                && data[p + 4] == 'e') {
            sawAdobe = true;
            adobeTransform = data[p + 11] & 0xFF;
        }
    }

    private void readQuantTables(int pos) {
        int end = pos + segmentLength(pos);
        int p = pos + 2;
        while (p < end) {
            int pq = u8(p) >> 4;
            int tq = u8(p) & 15;
            p++;
            if (tq > 3 || pq > 1) {
                throw error("bad DQT segment: table " + tq + " with precision " + pq);
            }
            if (p + 64 * (pq + 1) > end) {
                throw error("bad DQT segment: table " + tq + " runs past the segment");
            }
            int[] q = new int[64];
            for (int i = 0; i < 64; i++) {
                int v = pq == 0 ? u8(p + i) : u16(p + 2 * i);
                q[ScanDecoder.NATURAL_ORDER[i]] = v;
            }
            p += 64 * (pq + 1);
            quantTables[tq] = q;
        }
    }

    private void readHuffmanTables(int pos) {
        int end = pos + segmentLength(pos);
        int p = pos + 2;
        while (p < end) {
            int tc = u8(p) >> 4;
            int th = u8(p) & 15;
            p++;
            if (tc > 1 || th > 3) {
                throw error("bad DHT segment: table class " + tc + " id " + th);
            }
            int[] counts = new int[17];
            int total = 0;
            for (int l = 1; l <= 16; l++) {
                counts[l] = u8(p++);
                total += counts[l];
            }
            if (total > 256 || p + total > end) {
                throw error("bad DHT segment: " + total + " symbols");
            }
            int[] symbols = new int[total];
            for (int i = 0; i < total; i++) {
                symbols[i] = u8(p++);
            }
            HuffmanTable t = new HuffmanTable(counts, symbols, tc == 0, source);
            if (tc == 0) {
                dcTables[th] = t;
            } else {
                acTables[th] = t;
            }
        }
    }

    private void readFrame(int pos, boolean isProgressive) {
        if (comps != null) {
            throw error("a second frame header (SOF) in one image");
        }
        int len = segmentLength(pos);
        int precision = u8(pos + 2);
        height = u16(pos + 3);
        width = u16(pos + 5);
        int n = u8(pos + 7);
        if (precision != 8) {
            throw error(precision + "-bit JPEG samples are not supported (only 8-bit, as in Pillow)");
        }
        if (height == 0 || width == 0) {
            throw error("JPEG frame of " + width + "x" + height + " (a height set by a DNL marker is not supported)");
        }
        if (n != 1 && n != 3 && n != 4) {
            throw error("JPEG with " + n + " components (1, 3 or 4 are supported, as in Pillow)");
        }
        if (len < 8 + 3 * n) {
            throw error("bad SOF segment: length " + len + " for " + n + " components");
        }
        DecompressionBombLimit.check(width, height, source);
        progressive = isProgressive;
        comps = new Component[n];
        for (int i = 0; i < n; i++) {
            int p = pos + 8 + 3 * i;
            int h = u8(p + 1) >> 4;
            int v = u8(p + 1) & 15;
            int tq = u8(p + 2);
            if (h < 1 || h > 4 || v < 1 || v > 4 || tq > 3) {
                throw error("bad SOF component " + i + ": sampling " + h + "x" + v + ", quantisation table " + tq);
            }
            comps[i] = new Component(u8(p), h, v, tq);
            maxH = Math.max(maxH, h);
            maxV = Math.max(maxV, v);
        }
        mcusPerRow = ceilDiv(width, 8 * maxH);
        mcuRows = ceilDiv(height, 8 * maxV);
        for (Component c : comps) {
            c.downsampledWidth = ceilDiv(width * c.h, maxH);
            c.downsampledHeight = ceilDiv(height * c.v, maxV);
            c.widthInBlocks = ceilDiv(c.downsampledWidth, 8);
            c.heightInBlocks = ceilDiv(c.downsampledHeight, 8);
            c.blocksPerLine = mcusPerRow * c.h;
            c.blocksPerColumn = mcuRows * c.v;
            c.coefficients = new short[Math.multiplyExact(c.blocksPerLine * c.blocksPerColumn, 64)];
        }
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** Reads the SOS header, decodes the scan, and returns the position to look for the next marker from. */
    private int readScan(int pos) {
        if (comps == null) {
            throw error("scan (SOS) before the frame header (SOF)");
        }
        int len = segmentLength(pos);
        int ns = u8(pos + 2);
        if (ns < 1 || ns > 4 || len != 6 + 2 * ns) {
            throw error("bad SOS segment: " + ns + " components, length " + len);
        }
        Component[] sc = new Component[ns];
        HuffmanTable[] dc = new HuffmanTable[ns];
        HuffmanTable[] ac = new HuffmanTable[ns];
        int p = pos + 3;
        int[] td = new int[ns];
        int[] ta = new int[ns];
        for (int i = 0; i < ns; i++, p += 2) {
            int id = u8(p);
            for (Component c : comps) {
                if (c.id == id) {
                    sc[i] = c;
                }
            }
            if (sc[i] == null) {
                throw error("scan names component id " + id + ", which the frame does not have");
            }
            td[i] = u8(p + 1) >> 4;
            ta[i] = u8(p + 1) & 15;
            if (td[i] > 3 || ta[i] > 3) {
                throw error("bad SOS segment: Huffman table ids " + td[i] + "/" + ta[i]);
            }
        }
        int ss = u8(p);
        int se = u8(p + 1);
        int ah = u8(p + 2) >> 4;
        int al = u8(p + 2) & 15;
        if (progressive) {
            boolean bad = ss == 0 ? se != 0 : (se < ss || se > 63 || ns != 1);
            bad |= ah != 0 && al != ah - 1;
            bad |= al > 13;
            if (bad) {
                throw error("invalid progressive parameters Ss=" + ss + " Se=" + se + " Ah=" + ah + " Al=" + al);
            }
        }
        if (ns > 1) {
            int blocks = 0;
            for (Component c : sc) {
                blocks += c.h * c.v;
            }
            if (blocks > 10) {
                throw error("sampling factors too large for an interleaved scan (" + blocks + " blocks per MCU)");
            }
        }
        boolean needDc = !progressive || (ss == 0 && ah == 0);
        boolean needAc = !progressive || ss > 0;
        for (int i = 0; i < ns; i++) {
            Component c = sc[i];
            if (c.quant == null) {
                if (quantTables[c.quantTableIndex] == null) {
                    throw error("component " + c.id + " uses quantisation table " + c.quantTableIndex
                            + ", which is not defined");
                }
                c.quant = quantTables[c.quantTableIndex].clone();
            }
            if (needDc) {
                dc[i] = table(dcTables, td[i], true);
            }
            if (needAc) {
                ac[i] = table(acTables, ta[i], false);
            }
            if (progressive) {
                for (int k = ss; k <= se; k++) {
                    c.coefBits[k] = al;
                }
            }
        }
        EntropyReader in = new EntropyReader(data, pos + len, source);
        boolean complete = new ScanDecoder(sc, dc, ac, ss, se, ah, al, progressive, restartInterval, mcusPerRow,
                mcuRows, maxH, maxV, in, source).decode();
        if (scans == 0) {
            firstScanIsWholeImage = !progressive && ns == comps.length && complete;
        }
        scans++;
        return in.position();
    }

    private HuffmanTable table(HuffmanTable[] tables, int id, boolean dc) {
        HuffmanTable t = tables[id];
        if (t == null) {
            // Motion-JPEG frames omit the standard tables; libjpeg-turbo then supplies them.
            t = StandardHuffmanTables.table(dc, id, source);
            if (t == null) {
                throw error("scan uses " + (dc ? "DC" : "AC") + " Huffman table " + id + ", which is not defined");
            }
        }
        return t;
    }

    private RgbImage finish() {
        if (comps == null || scans == 0) {
            throw error("JPEG without image data (no frame or no scan before EOI)");
        }
        int n = width * height;
        byte[][] planes = new byte[comps.length][];
        int[] ws = new int[64];
        for (int ci = 0; ci < comps.length; ci++) {
            Component c = comps[ci];
            int stride = c.widthInBlocks * 8;
            byte[] samples = new byte[stride * c.heightInBlocks * 8];
            int[] q = c.quant != null ? c.quant : new int[64];
            for (int by = 0; by < c.heightInBlocks; by++) {
                for (int bx = 0; bx < c.widthInBlocks; bx++) {
                    Idct.transform(c.coefficients, (by * c.blocksPerLine + bx) * 64, q, samples,
                            by * 8 * stride + bx * 8, stride, ws);
                }
            }
            c.coefficients = null;
            planes[ci] = new byte[n];
            Upsampler.upsample(samples, stride, c.downsampledWidth, c.downsampledHeight, c.h, c.v, maxH, maxV,
                    planes[ci], width, height, source);
        }
        byte[] rgb = new byte[n * 3];
        switch (comps.length) {
            case 1 -> ColorConverter.grayToRgb(planes[0], rgb, n);
            case 3 -> {
                if (isRgb()) {
                    ColorConverter.rgbToRgb(planes[0], planes[1], planes[2], rgb, n);
                } else {
                    ColorConverter.ycbcrToRgb(planes[0], planes[1], planes[2], rgb, n);
                }
            }
            default -> {
                if (sawAdobe && adobeTransform != 0) {
                    ColorConverter.ycckToCmyk(planes[0], planes[1], planes[2]);
                }
                ColorConverter.invertedCmykToRgb(planes[0], planes[1], planes[2], planes[3], rgb, n);
            }
        }
        return new RgbImage(width, height, rgb);
    }

    /** libjpeg's guess for 3 components: JFIF means YCbCr; else an Adobe transform 0, or ids 'R','G','B', mean RGB. */
    private boolean isRgb() {
        if (sawJfif) {
            return false;
        }
        if (sawAdobe) {
            return adobeTransform == 0;
        }
        return comps[0].id == 'R' && comps[1].id == 'G' && comps[2].id == 'B';
    }
}
