package org.urbangraph.vlm.llava;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.tensor.nn.Activation;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.vlm.clip.ClipVisionConfig;
import org.urbangraph.vlm.config.ConfigException;

/** Both config layouts, the defaults a hub config relies on, and errors that name the file and the key. */
class LlavaNextConfigTest {

    @TempDir
    Path tmp;

    @Test
    void bothGoldenLayoutsGiveTheSameModel() {
        LlavaNextConfig a = LlavaNextConfig.read(Fixtures.golden("llava_next_mistral", "config.json"));
        LlavaNextConfig b = LlavaNextConfig.read(Fixtures.golden("llava_next_mistral", "config_hub_style.json"));
        assertEquals(a.text(), b.text());
        assertEquals(a.vision(), b.vision());
        assertEquals(a.imageTokenIndex(), b.imageTokenIndex());
        assertArrayEquals(a.imageGridPinpoints(), b.imageGridPinpoints());
        assertArrayEquals(a.visionFeatureLayers(), b.visionFeatureLayers());
        assertEquals(64, a.text().hiddenSize());
        assertEquals(2, a.text().numKvHeads());
        assertEquals(16, a.text().headDim());
        assertEquals(1e-5, a.text().rmsNormEps());
        assertEquals(1e6, a.text().ropeTheta());
        assertEquals(0, a.text().slidingWindow(), "sliding_window null means none");
        assertEquals(new ClipVisionConfig(32, 64, 3, 2, 3, 112, 14, Activation.QUICK_GELU, 1e-5), a.vision());
        assertEquals(500, a.imageTokenIndex());
        assertArrayEquals(new int[] {-2}, a.visionFeatureLayers());
        assertEquals(Activation.GELU, a.projectorAct());
    }

    /** llava-hf/llava-v1.6-mistral-7b-hf's config.json: most text keys are left to MistralConfig's defaults. */
    static final String HUB_7B = """
            {"architectures": ["LlavaNextForConditionalGeneration"], "ignore_index": -100,
             "image_grid_pinpoints": [[336, 672], [672, 336], [672, 672], [1008, 336], [336, 1008]],
             "image_token_index": 32000, "model_type": "llava_next", "projector_hidden_act": "gelu",
             "text_config": {"_name_or_path": "mistralai/Mistral-7B-Instruct-v0.2",
               "architectures": ["MistralForCausalLM"], "intermediate_size": 14336, "max_position_embeddings": 32768,
               "model_type": "mistral", "num_key_value_heads": 8, "rms_norm_eps": 1e-05, "rope_theta": 1000000.0,
               "sliding_window": null, "torch_dtype": "bfloat16", "vocab_size": 32064},
             "torch_dtype": "float16", "use_image_newline_parameter": true,
             "vision_config": {"hidden_size": 1024, "image_size": 336, "intermediate_size": 4096,
               "model_type": "clip_vision_model", "num_attention_heads": 16, "num_hidden_layers": 24,
               "patch_size": 14, "projection_dim": 768, "vocab_size": 32000},
             "vision_feature_layer": -2, "vision_feature_select_strategy": "default", "vocab_size": 32064}""";

    Path write(String json) throws IOException {
        Path f = tmp.resolve("config.json");
        Files.writeString(f, json);
        return f;
    }

    @Test
    void hubConfigOfTheReleasedModelTakesMistralDefaults() throws IOException {
        LlavaNextConfig c = LlavaNextConfig.read(write(HUB_7B));
        assertEquals(4096, c.text().hiddenSize());
        assertEquals(32, c.text().numLayers());
        assertEquals(32, c.text().numHeads());
        assertEquals(8, c.text().numKvHeads());
        assertEquals(128, c.text().headDim());
        assertEquals(14336, c.text().intermediateSize());
        assertEquals(32064, c.text().vocabSize());
        assertEquals(1e-5, c.text().rmsNormEps());
        assertEquals(0, c.text().slidingWindow());
        assertEquals(Activation.SILU, c.text().hiddenAct());
        assertEquals(ClipVisionConfig.VIT_L_14_336, c.vision());
        assertEquals(32000, c.imageTokenIndex());
        assertEquals(3, c.tiles(200, 300), "a small 3:2 image fits every pinpoint whole; 336x672 wastes least");
        assertEquals(5, c.tiles(700, 700), "a large square image gets the 672x672 pinpoint: 4 grid tiles and the base");
    }

