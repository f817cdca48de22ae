package org.urbangraph.ugdata.photo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Tells whether a photo is a complete JPEG or PNG image by decoding all of it with the JDK's image readers
 * ({@code javax.imageio}): a file that exists is not yet a photo. A text file, an image in another format, a
 * truncated file (even one whose EXIF header is intact) or damaged compressed data is unreadable.
 *
 * <p>JPEG data is decoded to a raster without colour conversion (so CMYK photos pass); the JPEG reader's warnings
 * that the data ended early or is corrupt count as unreadable, harmless ones (an invalid embedded colour profile,
 * extraneous bytes before a marker) do not. Thread-safe: each call uses its own reader.
 */
public final class PhotoDecoder {
    private PhotoDecoder() {}

    /** Pillow's decompression-bomb limit, which the models' image decoder applies too: 2 x 89,478,485 pixels. */
    static final long MAX_PIXELS = 2L * 89_478_485;

    /** Null when the file decodes as a complete JPEG or PNG image, otherwise why it does not. */
    public static String problem(Path file) {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                return "cannot open the file";
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                return "not an image (neither JPEG nor PNG data)";
            }
            ImageReader reader = readers.next();
            try {
                String format = reader.getFormatName().toLowerCase(Locale.ROOT);
                if (!format.equals("jpeg") && !format.equals("png")) {
                    return "a " + format.toUpperCase(Locale.ROOT) + " image; photos must be JPEG or PNG";
                }
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                reader.setInput(in, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > MAX_PIXELS) {
                    return pixels + " pixels, more than the " + MAX_PIXELS + " an image may have (the models' "
                            + "decoder, like Pillow, refuses larger ones as decompression bombs)";
                }
                if (reader.canReadRaster()) {
                    reader.readRaster(0, null);
                } else {
                    reader.read(0);
                }
                for (String w : warnings) {
                    if (damaged(w)) {
                        return "damaged " + format.toUpperCase(Locale.ROOT) + " data (" + w + ")";
                    }
                }
                return null;
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            // IIOException for broken data; decoders throw runtime exceptions on some malformed input
            String m = e.getMessage();
            return "cannot be decoded (" + (m == null || m.isBlank() ? e.getClass().getSimpleName() : m) + ")";
        }
    }

    /** True for a decoder warning that the data is cut short or corrupt (libjpeg's wording). */
    static boolean damaged(String warning) {
        String w = warning.toLowerCase(Locale.ROOT);
        return w.contains("truncated") || w.contains("premature end")
                || (w.contains("corrupt") && !w.contains("extraneous bytes"));
    }
}
