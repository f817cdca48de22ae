package org.urbangraph.vlm.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.urbangraph.tensor.io.SafetensorsFile;
import org.urbangraph.testkit.Approx;
import org.urbangraph.testkit.Fixtures;

/** LlavaNextImageProcessor against the golden runs (tiny112, hub336) and the token counts the model packs. */
class LlavaNextImageProcessorGoldenTest {

    private static final SafetensorsFile GOLDEN = GoldenProcessorFiles.processor("llava_next_mistral");
    private static final String MODEL = "llava_next_mistral";

    /** llava-hf/llava-v1.6-mistral-7b-hf's processor settings. */
    static LlavaNextImageProcessor.Config hub336() throws Exception {
        String json = """
                {"crop_size": {"height": 336, "width": 336}, "do_center_crop": true, "do_convert_rgb": true,
                 "do_normalize": true, "do_pad": true, "do_rescale": true, "do_resize": true,
                 "image_grid_pinpoints": [[336, 672], [672, 336], [672, 672], [1008, 336], [336, 1008]],
                 "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_processor_type": "LlavaNextImageProcessor",
                 "image_std": [0.26862954, 0.26130258, 0.27577711], "resample": 3,
                 "rescale_factor": 0.00392156862745098, "size": {"shortest_edge": 336}}""";
        return LlavaNextImageProcessor.Config.fromJson(new ObjectMapper().readTree(json), "hub336");
    }

    static LlavaNextImageProcessor.Config tiny112() {
        return LlavaNextImageProcessor.Config.read(Fixtures.golden(MODEL, "preprocessor_config.json"));
    }

    private static LlavaNextImageProcessor processor(String run) throws Exception {
        return new LlavaNextImageProcessor(run.equals("hub336") ? hub336() : tiny112());
    }

