package org.urbangraph.vlm.image;

import static org.urbangraph.vlm.image.EdgeFixtures.assertDecodesAsPillow;
import static org.urbangraph.vlm.image.EdgeFixtures.assertRefused;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** PNG corner cases ({@code fixtures/images/edge}) against Pillow 9.4's {@code convert("RGB")}, every byte. */
class PngEdgeCasesTest {

    /**
     * With a {@code tRNS} chunk the JDK reader widens 1-, 2- and 4-bit gray to 8-bit gray + alpha: the levels must
     * not be scaled a second time (2-bit 1 is 85, not 85 * 85 mod 256).
     */
    @ParameterizedTest
    @ValueSource(strings = {"gray1_trns.png", "gray2_trns.png", "gray4_trns.png"})
    void lowBitGrayWithTransparency(String name) {
        assertDecodesAsPillow(name);
    }

    /**
     * Pillow stops after the image data and never asks for IEND: a file without it reads (one IDAT or several, a
     * palette image too, and one cut inside the CRC that follows complete image data).
     */
    @ParameterizedTest
    @ValueSource(strings = {"no_iend.png", "no_iend_two_idat.png", "palette_no_iend.png", "cut_in_idat_crc.png"})
    void missingIend(String name) {
        assertDecodesAsPillow(name);
    }

    /** A file cut short inside its image data is refused, as Pillow refuses it ("image file is truncated"). */
    @Test
    void cutInsideTheImageData() {
        assertRefused("cut_in_idat.png", "truncated PNG: the file ends inside its IDAT chunk");
    }

    /**
     * Indices past the PLTE entries: Pillow's palette starts as a grey ramp, so index i is (i, i, i); the JDK pads
     * the palette with black. 1-, 2- (with tRNS), 4- and 8-bit palettes.
     */
    @ParameterizedTest
    @ValueSource(strings = {"palette1_short.png", "palette2_short.png", "palette4_short.png", "palette8_short.png"})
    void indicesPastThePalette(String name) {
        assertDecodesAsPillow(name);
    }
}
