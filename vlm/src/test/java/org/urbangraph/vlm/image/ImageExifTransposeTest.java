package org.urbangraph.vlm.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.urbangraph.vlm.image.EdgeFixtures.assertSamePixels;
import static org.urbangraph.vlm.image.EdgeFixtures.file;
import static org.urbangraph.vlm.image.EdgeFixtures.pillow;
import static org.urbangraph.vlm.image.EdgeFixtures.pillowExifTransposed;
import static org.urbangraph.vlm.image.EdgeFixtures.reference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code Images.read(f, true)} against Pillow's {@code ImageOps.exif_transpose(Image.open(f)).convert("RGB")}, and
 * {@code Images.read(f)} against plain {@code convert("RGB")} (no rotation), on {@code fixtures/images/edge}: a 13x6
 * JPEG with each of the 8 orientations, orientation 5 in a little-endian EXIF block, and a PNG with orientation 8 in
 * an {@code eXIf} chunk after its image data.
 */
class ImageExifTransposeTest {

    @ParameterizedTest
    @ValueSource(strings = {"exif1.jpg", "exif2.jpg", "exif3.jpg", "exif4.jpg", "exif5.jpg", "exif6.jpg", "exif7.jpg",
        "exif8.jpg", "exif5_little_endian.jpg", "exif8_after_idat.png"})
    void transposesAsPillow(String name) {
        assertSamePixels(name + " exif_transpose", pillowExifTransposed(name), Images.read(file(name), true));
        assertSamePixels(name + " as stored", pillow(name), Images.read(file(name)));
    }

    @Test
    void orientationsFiveToEightSwapWidthAndHeight() {
        for (int o = 1; o <= 8; o++) {
            String name = "exif" + o + ".jpg";
            assertEquals(o, reference(name).get("exif_orientation").intValue(), name);
            RgbImage img = Images.read(file(name), true);
            assertEquals(o >= 5 ? "6x13" : "13x6", img.width() + "x" + img.height(), name);
        }
    }

    /** A file without an orientation is read as stored, with or without the option. */
    @Test
    void noOrientationNoChange() {
        assertSamePixels("baseline.jpg", pillow("baseline.jpg"), Images.read(file("baseline.jpg"), true));
        assertSamePixels("gray2_trns.png", pillow("gray2_trns.png"), Images.read(file("gray2_trns.png"), true));
    }
}
