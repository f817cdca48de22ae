package org.urbangraph.vlm.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.urbangraph.testkit.Fixtures;

/**
 * Resample against Pillow's {@code Image.resize} on random noise of odd sizes (the hardest input for the
 * fixed-point rounding): up- and down-scaling on each axis, one axis only, down to 1x1, BICUBIC and BILINEAR.
 * The processor goldens check the same code on the golden images.
 */
class ResampleAgainstPillowTest {

    @Test
    void everyReferenceResizeIsBitExact() throws Exception {
        JsonNode resizes = DecodeAgainstPillowTest.reference().get("resizes");
        assertEquals(10, resizes.size());
        for (JsonNode r : resizes) {
            RgbImage in = Images.read(Fixtures.path("images", r.get("input").textValue()));
            Resample.Filter f = Resample.Filter.valueOf(r.get("filter").textValue());
            int w = r.get("width").intValue();
            int h = r.get("height").intValue();
            RgbImage out = Resample.resize(in, w, h, f);
            String what = in.width() + "x" + in.height() + " -> " + w + "x" + h + " " + f;
            assertEquals(w, out.width(), what);
            assertEquals(h, out.height(), what);
            byte[] corner = HexFormat.of().parseHex(r.get("crop_top_left").textValue());
            RgbImage ours = out.crop(0, 0, Math.min(4, w), Math.min(4, h));
            assertEquals(-1, GoldenProcessorFiles.firstDiff(corner, ours.pixels()), what + " top-left corner");
            assertEquals(r.get("sha256").textValue(), DecodeAgainstPillowTest.sha256(out.pixels()), what);
        }
    }

    @Test
    void sameSizeIsTheImageItselfAndBadSizesAreRejected() {
        RgbImage img = new RgbImage(3, 2, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18});
        assertSame(img, Resample.resize(img, 3, 2, Resample.Filter.BICUBIC));
        assertThrows(IllegalArgumentException.class, () -> Resample.resize(img, 0, 2, Resample.Filter.BICUBIC));
        assertThrows(IllegalArgumentException.class, () -> Resample.Filter.fromPilCode(1));
        assertEquals(Resample.Filter.BICUBIC, Resample.Filter.fromPilCode(3));
        assertEquals(Resample.Filter.BILINEAR, Resample.Filter.fromPilCode(2));
    }

    @Test
    void aConstantImageStaysConstant() {
        // weights sum to one in fixed point (up to rounding), so a flat image must come back flat at every size
        byte[] px = new byte[29 * 17 * 3];
        for (int i = 0; i < px.length; i += 3) {
            px[i] = (byte) 200;
            px[i + 1] = 7;
            px[i + 2] = (byte) 255;
        }
        RgbImage flat = new RgbImage(29, 17, px);
        for (Resample.Filter f : Resample.Filter.values()) {
            RgbImage out = Resample.resize(flat, 11, 40, f);
            for (int y = 0; y < out.height(); y++) {
                for (int x = 0; x < out.width(); x++) {
                    assertEquals(200, out.get(x, y, 0), f + " R at " + x + "," + y);
                    assertEquals(7, out.get(x, y, 1), f + " G at " + x + "," + y);
                    assertEquals(255, out.get(x, y, 2), f + " B at " + x + "," + y);
                }
            }
        }
    }
}
