package org.urbangraph.vlm.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HexFormat;
import org.urbangraph.testkit.Fixtures;

/**
 * The edge-case images of {@code fixtures/images/edge} and what Pillow 9.4 made of each ({@code reference.json},
 * written by {@code fixtures/images/tools/make_edge_fixtures.py}): all RGB bytes of {@code convert("RGB")}, or the
 * exception Pillow raised, and {@code ImageOps.exif_transpose} where the file has an EXIF orientation.
 */
final class EdgeFixtures {
    private EdgeFixtures() {}

    private static JsonNode reference;

    static synchronized JsonNode reference(String name) {
        if (reference == null) {
            try {
                reference = new ObjectMapper().readTree(Fixtures.path("images", "edge", "reference.json").toFile());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        JsonNode r = reference.get("images").get(name);
        if (r == null) {
            throw new IllegalStateException("no reference for " + name + " in fixtures/images/edge/reference.json");
        }
        return r;
    }

    static Path file(String name) {
        return Fixtures.path("images", "edge", name);
    }

    /** Pillow's {@code Image.open(f).convert("RGB")} of the file; fails if Pillow refused it. */
    static RgbImage pillow(String name) {
        JsonNode r = reference(name);
        if (r.has("pillow_error")) {
            throw new IllegalStateException(name + ": Pillow refused it (" + r.get("pillow_error").textValue() + ")");
        }
        return image(r);
    }

    /** Pillow's {@code ImageOps.exif_transpose(Image.open(f)).convert("RGB")}. */
    static RgbImage pillowExifTransposed(String name) {
        return image(reference(name).get("exif_transpose"));
    }

    /** The exception Pillow raised on opening and converting the file, as "Type: message". */
    static String pillowError(String name) {
        JsonNode e = reference(name).get("pillow_error");
        if (e == null) {
            throw new IllegalStateException(name + ": Pillow read it");
        }
        return e.textValue();
    }

    private static RgbImage image(JsonNode r) {
        return new RgbImage(r.get("width").intValue(), r.get("height").intValue(),
                HexFormat.of().parseHex(r.get("rgb").textValue()));
    }

    /** Decodes the file and compares every byte with Pillow's, naming the first difference. */
    static void assertDecodesAsPillow(String name) {
        assertSamePixels(name, pillow(name), Images.read(file(name)));
    }

    static void assertSamePixels(String what, RgbImage expected, RgbImage actual) {
        assertEquals(expected.width() + "x" + expected.height(), actual.width() + "x" + actual.height(),
                what + ": size");
        byte[] e = expected.pixels();
        byte[] a = actual.pixels();
        int d = GoldenProcessorFiles.firstDiff(e, a);
        assertEquals(-1, d, () -> what + ": pixel (" + (d / 3 % expected.width()) + ", " + (d / 3 / expected.width())
                + ") channel " + d % 3 + " differs: Pillow " + (e[d] & 0xFF) + ", ours " + (a[d] & 0xFF));
    }

    /** Pillow refused the file, and so do we, with an error naming it and saying {@code expected}. */
    static ImageFormatException assertRefused(String name, String expected) {
        pillowError(name);
        Path f = file(name);
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> Images.read(f));
        assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), "'" + e.getMessage() + "' should say '" + expected + "'");
        return e;
    }
}
