package org.urbangraph.vlm.image;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.ImageInputStream;
import org.w3c.dom.Node;

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
 *   <li>palette: the PLTE colour of each index;</li>
 *   <li>alpha channels and {@code tRNS} are dropped, not composited; {@code gAMA}, {@code iCCP} and {@code sRGB} are
 *       ignored. An APNG gives its default image.</li>
 * </ul>
 */
final class PngReader {
    private PngReader() {}

    static RgbImage decode(byte[] data, String source) {
        ImageReader reader = null;
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(data))) {
            Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("png");
            if (!readers.hasNext()) {
                throw new ImageFormatException(source, "this Java runtime has no PNG reader");
            }
            reader = readers.next();
            reader.setInput(in, true, false);
            IIOMetadata meta = reader.getImageMetadata(0);
            Node ihdr = child(meta.getAsTree("javax_imageio_png_1.0"), "IHDR");
            if (ihdr == null) {
                throw new ImageFormatException(source, "PNG without an IHDR chunk");
            }
            int bitDepth = Integer.parseInt(attr(ihdr, "bitDepth"));
            String colorType = attr(ihdr, "colorType");
            BufferedImage img = reader.read(0);
            return toRgb(img, colorType, bitDepth, source);
        } catch (IOException | RuntimeException e) {
            if (e instanceof ImageFormatException ife) {
                throw ife;
            }
            throw new ImageFormatException(source, "damaged or unreadable PNG: " + e.getMessage(), e);
        } finally {
            if (reader != null) {
                reader.dispose();
            }
        }
    }

    private static RgbImage toRgb(BufferedImage img, String colorType, int bitDepth, String source) {
        int w = img.getWidth();
        int h = img.getHeight();
        Raster r = img.getRaster();
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        int[] row = new int[w * r.getNumBands()];
        switch (colorType) {
            case "Grayscale", "GrayAlpha" -> {
                // the stored depth, not IHDR's: with tRNS the JDK reader has already widened 1-, 2- and 4-bit
                // gray to 8-bit gray + alpha
                int depth = r.getSampleModel().getSampleSize(0);
                for (int y = 0; y < h; y++) {
                    r.getSamples(0, y, w, 1, 0, row);
                    for (int x = 0; x < w; x++) {
                        int v = grayTo8(row[x], depth, colorType.equals("Grayscale"));
                        int o = (y * w + x) * 3;
                        out[o] = out[o + 1] = out[o + 2] = (byte) v;
                    }
                }
            }
            case "RGB", "RGBAlpha" -> {
                int shift = bitDepth == 16 ? 8 : 0;
                for (int c = 0; c < 3; c++) {
                    for (int y = 0; y < h; y++) {
                        r.getSamples(0, y, w, 1, c, row);
                        for (int x = 0; x < w; x++) {
                            out[(y * w + x) * 3 + c] = (byte) (row[x] >> shift);
                        }
                    }
                }
            }
            case "Palette" -> {
                ColorModel cm = img.getColorModel();
                if (!(cm instanceof IndexColorModel icm)) {
                    throw new ImageFormatException(source, "palette PNG decoded without a palette");
                }
                int n = icm.getMapSize();
                for (int y = 0; y < h; y++) {
                    r.getSamples(0, y, w, 1, 0, row);
                    for (int x = 0; x < w; x++) {
                        int i = row[x];
                        int o = (y * w + x) * 3;
                        if (i < n) {
                            out[o] = (byte) icm.getRed(i);
                            out[o + 1] = (byte) icm.getGreen(i);
                            out[o + 2] = (byte) icm.getBlue(i);
                        }
                    }
                }
            }
            default -> throw new ImageFormatException(source, "PNG colour type '" + colorType + "' is not one of "
                    + "Grayscale, GrayAlpha, RGB, RGBAlpha, Palette");
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

    private static Node child(Node parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n.getNodeName().equals(name)) {
                return n;
            }
        }
        return null;
    }

    private static String attr(Node n, String name) {
        Node a = n.getAttributes().getNamedItem(name);
        if (a == null) {
            throw new IllegalStateException("IHDR metadata without " + name);
        }
        return a.getNodeValue();
    }
}
