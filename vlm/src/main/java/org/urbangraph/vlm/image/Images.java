package org.urbangraph.vlm.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.urbangraph.vlm.image.jpeg.JpegDecoder;

/**
 * Reads an image file into {@link RgbImage}, with the pixels that Pillow's {@code Image.open(f).convert("RGB")}
 * gives: this is how the Hugging Face processors receive an image path, so it is what the reference numbers were
 * computed from.
 *
 * <ul>
 *   <li>PNG: every colour type and bit depth, converted as Pillow converts (see {@link PngReader}).</li>
 *   <li>JPEG (and MPO, whose first frame is the primary image): our own decoder, bit-exact with libjpeg-turbo's
 *       defaults (see {@link JpegDecoder}); grayscale, CMYK and YCCK converted as Pillow converts.</li>
 * </ul>
 *
 * <p>EXIF orientation is <em>not</em> applied by default. The reference route is {@code Image.open(f).convert("RGB")}
 * handed to the Hugging Face processor, and neither step rotates: a phone photo stored sideways with an orientation
 * tag reaches the model as stored. Other Python routes do rotate: transformers' {@code load_image} (and so the
 * pipelines, and the fast processors when given a path or URL) calls {@code PIL.ImageOps.exif_transpose} first.
 * {@link #read(Path, boolean)} with {@code exifTranspose} follows those routes ({@link ExifOrientation}); orientations
 * 5 to 8 swap width and height, and so change the resize, the patch grid and the number of image tokens.
 */
public final class Images {
    private Images() {}

    /** The file's pixels as stored, as Pillow's {@code Image.open(f).convert("RGB")} gives them. */
    public static RgbImage read(Path file) {
        return read(file, false);
    }

    /**
     * The file's pixels; with {@code exifTranspose}, turned upright by its EXIF orientation as
     * {@code ImageOps.exif_transpose(Image.open(f)).convert("RGB")} gives them.
     */
    public static RgbImage read(Path file, boolean exifTranspose) {
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ImageFormatException(file.toString(), "no such file");
        } catch (IOException e) {
            throw new ImageFormatException(file.toString(), "cannot read: " + e.getMessage(), e);
        }
        return decode(data, file.toString(), exifTranspose);
    }

    /** Decodes an encoded image; {@code source} names it in error messages (a file name or a URL). */
    public static RgbImage decode(byte[] data, String source) {
        return decode(data, source, false);
    }

    /** Decodes an encoded image and, with {@code exifTranspose}, applies its EXIF orientation. */
    public static RgbImage decode(byte[] data, String source, boolean exifTranspose) {
        RgbImage img = decodeAsStored(data, source);
        return exifTranspose ? ExifOrientation.apply(img, ExifOrientation.read(data, sniff(data))) : img;
    }

    private static RgbImage decodeAsStored(byte[] data, String source) {
        return switch (sniff(data)) {
            case PNG -> PngReader.decode(data, source);
            case JPEG -> JpegDecoder.decode(data, source);
            case EMPTY -> throw new ImageFormatException(source, "empty file (expected a PNG or JPEG image)");
            case UNKNOWN -> throw new ImageFormatException(source, "not a PNG or JPEG image (the file starts with "
                    + hex(data, 8) + ")");
            default -> throw new ImageFormatException(source, sniff(data).label
                    + " images are not supported; convert the file to PNG or JPEG");
        };
    }

    /** What the first bytes of a file say it is. */
    enum Format {
        PNG("PNG"), JPEG("JPEG"), GIF("GIF"), BMP("BMP"), WEBP("WebP"), TIFF("TIFF"), EMPTY("empty"),
        UNKNOWN("unknown");

        final String label;

        Format(String label) {
            this.label = label;
        }
    }

    static Format sniff(byte[] d) {
        if (d.length == 0) {
            return Format.EMPTY;
        }
        if (startsWith(d, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            return Format.PNG;
        }
        if (startsWith(d, 0xFF, 0xD8, 0xFF)) {
            return Format.JPEG;
        }
        if (startsWith(d, 'G', 'I', 'F', '8')) {
            return Format.GIF;
        }
        if (startsWith(d, 'B', 'M')) {
            return Format.BMP;
        }
        if (startsWith(d, 'R', 'I', 'F', 'F') && d.length >= 12 && d[8] == 'W' && d[9] == 'E' && d[10] == 'B'
                && d[11] == 'P') {
            return Format.WEBP;
        }
        if (startsWith(d, 'I', 'I', 42, 0) || startsWith(d, 'M', 'M', 0, 42)) {
            return Format.TIFF;
        }
        return Format.UNKNOWN;
    }

    private static boolean startsWith(byte[] d, int... prefix) {
        if (d.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if ((d[i] & 0xFF) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static String hex(byte[] d, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(n, d.length); i++) {
            sb.append(String.format("%02x ", d[i] & 0xFF));
        }
        return sb.toString().trim();
    }
}