    @Test
    void absentSlidingWindowTakesMistralsDefault() throws IOException {
        LlavaNextConfig c = LlavaNextConfig.read(write(HUB_7B.replace("\"sliding_window\": null, ", "")));
        assertEquals(4096, c.text().slidingWindow());
    }

    /**
     * The processor cuts a pinpoint into image_size tiles stepping through it (a partial tile at the edge counts) and
     * the model divides it by image_size rounding down: [[150, 300], [300, 150]] on a 112-pixel tower gave 7 tiles
     * from the processor, 3 of which the model used, with a matching feature count. Pinpoints must be whole
     * multiples of the tower's image_size, at least one tile.
     */
    @Test
    void pinpointsMustBeWholeMultiplesOfTheTowerSize() throws IOException {
        String tiny = Files.readString(Fixtures.golden("llava_next_mistral", "config.json"))
                .replaceAll("\"image_grid_pinpoints\": \\[[^=]*?\\]\\s*\\],", "\"image_grid_pinpoints\": PINS,");
        assertTrue(tiny.contains("PINS"), tiny);
        Path f = write(tiny.replace("PINS", "[[224, 224], [112, 336]]"));
        assertArrayEquals(new int[][] {{224, 224}, {112, 336}}, LlavaNextConfig.read(f).imageGridPinpoints());
        assertEquals(1 + 2 * 2, LlavaNextConfig.read(f).tiles(200, 200));

        ConfigException e = assertThrows(ConfigException.class,
                () -> LlavaNextConfig.read(write(tiny.replace("PINS", "[[224, 224], [150, 300], [300, 150]]"))));
        assertEquals(f + ": key 'image_grid_pinpoints[1]': height 150 must be a positive multiple of the vision "
                + "tower's image_size 112 (the tile the processor cuts and the model counts), found [150,300]",
                e.getMessage());
        e = assertThrows(ConfigException.class,
                () -> LlavaNextConfig.read(write(tiny.replace("PINS", "[[56, 112]]"))));
        assertTrue(e.getMessage().startsWith(f + ": key 'image_grid_pinpoints[0]': height 56 must be a positive "
                + "multiple of the vision tower's image_size 112"), e.getMessage());
        e = assertThrows(ConfigException.class,
                () -> LlavaNextConfig.read(write(tiny.replace("PINS", "[[224, 0]]"))));
        assertTrue(e.getMessage().startsWith(f + ": key 'image_grid_pinpoints[0]': width 0 must be"), e.getMessage());
        // Jackson converts 336.7 to an int without complaint; a pinpoint is whole pixels
        e = assertThrows(ConfigException.class, () -> LlavaNextConfig.read(write(HUB_7B.replace(
                "[672, 336], [672, 672]", "[672, 336.7], [672, 672]"))));
        assertEquals(f + ": key 'image_grid_pinpoints[1]': expected whole pixels [height, width], found [672,336.7]",
                e.getMessage());
        // without image_grid_pinpoints the defaults (multiples of 336) must fit the tower too
        e = assertThrows(ConfigException.class, () -> LlavaNextConfig.read(write(HUB_7B
                .replace("\"image_grid_pinpoints\": [[336, 672], [672, 336], [672, 672], [1008, 336], [336, 1008]],", "")
                .replace("\"image_size\": 336", "\"image_size\": 224"))));
        assertTrue(e.getMessage().startsWith(f + ": key 'image_grid_pinpoints': missing, and LlavaNextConfig's "
                + "default pinpoints") && e.getMessage().contains("image_size 224"), e.getMessage());
        assertArrayEquals(LlavaNextConfig.DEFAULT_PINPOINTS, LlavaNextConfig.read(write(HUB_7B.replace(
                "\"image_grid_pinpoints\": [[336, 672], [672, 336], [672, 672], [1008, 336], [336, 1008]],", "")))
                .imageGridPinpoints());
    }

