package org.urbangraph.vlm.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.urbangraph.testkit.Fixtures;

/**
 * Every image under {@code fixtures/images} decodes to exactly what Pillow's {@code convert("RGB")} gave
 * ({@code reference.json}: size, SHA-256 of the RGB bytes, three 8x8 crops, written by
 * {@code fixtures/images/tools/make_fixtures.py}): real Lund photos, JPEG variants (every chroma sampling,
 * progressive, restarts, CMYK, YCCK, RGB, no JFIF, no Huffman tables, damaged files libjpeg recovers from, MPO)
 * and PNG variants (every colour type and bit depth).
 */
class DecodeAgainstPillowTest {

    static JsonNode reference() throws IOException {
        return new ObjectMapper().readTree(Fixtures.path("images", "reference.json").toFile());
    }

    static Stream<String> images() throws IOException {
        List<String> names = new ArrayList<>();
        reference().get("images").fieldNames().forEachRemaining(names::add);
        return names.stream();
    }

    @ParameterizedTest
    @MethodSource("images")
    void decodesAsPillowDoes(String name) throws Exception {
        JsonNode ref = reference().get("images").get(name);
        RgbImage img = Images.read(file(name));
        assertEquals(ref.get("width").intValue(), img.width(), name + " width");
        assertEquals(ref.get("height").intValue(), img.height(), name + " height");
        for (JsonNode crop : ref.get("crops")) {
            int x = crop.get("x").intValue();
            int y = crop.get("y").intValue();
            RgbImage ours = img.crop(x, y, crop.get("w").intValue(), crop.get("h").intValue());
            byte[] expected = HexFormat.of().parseHex(crop.get("rgb").textValue());
            int d = GoldenProcessorFiles.firstDiff(expected, ours.pixels());
            assertEquals(-1, d, () -> name + ": crop at (" + x + ", " + y + ") differs at byte " + d + ": Pillow "
                    + (expected[d] & 0xFF) + ", ours " + (ours.pixels()[d] & 0xFF));
        }
        assertEquals(ref.get("sha256").textValue(), sha256(img.pixels()), name + ": SHA-256 of the RGB bytes");
    }

    @Test
    void coversEveryKindOfFile() throws IOException {
        // guard against a regenerated reference that silently dropped variants
        Map<String, Integer> counts = new java.util.TreeMap<>();
        for (Iterator<String> it = reference().get("images").fieldNames(); it.hasNext(); ) {
            counts.merge(it.next().split("/")[0], 1, Integer::sum);
        }
        assertEquals(Map.of("jpeg", 26, "lund", 3, "png", 15), counts);
    }

    /** The real photos are the bundled Lund set of the data fixtures; the generated variants live beside the reference. */
    static java.nio.file.Path file(String name) {
        return name.startsWith("lund/") ? Fixtures.path("data", "images", name) : Fixtures.path("images", name);
    }

    static String sha256(byte[] b) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
