package org.urbangraph.vlm.image;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * PNG to RGB, as Pillow's {@code Image.open(f).convert("RGB")} does it. The JDK's PNG reader does the parsing and
 * inflating (it is lossless, so there is nothing to match there); this class only maps the stored samples to 8-bit
 * RGB with Pillow's rules, read off its PNG plugin's mode table and its converters:
 *
 * <ul>
 *   <li>gray 1-bit: 0 or 255; 2-bit: v * 85; 4-bit: v * 17; 8-bit: v; <b>16-bit: min(v, 255)</b> (Pillow opens it as
 *       a 32-bit integer image and converting that to RGB clips, so a typical 16-bit gray PNG comes out
 *       nearly white: this is what the reference model sees, so we keep it);</li>
 *   <li>RGB, RGBA, gray+alpha 16-bit: the high byte of each sample (Pillow's {@code ;16B} unpackers);</li>
 *   <li>palette: the PLTE colour of each index; an index past the PLTE entries is grey (i, i, i), from the grey
 *       ramp Pillow's palettes start as;</li>
 *   <li>alpha channels and {@code tRNS} are dropped, not composited; {@code gAMA}, {@code iCCP} and {@code sRGB} are
 *       ignored. An APNG gives its default image.</li>
 * </ul>
 *
 * <p>As in Pillow, a file that ends after its image data, without the IEND chunk, is read; one cut short inside
 * the image data is an error, and so is an image over Pillow's decompression-bomb limit
 * ({@link DecompressionBombLimit}, checked from IHDR before anything is decoded).
 */
final class PngReader {
    private PngReader() {}

    /** IHDR colour types. */
    private static final int GRAY = 0;
    private static final int RGB = 2;
    private static final int PALETTE = 3;
    private static final int GRAY_ALPHA = 4;
    private static final int RGB_ALPHA = 6;

    /** An empty IEND chunk: its length, type and CRC. */
    private static final byte[] IEND = {0, 0, 0, 0, 'I', 'E', 'N', 'D', (byte) 0xAE, 0x42, 0x60, (byte) 0x82};

    static RgbImage decode(byte[] data, String source) {
        Layout layout = Layout.read(data, source);
        DecompressionBombLimit.check(layout.width(), layout.height(), source);
        if (!layout.hasIend() && layout.truncatedChunk() == null) {
            // Pillow stops after the image data and never looks for IEND; the JDK reader wants it (it reads a
            // palette image's chunks through to IEND), so a file that ends cleanly after a chunk gets one
            data = Arrays.copyOf(data, data.length + IEND.length);
            System.arraycopy(IEND, 0, data, data.length - IEND.length, IEND.length);
        }
        ImageReader reader = null;
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(data))) {
            Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("png");
            if (!readers.hasNext()) {
                throw new ImageFormatException(source, "this Java runtime has no PNG reader");
            }
            reader = readers.next();
            // metadata ignored: the reader then goes from IHDR straight to the image data (still applying tRNS)
            reader.setInput(in, true, true);
            BufferedImage img = reader.read(0);
            return toRgb(img, layout, source);
        } catch (IOException | RuntimeException e) {
            if (e instanceof ImageFormatException ife) {
                throw ife;
            }
            if (layout.truncatedChunk() != null) {
                throw new ImageFormatException(source, "truncated PNG: the file ends inside its "
                        + layout.truncatedChunk() + " chunk (" + e.getMessage() + ")", e);
            }
            throw new ImageFormatException(source, "damaged or unreadable PNG: " + e.getMessage(), e);
        } finally {
            if (reader != null) {
                reader.dispose();
            }
        }
    }

    /**
     * What a walk over the file's chunks finds, before any decoding: IHDR's fields (IHDR must be the first chunk),
     * the number of entries of the first PLTE chunk (0 without one), whether there is an IEND chunk, and the type of
     * the chunk the file ends inside, if it is cut short (null when it ends at a chunk boundary).
     */
    record Layout(long width, long height, int colorType, int paletteEntries, boolean hasIend,
                  String truncatedChunk) {

        static Layout read(byte[] d, String source) {
            if (d.length < 8 + 8 + 13 || int32(d, 8) != 13 || d[12] != 'I' || d[13] != 'H' || d[14] != 'D'
                    || d[15] != 'R') {
                throw new ImageFormatException(source, "damaged PNG: no IHDR chunk after the signature");
            }
            long width = int32(d, 16) & 0xFFFFFFFFL;
            long height = int32(d, 20) & 0xFFFFFFFFL;
            int colorType = d[25] & 0xFF;
            int paletteEntries = 0;
            int at = 8;
            while (at < d.length) {
                if (at + 8 > d.length) {
                    return new Layout(width, height, colorType, paletteEntries, false, "(unnamed)");
                }
                long length = int32(d, at) & 0xFFFFFFFFL;
                String type = new String(d, at + 4, 4, StandardCharsets.ISO_8859_1);
                if (type.equals("IEND")) {
                    return new Layout(width, height, colorType, paletteEntries, true, null);
                }
                if (at + 12 + length > d.length) {
                    return new Layout(width, height, colorType, paletteEntries, false, type);
                }
                if (type.equals("PLTE") && paletteEntries == 0) {
                    paletteEntries = (int) Math.min(length / 3, 256);
                }
                at += (int) (12 + length);
            }
            return new Layout(width, height, colorType, paletteEntries, false, null);
        }
    }

    private static int int32(byte[] d, int at) {
        return ((d[at] & 0xFF) << 24) | ((d[at + 1] & 0xFF) << 16) | ((d[at + 2] & 0xFF) << 8) | (d[at + 3] & 0xFF);
    }

    private static RgbImage toRgb(BufferedImage img, Layout layout, String source) {
        int colorType = layout.colorType();
        int w = img.getWidth();
        int h = img.getHeight();
        Raster r = img.getRaster();
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        int[] row = new int[w * r.getNumBands()];
        switch (colorType) {
            case GRAY, GRAY_ALPHA -> {
                // the stored depth, not IHDR's: with tRNS the JDK reader has already widened 1-, 2- and 4-bit
                // gray to 8-bit gray + alpha
                int depth = r.getSampleModel().getSampleSize(0);
                for (int y = 0; y < h; y++) {
                    r.getSamples(0, y, w, 1, 0, row);
                    for (int x = 0; x < w; x++) {
                        int v = grayTo8(row[x], depth, colorType == GRAY);
                        int o = (y * w + x) * 3;
                        out[o] = out[o + 1] = out[o + 2] = (byte) v;
                    }
                }
            }
            case RGB, RGB_ALPHA -> {
                int shift = r.getSampleModel().getSampleSize(0) == 16 ? 8 : 0;
                for (int c = 0; c < 3; c++) {
                    for (int y = 0; y < h; y++) {
                        r.getSamples(0, y, w, 1, c, row);
                        for (int x = 0; x < w; x++) {
                            out[(y * w + x) * 3 + c] = (byte) (row[x] >> shift);
                        }
                    }
                }
            }
            case PALETTE -> {
                ColorModel cm = img.getColorModel();
                if (!(cm instanceof IndexColorModel icm)) {
                    throw new ImageFormatException(source, "palette PNG decoded without a palette");
                }
                // The JDK pads a short palette to 2, 4, 16 or 256 entries with black (or repeats an entry);
                // Pillow's palette starts as a grey ramp, so an index past the PLTE entries is grey (i, i, i)
                int n = Math.min(layout.paletteEntries(), icm.getMapSize());
                for (int y = 0; y < h; y++) {
                    r.getSamples(0, y, w, 1, 0, row);
                    for (int x = 0; x < w; x++) {
                        int i = row[x];
                        int o = (y * w + x) * 3;
                        if (i < n) {
                            out[o] = (byte) icm.getRed(i);
                            out[o + 1] = (byte) icm.getGreen(i);
                            out[o + 2] = (byte) icm.getBlue(i);
                        } else {
                            out[o] = out[o + 1] = out[o + 2] = (byte) i;
                        }
                    }
                }
            }
            default -> throw new ImageFormatException(source, "PNG colour type " + colorType + " is not one of "
                    + "0, 2, 3, 4, 6");
        }
        return new RgbImage(w, h, out);
    }

    /**
     * Pillow's gray modes: "1", "L;2", "L;4", "L", and 16-bit via a 32-bit integer image that clips to 255.
     * {@code bitDepth} is the depth of the decoded sample, which a {@code tRNS} chunk makes 8 for 1, 2 and 4 bits.
     */
    private static int grayTo8(int v, int bitDepth, boolean plainGray) {
        return switch (bitDepth) {
            case 1 -> v != 0 ? 255 : 0;
            case 2 -> v * 85;
            case 4 -> v * 17;
            case 8 -> v;
            // gray+alpha 16-bit unpacks the high byte ("LA;16B"); plain 16-bit gray becomes mode I and clips
            case 16 -> plainGray ? Math.min(v, 255) : v >> 8;
            default -> throw new IllegalStateException("PNG gray bit depth " + bitDepth);
        };
    }
}
