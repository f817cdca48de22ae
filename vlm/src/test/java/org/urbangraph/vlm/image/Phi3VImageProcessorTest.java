package org.urbangraph.vlm.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.urbangraph.testkit.Approx;
import org.urbangraph.testkit.Fixtures;

/**
 * Phi3VImageProcessor against the steps of image_processing_phi3_v.py, on known images (no numerical golden exists
 * for this processor): the HD sizes and token counts worked out by hand from the reference formulas, the white
 * padding rows, the crop order, the transpose of portrait images, the global image as PyTorch's bicubic of the
 * normalised HD image, and the zero pad slots.
 */
class Phi3VImageProcessorTest {

    static Phi3VImageProcessor released() throws Exception {
        String json = """
                {"image_mean": [0.48145466, 0.4578275, 0.40821073], "image_processor_type": "Phi3VImageProcessor",
                 "image_std": [0.26862954, 0.26130258, 0.27577711], "num_crops": 16, "num_img_tokens": 144,
                 "processor_class": "Phi3VProcessor"}""";
        return new Phi3VImageProcessor(Phi3VImageProcessor.Config.fromJson(new ObjectMapper().readTree(json),
                "preprocessor_config.json"));
    }

    static Phi3VImageProcessor crops(int n) throws Exception {
        Phi3VImageProcessor.Config c = released().config();
        return new Phi3VImageProcessor(new Phi3VImageProcessor.Config(n, c.mean(), c.std(), 336));
    }

    @Test
    void hdSizesAndTokenCountsFollowTheReferenceFormulas() throws Exception {
        Phi3VImageProcessor p = released();
        // 100x80: ratio 1.25, largest scale with scale * ceil(scale / 1.25) <= 16 is 4 -> 1344 x int(1075.2) = 1075,
        // padded to 1344
        assertArrayEquals(new int[] {1344, 1344}, p.hdSize(100, 80));
        assertArrayEquals(new int[] {1344, 1344}, p.hdSize(80, 100));
        assertEquals(2509, p.imageTokensFor(100, 80), "(16 + 1) * 144 + 1 + (4 + 1) * 12");
        // 1000x300: ratio 10/3, scale 6 (7 * ceil(2.1) = 21 > 16) -> 2016 x int(604.8) = 604, padded to 672
        assertArrayEquals(new int[] {672, 2016}, p.hdSize(1000, 300));
        assertArrayEquals(new int[] {2016, 672}, p.hdSize(300, 1000));
        assertEquals(1909, p.imageTokensFor(1000, 300), "(2 * 6 + 1) * 144 + 1 + (2 + 1) * 12");
        // a square image: scale 4 -> 1344 x 1344, no padding
        assertArrayEquals(new int[] {1344, 1344}, p.hdSize(500, 500));
        // the class default of 1 crop: everything becomes one 336-wide strip
        assertArrayEquals(new int[] {336, 336}, crops(1).hdSize(640, 480));
        assertEquals(Phi3VImageProcessor.imageTokens(336, 336, 336, 12), 2 * 144 + 1 + 2 * 12);
    }

    static float norm(Phi3VImageProcessor p, int u8, int c) {
        return ((float) u8 / 255f - p.config().mean()[c]) / p.config().std()[c];
    }

    /** The normalised HD image as planes [3][H][W], computed directly from its 8-bit pixels. */
    static float[] planes(Phi3VImageProcessor p, RgbImage hd) {
        int plane = hd.width() * hd.height();
        float[] out = new float[3 * plane];
        for (int y = 0; y < hd.height(); y++) {
            for (int x = 0; x < hd.width(); x++) {
                for (int c = 0; c < 3; c++) {
                    out[c * plane + y * hd.width() + x] = norm(p, hd.get(x, y, c), c);
                }
            }
        }
        return out;
    }

