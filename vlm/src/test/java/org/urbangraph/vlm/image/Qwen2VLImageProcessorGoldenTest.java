package org.urbangraph.vlm.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.urbangraph.tensor.io.SafetensorsFile;
import org.urbangraph.testkit.Approx;
import org.urbangraph.testkit.Fixtures;

/** Qwen2VLImageProcessor against the three golden runs: resized pixels and patch rows exact, values within 1e-6. */
class Qwen2VLImageProcessorGoldenTest {

    private static final SafetensorsFile GOLDEN = GoldenProcessorFiles.processor("qwen2_vl");

    private static Qwen2VLImageProcessor processor(String run) {
        Qwen2VLImageProcessor.Config base =
                Qwen2VLImageProcessor.Config.read(Fixtures.golden("qwen2_vl", "preprocessor_config.json"));
        return new Qwen2VLImageProcessor(switch (run) {
            case "default" -> base;
            case "max_pixels_12544" -> base.withPixels(base.minPixels(), 12544);
            case "min_pixels_18816" -> base.withPixels(18816, base.maxPixels());
            default -> throw new IllegalArgumentException(run);
        });
    }

    private static List<RgbImage> images() {
        return List.of(GoldenProcessorFiles.imageA("qwen2_vl"), GoldenProcessorFiles.imageB("qwen2_vl"));
    }

    @Test
    void pngDecodeEqualsPillow() {
        for (String model : List.of("qwen2_vl", "llava_next_mistral")) {
            SafetensorsFile f = GoldenProcessorFiles.processor(model);
            RgbImage a = GoldenProcessorFiles.imageA(model);
            RgbImage b = GoldenProcessorFiles.imageB(model);
            assertEquals(100, a.width());
            assertEquals(80, a.height());
            assertEquals(300, b.width());
            assertEquals(200, b.height());
            assertArrayEquals(GoldenProcessorFiles.u8(f, "image_a.rgb_uint8"), a.pixels(), model + " image a");
            assertArrayEquals(GoldenProcessorFiles.u8(f, "image_b.rgb_uint8"), b.pixels(), model + " image b");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "max_pixels_12544", "min_pixels_18816"})
    void resizedPixelsAreBitExact(String run) {
        Qwen2VLImageProcessor p = processor(run);
        List<RgbImage> imgs = images();
        String[] names = {"image_a", "image_b"};
        for (int i = 0; i < 2; i++) {
            String key = run + "." + names[i] + ".resized_uint8";
            int[] shape = GoldenProcessorFiles.shape(GOLDEN, key);
            RgbImage r = p.resize(imgs.get(i));
            assertEquals(shape[0], r.height(), key + " height");
            assertEquals(shape[1], r.width(), key + " width");
            byte[] expected = GoldenProcessorFiles.u8(GOLDEN, key);
            int d = GoldenProcessorFiles.firstDiff(expected, r.pixels());
            assertEquals(-1, d, key + ": first differing byte at " + d);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "max_pixels_12544", "min_pixels_18816"})
    void patchRowsGridsAndValuesMatch(String run) {
        Qwen2VLImageProcessor p = processor(run);
        Qwen2VLImageProcessor.Uint8Output u8 = p.preprocessUint8(images());
        int[] shape = GoldenProcessorFiles.shape(GOLDEN, run + ".pixel_values_unnormalized_uint8");
        assertEquals(shape[0], u8.rows());
        assertEquals(shape[1], u8.rowSize());
        byte[] expected = GoldenProcessorFiles.u8(GOLDEN, run + ".pixel_values_unnormalized_uint8");
        assertEquals(-1, GoldenProcessorFiles.firstDiff(expected, u8.pixelValues()), run + " patch rows");

        Qwen2VLImageProcessor.Output out = p.preprocess(images());
        long[] grid = GoldenProcessorFiles.i64(GOLDEN, run + ".image_grid_thw");
        long[] ours = new long[grid.length];
        for (int i = 0; i < out.grids().size(); i++) {
            Qwen2VLImageProcessor.Grid g = out.grids().get(i);
            ours[3 * i] = g.t();
            ours[3 * i + 1] = g.h();
            ours[3 * i + 2] = g.w();
            assertEquals(g.patches() / 4, out.imageTokens()[i]);
            assertEquals(out.imageTokens()[i], p.imageTokens(images().get(i).width(), images().get(i).height()));
        }
        assertArrayEquals(grid, ours, run + " image_grid_thw");
        float[] pv = GoldenProcessorFiles.f32(GOLDEN, run + ".pixel_values");
        Approx.assertClose(run + " pixel_values", pv, out.pixelValues(), 1e-6, 0);
        // The README states the normalisation is reproducible exactly; check that too.
        assertEquals(0.0, Approx.maxAbsDiff(pv, out.pixelValues()), run + " pixel_values max abs diff");
    }