    private static List<RgbImage> images() {
        return List.of(GoldenProcessorFiles.imageA(MODEL), GoldenProcessorFiles.imageB(MODEL));
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny112", "hub336"})
    void tilesAreBitExact(String run) throws Exception {
        LlavaNextImageProcessor.Uint8Output out = processor(run).preprocessUint8(images());
        String key = run + ".pixel_values_unnormalized_uint8";
        int[] shape = GoldenProcessorFiles.shape(GOLDEN, key);
        assertArrayEquals(shape, new int[] {out.images(), out.maxTiles(), 3, out.tileHeight(), out.tileWidth()},
                key + " shape");
        byte[] expected = GoldenProcessorFiles.u8(GOLDEN, key);
        int d = GoldenProcessorFiles.firstDiff(expected, out.pixelValues());
        assertEquals(-1, d, key + ": first differing byte at " + d);

        long[] sizes = GoldenProcessorFiles.i64(GOLDEN, run + ".image_sizes");
        assertArrayEquals(sizes, new long[] {out.imageSizes()[0][0], out.imageSizes()[0][1], out.imageSizes()[1][0],
                out.imageSizes()[1][1]}, run + ".image_sizes");
    }

    @Test
    void tiny112NormalisedValuesMatchGoldenAndReference() {
        LlavaNextImageProcessor.Output out = new LlavaNextImageProcessor(tiny112()).preprocess(images());
        assertArrayEquals(new int[] {3, 5}, out.tiles());
        float[] golden = GoldenProcessorFiles.f32(GOLDEN, "tiny112.pixel_values");
        Approx.assertClose("tiny112.pixel_values", golden, out.pixelValues(), 1e-6, 0);
        assertEquals(0.0, Approx.maxAbsDiff(golden, out.pixelValues()), "tiny112.pixel_values max abs diff");
        float[] reference = SafetensorsFile.open(Fixtures.golden(MODEL, "reference.safetensors"))
                .tensor("pixel_values").toFloatArray();
        assertEquals(0.0, Approx.maxAbsDiff(reference, out.pixelValues()), "reference pixel_values");
        assertArrayEquals(new int[] {2, 5, 3, 112, 112}, out.pixelValuesTensor().shape());
    }

    @Test
    void tokenCountsMatchTheModelsFeatureLengths() throws Exception {
        long[] featureLens = SafetensorsFile.open(Fixtures.golden(MODEL, "reference.safetensors"))
                .tensor("vision.feature_lens").toLongArray();
        LlavaNextImageProcessor.Config tiny = tiny112();
        List<RgbImage> imgs = images();
        for (int i = 0; i < 2; i++) {
            RgbImage im = imgs.get(i);
            int n = AnyRes.imageTokens(im.height(), im.width(), tiny.gridPinpoints(), 112, 112, 14, false);
            assertEquals(featureLens[i], n, "tiny112 image " + i);
        }
        LlavaNextImageProcessor.Config hub = hub336();
        int[] expected = {1320, 1464};
        for (int i = 0; i < 2; i++) {
            RgbImage im = imgs.get(i);
            assertEquals(expected[i], AnyRes.imageTokens(im.height(), im.width(), hub.gridPinpoints(), 336, 336, 14,
                    false), "hub336 image " + i);
            assertEquals(expected[i] + 1, AnyRes.imageTokens(im.height(), im.width(), hub.gridPinpoints(), 336, 336,
                    14, true), "hub336 image " + i + " with CLS kept");
        }
    }

    @Test
    void anyResArithmeticFollowsPython() {
        int[][] pins = {{336, 672}, {672, 336}, {672, 672}, {1008, 336}, {336, 1008}};
        // values from transformers' select_best_resolution / get_patch_output_size run in Python
        assertArrayEquals(new int[] {336, 672}, AnyRes.selectBestResolution(80, 100, pins));
        assertArrayEquals(new int[] {672, 672}, AnyRes.selectBestResolution(768, 1024, pins));
        assertArrayEquals(new int[] {336, 672}, AnyRes.selectBestResolution(100, 400, pins));
        assertArrayEquals(new int[] {538, 672}, AnyRes.patchOutputSize(80, 100, 672, 672));
        assertArrayEquals(new int[] {504, 672}, AnyRes.patchOutputSize(768, 1024, 672, 672));
        assertEquals(4, AnyRes.round7ToInt(3.99999999));
        assertEquals(3, AnyRes.round7ToInt(3.9999999));
        assertEquals(2, AnyRes.round7ToInt(2.99999994));
        // 2.99999995 is stored just below the half, so it rounds down
        assertEquals(2, AnyRes.round7ToInt(2.99999995));
    }

    @Test
    void centreCropPadsWithZerosLikeTransformers() {
        byte[] px = new byte[5 * 3 * 3];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i + 1);
        }
        RgbImage img = new RgbImage(5, 3, px);
        // crop 4x6 (h x w) from 3x5: height padded (top 1 pad... python: top=(3-4)//2=-1), width too
        RgbImage c = LlavaNextImageProcessor.centerCrop(img, 4, 6);
        assertEquals(6, c.width());
        assertEquals(4, c.height());
        // new canvas 4x6, top_pad = ceil(1/2) = 1, left_pad = ceil(1/2) = 1; crop rows 0..4, cols 0..6
        assertEquals(0, c.get(0, 0, 0));
        assertEquals(img.get(0, 0, 0), c.get(1, 1, 0));
        assertEquals(img.get(4, 2, 2), c.get(5, 3, 2));
        RgbImage inner = LlavaNextImageProcessor.centerCrop(img, 1, 3);
        assertEquals(img.get(1, 1, 0), inner.get(0, 0, 0));
    }

    @Test
    void badConfigsNameTheFileAndKey() {
        ObjectMapper m = new ObjectMapper();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                LlavaNextImageProcessor.Config.fromJson(m.readTree("{\"size\": {\"longest\": 3}}"), "cfg.json"));
        assertEquals(true, e.getMessage().startsWith("cfg.json: 'size'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () ->
                LlavaNextImageProcessor.Config.fromJson(m.readTree("{\"image_grid_pinpoints\": [[1]]}"), "cfg.json"));
        assertEquals(true, e.getMessage().contains("image_grid_pinpoints[0]"), e.getMessage());
        // tiles are crop_size['height'] squares: a pinpoint must be a whole multiple of it, at least one tile
        e = assertThrows(IllegalArgumentException.class, () -> LlavaNextImageProcessor.Config.fromJson(m.readTree(
                "{\"crop_size\": 112, \"image_grid_pinpoints\": [[224, 112], [150, 300]]}"), "cfg.json"));
        assertEquals("cfg.json: 'image_grid_pinpoints[1]' [150, 300] must be positive multiples of crop_size's "
                + "height 112 (the tile side)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LlavaNextImageProcessor.Config.fromJson(m.readTree(
                "{\"crop_size\": {\"height\": 112, \"width\": 112}, \"image_grid_pinpoints\": [[56, 112]]}"),
                "cfg.json"));
        assertEquals("cfg.json: 'image_grid_pinpoints[0]' [56, 112] must be positive multiples of crop_size's "
                + "height 112 (the tile side)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LlavaNextImageProcessor.Config.fromJson(m.readTree(
                "{\"crop_size\": 112, \"image_grid_pinpoints\": [[224.5, 112]]}"), "cfg.json"));
        assertEquals("cfg.json: 'image_grid_pinpoints[0]' must be [height, width] in whole pixels, got [224.5,112]",
                e.getMessage());
        // the default crop_size (224) with the default pinpoints (multiples of 336) cannot be cut into whole tiles
        e = assertThrows(IllegalArgumentException.class, () ->
                LlavaNextImageProcessor.Config.fromJson(m.readTree("{}"), "cfg.json"));
        assertEquals(true, e.getMessage().startsWith("cfg.json: 'image_grid_pinpoints[0]' [336, 672]"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () ->
                LlavaNextImageProcessor.Config.fromJson(m.readTree("{\"resample\": 1}"), "cfg.json"));
        assertEquals(true, e.getMessage().startsWith("cfg.json: resample 1"), e.getMessage());
    }
}