    @Test
    void gradientImageIsResizedPaddedWhiteAndCutRowMajor() throws Exception {
        Phi3VImageProcessor p = crops(4);
        RgbImage a = Images.read(Fixtures.golden("llava_next_mistral", "image_a_gradient_100x80.png"));
        // 100x80 with 4 crops: scale 2 -> 672 x int(537.6) = 537, padded to 672 with 67 rows on top, 68 below
        RgbImage hd = p.hdTransform(a);
        assertEquals(672, hd.width());
        assertEquals(672, hd.height());
        RgbImage resized = Resample.resize(a, 672, 537, Resample.Filter.BILINEAR);
        assertEquals(resized, hd.crop(0, 67, 672, 537), "the bilinear resize sits below 67 white rows");
        for (int y : new int[] {0, 66, 604, 671}) {
            for (int x = 0; x < 672; x += 37) {
                for (int c = 0; c < 3; c++) {
                    assertEquals(255, hd.get(x, y, c), "white padding at row " + y);
                }
            }
        }
        Phi3VImageProcessor.Output out = p.preprocess(List.of(a));
        assertArrayEquals(new int[][] {{672, 672}}, out.imageSizes());
        assertEquals(5, out.slots());
        assertEquals((4 + 1) * 144 + 1 + 3 * 12, out.imageTokens()[0]);
        float[] hdPlanes = planes(p, hd);
        int s = 336;
        for (int k = 1; k <= 4; k++) {
            int cy = (k - 1) / 2;
            int cx = (k - 1) % 2;
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < s; y += 5) {
                    for (int x = 0; x < s; x += 3) {
                        assertEquals(hdPlanes[(c * 672 + cy * s + y) * 672 + cx * s + x],
                                out.pixelValues()[(((k * 3) + c) * s + y) * s + x], "crop " + k);
                    }
                }
            }
        }
        assertEquals(norm(p, 255, 0), out.pixelValues()[3 * s * s], "crop 1 starts with a white row");
        double[] global = TorchBicubicTest.reference(hdPlanes, 3, 672, 672, s, s);
        Approx.assertClose("global image", global, java.util.Arrays.copyOfRange(out.pixelValues(), 0, 3 * s * s),
                1e-5, 1e-5);
    }

    @Test
    void wideAndTallImagesGiveTransposedLayoutsAndZeroPadSlots() throws Exception {
        Phi3VImageProcessor p = crops(4);
        SplittableRandom r = new SplittableRandom(3);
        byte[] px = new byte[200 * 60 * 3];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) r.nextInt(256);
        }
        RgbImage wide = new RgbImage(200, 60, px);
        RgbImage tall = wide.transpose();
        // ratio 10/3 with 4 crops: scale 3 -> 1008 x int(302.4) = 302, padded to 336
        RgbImage hdWide = p.hdTransform(wide);
        assertEquals(1008, hdWide.width());
        assertEquals(336, hdWide.height());
        assertEquals(hdWide.transpose(), p.hdTransform(tall), "a portrait image is processed transposed");
        Phi3VImageProcessor.Output out = p.preprocess(List.of(wide, tall));
        assertArrayEquals(new int[][] {{336, 1008}, {1008, 336}}, out.imageSizes());
        int crop = 3 * 336 * 336;
        float[] v = out.pixelValues();
        for (int img = 0; img < 2; img++) {
            // global + 3 crops, then one zero slot
            for (int i = 4 * crop; i < 5 * crop; i++) {
                if (v[(img * 5) * crop + i] != 0f) {
                    throw new AssertionError("pad slot of image " + img + " is not zero at " + i);
                }
            }
        }
        float[] wideP = planes(p, hdWide);
        float[] tallP = planes(p, hdWide.transpose());
        for (int k = 0; k < 3; k++) {
            for (int y = 0; y < 336; y += 7) {
                for (int x = 0; x < 336; x += 11) {
                    // wide image: crops side by side; tall image: crops stacked
                    assertEquals(wideP[y * 1008 + k * 336 + x], v[(1 + k) * crop + y * 336 + x], "wide crop " + k);
                    assertEquals(tallP[(k * 336 + y) * 336 + x], v[(5 + 1 + k) * crop + y * 336 + x], "tall crop " + k);
                }
            }
        }
    }

    /**
     * 7 images of 1001 slots of 3x336x336 are 2,373,186,816 values: the int product wrapped to -1,921,780,480 (a
     * NegativeArraySizeException); it is now refused with the sizes before any image is processed.
     */
    @Test
    void aBatchTooLargeForOneArrayIsRefusedWithItsSizes() throws Exception {
        Phi3VImageProcessor p = crops(1000);
        List<RgbImage> images = java.util.Collections.nCopies(7, new RgbImage(1, 1, new byte[3]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.preprocess(images));
        assertEquals("7 images of 1001 crop slots (num_crops 1000 + the global image) of 3x336x336 hold more than "
                + "2147483647 values, more than one array can; preprocess fewer images at a time", e.getMessage());
    }

    @Test
    void badConfigsNameTheFile() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Phi3VImageProcessor.Config
                .fromJson(new ObjectMapper().readTree("{\"num_crops\": 0}"), "pp.json"));
        assertTrue(e.getMessage().contains("pp.json") && e.getMessage().contains("num_crops"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Phi3VImageProcessor.Config
                .fromJson(new ObjectMapper().readTree("{\"image_processor_type\": \"CLIPImageProcessor\"}"), "pp.json"));
        assertTrue(e.getMessage().contains("Phi3VImageProcessor"), e.getMessage());
        // the normalisation's own checks are reported against the file as well
        e = assertThrows(IllegalArgumentException.class, () -> Phi3VImageProcessor.Config
                .fromJson(new ObjectMapper().readTree("{\"image_std\": [0, 1, 1]}"), "pp.json"));
        assertEquals("pp.json: image_std must be non-zero, got 0.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Phi3VImageProcessor.Config
                .fromJson(new ObjectMapper().readTree("{\"image_std\": [1, 1]}"), "pp.json"));
        assertTrue(e.getMessage().startsWith("pp.json: 'image_std' must be a list of 3 numbers"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> released().hdTransform(new RgbImage(20000, 1,
                new byte[20000 * 3])));
        assertTrue(e.getMessage().contains("20000x1"), e.getMessage());
    }
}