    /**
     * transformers' LlavaNextConfig replaces "image_grid_pinpoints": null with its default pinpoints, but keeps
     * "vision_feature_layer": null, on which get_image_features then fails (it iterates None): the first is read as
     * the defaults, the second is refused naming the file and the key.
     */
    @Test
    void nullPinpointsTakeTheDefaultsAndNullFeatureLayerIsRefused() throws IOException {
        LlavaNextConfig c = LlavaNextConfig.read(write(HUB_7B.replace(
                "\"image_grid_pinpoints\": [[336, 672], [672, 336], [672, 672], [1008, 336], [336, 1008]],",
                "\"image_grid_pinpoints\": null,")));
        assertArrayEquals(LlavaNextConfig.DEFAULT_PINPOINTS, c.imageGridPinpoints());

        Path f = tmp.resolve("config.json");
        ConfigException e = assertThrows(ConfigException.class, () -> LlavaNextConfig.read(write(HUB_7B.replace(
                "\"vision_feature_layer\": -2", "\"vision_feature_layer\": null"))));
        assertTrue(e.getMessage().startsWith(f + ": key 'vision_feature_layer': expected a layer index or a non-empty "
                + "list of them, found null"), e.getMessage());
    }

    /** A layer index that does not fit an int is refused, not wrapped (4294967294 would read as -2). */
    @Test
    void featureLayerMustFitAnInt() throws IOException {
        Path f = tmp.resolve("config.json");
        ConfigException e = assertThrows(ConfigException.class, () -> LlavaNextConfig.read(write(HUB_7B.replace(
                "\"vision_feature_layer\": -2", "\"vision_feature_layer\": 4294967294"))));
        assertEquals(f + ": key 'vision_feature_layer': expected an integer from -2147483648 to 2147483647, found "
                + "4294967294", e.getMessage());
        e = assertThrows(ConfigException.class, () -> LlavaNextConfig.read(write(HUB_7B.replace(
                "\"vision_feature_layer\": -2", "\"vision_feature_layer\": [-2, 4294967294]"))));
        assertEquals(f + ": key 'vision_feature_layer[1]': expected an integer from -2147483648 to 2147483647, "
                + "found 4294967294", e.getMessage());
        assertArrayEquals(new int[] {-2, -5}, LlavaNextConfig.read(write(HUB_7B.replace(
                "\"vision_feature_layer\": -2", "\"vision_feature_layer\": [-2, -5]"))).visionFeatureLayers());
    }

    @Test
    void badValuesNameTheFileAndTheKey() throws IOException {
        ConfigException e = assertThrows(ConfigException.class,
                () -> LlavaNextConfig.read(write(HUB_7B.replace("\"model_type\": \"llava_next\"", "\"model_type\": \"llava\""))));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("'model_type'"), e.getMessage());
        e = assertThrows(ConfigException.class,
                () -> LlavaNextConfig.read(write(HUB_7B.replace("\"model_type\": \"mistral\"", "\"model_type\": \"gemma\""))));
        assertTrue(e.getMessage().contains("text_config.model_type") && e.getMessage().contains("gemma"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> LlavaNextConfig.read(write(HUB_7B.replace(
                "\"vision_feature_select_strategy\": \"default\"", "\"vision_feature_select_strategy\": \"full\""))));
        assertTrue(e.getMessage().contains("vision_feature_select_strategy"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> LlavaNextConfig.read(write(HUB_7B.replace(
                "[1008, 336]", "[1008]"))));
        assertTrue(e.getMessage().contains("key 'image_grid_pinpoints[3]'") && e.getMessage().contains("[1008]"),
                e.getMessage());
        e = assertThrows(ConfigException.class, () -> LlavaNextConfig.read(write(HUB_7B.replace(
                "\"vision_feature_layer\": -2", "\"vision_feature_layer\": -30"))));
        assertTrue(e.getMessage().contains("vision_feature_layer"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> LlavaNextConfig.read(write(HUB_7B.replace(
                "\"num_key_value_heads\": 8", "\"num_key_value_heads\": 7"))));
        assertTrue(e.getMessage().contains("text_config.num_key_value_heads"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> LlavaNextConfig.read(write(HUB_7B.replace(
                "\"projector_hidden_act\": \"gelu\"", "\"projector_hidden_act\": \"swish2\""))));
        assertTrue(e.getMessage().contains("projector_hidden_act") && e.getMessage().contains("swish2"), e.getMessage());
    }
}
