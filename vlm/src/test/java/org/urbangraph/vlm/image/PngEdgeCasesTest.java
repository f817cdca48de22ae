package org.urbangraph.vlm.image;

import static org.urbangraph.vlm.image.EdgeFixtures.assertDecodesAsPillow;

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
}