    @Test
    void defaultRunHasTheDocumentedGrids() {
        Qwen2VLImageProcessor.Output out = processor("default").preprocess(images());
        assertEquals(List.of(new Qwen2VLImageProcessor.Grid(1, 6, 8), new Qwen2VLImageProcessor.Grid(1, 14, 22)),
                out.grids());
        assertArrayEquals(new int[] {12, 77}, out.imageTokens());
        assertEquals(356, out.rows());
        assertEquals(1176, out.rowSize());
        assertArrayEquals(new int[][] {{1, 6, 8}, {1, 14, 22}}, out.gridThw());
        assertArrayEquals(new int[] {356, 1176}, out.pixelValuesTensor().shape());
        // the golden model's input is the same tensor
        float[] reference = SafetensorsFile.open(Fixtures.golden("qwen2_vl", "reference.safetensors"))
                .tensor("pixel_values").toFloatArray();
        assertEquals(0.0, Approx.maxAbsDiff(reference, out.pixelValuesTensor().toFloatArray()));
    }

    @Test
    void configReadsBothHubLayouts() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper m = new com.fasterxml.jackson.databind.ObjectMapper();
        // the flat layout of the Qwen2-VL hub checkpoints
        Qwen2VLImageProcessor.Config flat = Qwen2VLImageProcessor.Config.fromJson(
                m.readTree("{\"min_pixels\": 3136, \"max_pixels\": 12845056, \"resample\": 3}"), "flat.json");
        assertEquals(3136, flat.minPixels());
        assertEquals(12845056, flat.maxPixels());
        // only the size dict (pixel counts)
        Qwen2VLImageProcessor.Config dict = Qwen2VLImageProcessor.Config.fromJson(
                m.readTree("{\"size\": {\"shortest_edge\": 200704, \"longest_edge\": 1003520}}"), "dict.json");
        assertEquals(200704, dict.minPixels());
        assertEquals(1003520, dict.maxPixels());
        // both: the flat keys win
        Qwen2VLImageProcessor.Config both = Qwen2VLImageProcessor.Config.fromJson(m.readTree(
                "{\"size\": {\"shortest_edge\": 1, \"longest_edge\": 2}, \"min_pixels\": 5000, \"max_pixels\": 9000}"),
                "both.json");
        assertEquals(5000, both.minPixels());
        assertEquals(9000, both.maxPixels());
        Qwen2VLImageProcessor.Config none = Qwen2VLImageProcessor.Config.fromJson(m.readTree("{}"), "none.json");
        assertEquals(Qwen2VLImageProcessor.Config.defaults(), none.withPixels(none.minPixels(), none.maxPixels()));
        assertEquals(3136, none.minPixels());
        assertEquals(1003520, none.maxPixels());
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Qwen2VLImageProcessor.Config.fromJson(m.readTree("{\"size\": {\"shortest_edge\": 4}}"),
                        "bad.json"));
        assertEquals(true, e.getMessage().startsWith("bad.json: 'size' must contain"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Qwen2VLImageProcessor.Config.fromJson(m.readTree("{\"image_std\": [1, 0, 1]}"), "std.json"));
        assertEquals(true, e.getMessage().startsWith("std.json: image_std must be non-zero"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({
        // height, width, min, max, expected h, expected w (smart_resize values computed with Python)
        "80, 100, 3136, 1003520, 84, 112",
        "200, 300, 3136, 1003520, 196, 308",
        "200, 300, 3136, 12544, 84, 112",
        "80, 100, 18816, 1003520, 140, 168",
        // 42/28 = 1.5 rounds to 2 and 70/28 = 2.5 rounds to 2 (half to even)
        "42, 70, 3136, 1003520, 56, 56",
        "768, 1024, 3136, 1003520, 756, 1036",
        "2448, 3264, 3136, 1003520, 840, 1148",
        "10, 10, 3136, 1003520, 56, 56",
    })
    void smartResizeMatchesPython(int h, int w, int min, int max, int eh, int ew) {
        assertArrayEquals(new int[] {eh, ew}, Qwen2VLImageProcessor.smartResize(h, w, 28, min, max));
    }
}
