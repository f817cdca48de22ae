package org.urbangraph.vlm.qwen2vl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.vlm.config.ConfigException;

/**
 * A Qwen2-VL / Qwen2.5-VL {@code config.json} with a value out of range is refused when it is read, with an error
 * that names the file, the key (nested keys with their parent) and the allowed range, instead of loading a model
 * that embeds every input as NaN, as the same vector, or fails later on a division by zero.
 */
class Qwen2VLConfigRangesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** The golden tiny model's config with {@code key} (dotted for nested keys) set to the JSON {@code value}. */
    private Path edited(String folder, String file, String key, String value) throws IOException {
        ObjectNode cfg = (ObjectNode) JSON.readTree(Fixtures.golden(folder, file).toFile());
        ObjectNode node = cfg;
        String[] parts = key.split("\\.");
        for (int i = 0; i < parts.length - 1; i++) {
            node = (ObjectNode) node.get(parts[i]);
        }
        JsonNode v = JSON.readTree(value);
        node.set(parts[parts.length - 1], v);
        Path out = dir.resolve("config.json");
        Files.writeString(out, JSON.writeValueAsString(cfg));
        return out;
    }

    private static void assertRefused(Path config, String key, String range) {
        ConfigException e = assertThrows(ConfigException.class, () -> Qwen2VLConfig.read(config));
        String m = e.getMessage();
        assertTrue(m.startsWith(config.toString()), m);
        assertTrue(m.contains("key '" + key + "'"), m);
        assertTrue(m.contains(range), m);
    }

    @ParameterizedTest(name = "{0} {1}: {2} = {3}")
    @CsvSource(delimiter = '|', value = {
        // the decoder, in the nested layout that save_pretrained writes
        "qwen2_vl   | config.json           | text_config.rms_norm_eps    | -1     | text_config.rms_norm_eps    | greater than 0",
        "qwen2_vl   | config.json           | text_config.rms_norm_eps    | 0      | text_config.rms_norm_eps    | greater than 0",
        "qwen2_5_vl | config.json           | text_config.rope_theta      | 0      | text_config.rope_theta      | greater than 0",
        "qwen2_5_vl | config.json           | text_config.rope_theta      | -5     | text_config.rope_theta      | greater than 0",
        "qwen2_vl   | config.json           | text_config.vocab_size      | 0      | text_config.vocab_size      | at least 1",
        "qwen2_vl   | config.json           | text_config.num_hidden_layers | 0    | text_config.num_hidden_layers | at least 1",
        "qwen2_vl   | config.json           | text_config.num_key_value_heads | 3  | text_config.num_key_value_heads | must divide",
        "qwen2_vl   | config.json           | text_config.rope_scaling.mrope_section | [-2, 5, 5] | text_config.rope_scaling.mrope_section | integers >= 0",
        // the decoder, in the flat hub layout
        "qwen2_vl   | config_hub_style.json | rms_norm_eps                | -1     | rms_norm_eps                | greater than 0",
        "qwen2_5_vl | config_hub_style.json | rope_theta                  | 0      | rope_theta                  | greater than 0",
        "qwen2_5_vl | config_hub_style.json | rope_theta                  | '\"a\"'| rope_theta                  | expected a number",
        // the vision tower
        "qwen2_5_vl | config.json           | vision_config.window_size   | 0      | vision_config.window_size   | at least 1",
        "qwen2_5_vl | config.json           | vision_config.window_size   | 13     | vision_config.window_size   | at least patch_size * spatial_merge_size = 28",
        "qwen2_5_vl | config.json           | vision_config.spatial_merge_size | 0 | vision_config.spatial_merge_size | at least 1",
        "qwen2_5_vl | config.json           | vision_config.patch_size    | 0      | vision_config.patch_size    | at least 1",
        "qwen2_5_vl | config.json           | vision_config.temporal_patch_size | 0 | vision_config.temporal_patch_size | at least 1",
        "qwen2_5_vl | config.json           | vision_config.in_channels   | 0      | vision_config.in_channels   | at least 1",
        "qwen2_5_vl | config.json           | vision_config.tokens_per_second | 0  | vision_config.tokens_per_second | at least 1",
        "qwen2_5_vl | config.json           | vision_config.fullatt_block_indexes | [2] | vision_config.fullatt_block_indexes | 0 to depth - 1 = 1",
        "qwen2_5_vl | config.json           | vision_config.fullatt_block_indexes | null | vision_config.fullatt_block_indexes | is null",
        "qwen2_5_vl | config.json           | vision_config.num_heads     | 3      | vision_config.hidden_size   | multiple of 4",
        "qwen2_5_vl | config.json           | vision_config.hidden_act    | '\"foo\"' | vision_config.hidden_act | unsupported activation 'foo'",
        "qwen2_vl   | config.json           | vision_config.spatial_merge_size | 0 | vision_config.spatial_merge_size | at least 1",
        "qwen2_vl   | config.json           | vision_config.patch_size    | 0      | vision_config.patch_size    | at least 1",
        "qwen2_vl   | config.json           | vision_config.temporal_patch_size | 0 | vision_config.temporal_patch_size | at least 1",
        "qwen2_vl   | config.json           | vision_config.mlp_ratio     | -4     | vision_config.mlp_ratio     | greater than 0",
        "qwen2_vl   | config.json           | vision_config.embed_dim     | 20     | vision_config.embed_dim     | multiple of 4",
        "qwen2_vl   | config.json           | vision_config.hidden_act    | '\"foo\"' | vision_config.hidden_act | unsupported activation 'foo'",
        // special tokens must be rows of the embedding table
        "qwen2_vl   | config.json           | image_token_id              | 999999 | image_token_id              | 0 to vocab_size - 1 = 511",
        "qwen2_vl   | config.json           | image_token_id              | -5     | image_token_id              | 0 to vocab_size - 1 = 511",
        "qwen2_5_vl | config.json           | vision_start_token_id       | 512    | vision_start_token_id       | 0 to vocab_size - 1 = 511",
    })
    void outOfRangeValuesAreRefusedNamingFileKeyAndRange(String folder, String file, String key, String value,
                                                          String reported, String range) throws IOException {
        assertRefused(edited(folder, file, key, value), reported, range);
    }

    /**
     * Next to mrope_section only plain M-RoPE ("mrope", or "default" as transformers rewrites it) is read; a scaled
     * type (transformers would apply YaRN or linear scaling) is refused, as is a rope_scaling with no type at all,
     * which transformers' rope_config_validation refuses for lack of 'rope_type'.
     */
    @ParameterizedTest(name = "{0} {1}: rope_scaling = {2}")
    @CsvSource(delimiter = '|', value = {
        "qwen2_vl   | config_hub_style.json | rope_scaling             | {\"type\":\"yarn\",\"mrope_section\":[2,3,3],\"factor\":4.0,\"original_max_position_embeddings\":32768} | rope_scaling | type 'yarn' is not supported next to mrope_section",
        "qwen2_5_vl | config_hub_style.json | rope_scaling             | {\"rope_type\":\"linear\",\"mrope_section\":[2,3,3],\"factor\":2.0} | rope_scaling | type 'linear' is not supported next to mrope_section",
        "qwen2_vl   | config.json           | text_config.rope_scaling | {\"type\":\"dynamic\",\"rope_type\":\"default\",\"mrope_section\":[2,3,3],\"factor\":2.0} | text_config.rope_scaling | type 'dynamic' is not supported",
        "qwen2_vl   | config_hub_style.json | rope_scaling             | {\"factor\":2.0}                    | rope_scaling | expected a \"type\" or \"rope_type\"",
        "qwen2_vl   | config_hub_style.json | rope_scaling             | {\"mrope_section\":[2,3,3]}         | rope_scaling | expected a \"type\" or \"rope_type\"",
        "qwen2_vl   | config_hub_style.json | rope_scaling             | {\"type\":7,\"mrope_section\":[2,3,3]} | rope_scaling.type | expected a string",
    })
    void ropeScalingTypeIsReadNextToMropeSection(String folder, String file, String key, String value,
                                                 String reported, String problem) throws IOException {
        assertRefused(edited(folder, file, key, value), reported, problem);
    }

    @ParameterizedTest(name = "rope_scaling = {0}")
    @CsvSource(delimiter = '|', value = {
        "{\"type\":\"mrope\",\"mrope_section\":[2,3,3]}",
        "{\"type\":\"default\",\"mrope_section\":[2,3,3]}",
        "{\"rope_type\":\"default\",\"mrope_section\":[2,3,3]}",
        "{\"rope_type\":\"mrope\",\"mrope_section\":[2,3,3]}",
    })
    void plainMropeTypesLoad(String value) throws IOException {
        Qwen2VLConfig cfg = Qwen2VLConfig.read(edited("qwen2_vl", "config_hub_style.json", "rope_scaling", value));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {2, 3, 3}, cfg.text().mropeSection());
    }

    /** The golden config with {@code keys} (dotted for nested keys) removed. */
    private Path without(String folder, String file, String... keys) throws IOException {
        ObjectNode cfg = (ObjectNode) JSON.readTree(Fixtures.golden(folder, file).toFile());
        for (String key : keys) {
            ObjectNode node = cfg;
            String[] parts = key.split("\\.");
            for (int i = 0; i < parts.length - 1; i++) {
                node = (ObjectNode) node.get(parts[i]);
            }
            node.remove(parts[parts.length - 1]);
        }
        Path out = dir.resolve("config.json");
        Files.writeString(out, JSON.writeValueAsString(cfg));
        return out;
    }

    /**
     * Keys a config leaves out take the defaults of transformers' Qwen2VLTextConfig / Qwen2_5_VLTextConfig
     * (rms_norm_eps 1e-5, rope_theta 1e6, num_key_value_heads 8, use_sliding_window False) and
     * Qwen2_5_VLVisionConfig (tokens_per_second 4, fullatt_block_indexes [7, 15, 23, 31], of which the blocks a
     * shallower tower lacks are never reached).
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"qwen2_vl, config_hub_style.json", "qwen2_vl, config.json", "qwen2_5_vl, config_hub_style.json",
        "qwen2_5_vl, config.json"})
    void missingKeysTakeTransformersDefaults(String folder, String file) throws IOException {
        boolean nested = file.equals("config.json");
        String t = nested ? "text_config." : "";
        java.util.List<String> keys = new java.util.ArrayList<>(java.util.List.of(t + "rms_norm_eps",
                t + "rope_theta", t + "use_sliding_window", "vision_config.tokens_per_second",
                "vision_config.fullatt_block_indexes"));
        if (nested) { // the top level is the text config's fallback
            keys.addAll(java.util.List.of("rms_norm_eps", "rope_theta", "use_sliding_window"));
        }
        Qwen2VLConfig c = Qwen2VLConfig.read(without(folder, file, keys.toArray(String[]::new)));
        assertEquals(1e-5, c.text().rmsNormEps());
        assertEquals(1e6, c.text().ropeTheta());
        assertEquals(0, c.text().slidingWindow(), "sliding_window is only used with use_sliding_window");
        if (folder.equals("qwen2_5_vl")) {
            assertEquals(4, c.vision().tokensPerSecond());
            org.junit.jupiter.api.Assertions.assertArrayEquals(new int[0], c.vision().fullAttBlocks(),
                    "a two-block tower has none of blocks 7, 15, 23, 31");
        }

        // num_key_value_heads: 8 when missing, num_attention_heads when null
        ObjectNode cfg = (ObjectNode) JSON.readTree(Fixtures.golden(folder, "config_hub_style.json").toFile());
        cfg.put("num_attention_heads", 16); // head_dim 4
        ((ObjectNode) cfg.get("rope_scaling")).putArray("mrope_section").add(0).add(1).add(1);
        cfg.remove("num_key_value_heads");
        Path out = dir.resolve("config.json");
        Files.writeString(out, JSON.writeValueAsString(cfg));
        assertEquals(8, Qwen2VLConfig.read(out).text().numKvHeads());
        cfg.putNull("num_key_value_heads");
        Files.writeString(out, JSON.writeValueAsString(cfg));
        assertEquals(16, Qwen2VLConfig.read(out).text().numKvHeads());
    }

    @Test
    void fullAttentionBlocksDefaultToTransformersOnADeepTower() throws IOException {
        Path f = without("qwen2_5_vl", "config.json", "vision_config.fullatt_block_indexes");
        ObjectNode cfg = (ObjectNode) JSON.readTree(f.toFile());
        ((ObjectNode) cfg.get("vision_config")).put("depth", 32);
        Files.writeString(f, JSON.writeValueAsString(cfg));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {7, 15, 23, 31},
                Qwen2VLConfig.read(f).vision().fullAttBlocks());
        ((ObjectNode) cfg.get("vision_config")).put("depth", 16);
        Files.writeString(f, JSON.writeValueAsString(cfg));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {7, 15},
                Qwen2VLConfig.read(f).vision().fullAttBlocks());
    }

    @Test
    void windowSizesFromOneMergedTokenUpLoad() throws IOException {
        assertEquals(28, Qwen2VLConfig.read(edited("qwen2_5_vl", "config.json", "vision_config.window_size", "28"))
                .vision().windowSize());
        assertEquals(112, Qwen2VLConfig.read(Fixtures.golden("qwen2_5_vl", "config.json")).vision().windowSize());
    }

    @Test
    void loadingTheModelDirectoryStopsAtTheConfig() throws IOException {
        edited("qwen2_vl", "config.json", "text_config.rms_norm_eps", "-1");
        Files.copy(Fixtures.golden("qwen2_vl", "model.safetensors"), dir.resolve("model.safetensors"));
        ConfigException e = assertThrows(ConfigException.class, () -> Qwen2VLForConditionalGeneration.load(dir));
        assertTrue(e.getMessage().contains(dir.resolve("config.json") + ": key 'text_config.rms_norm_eps'"),
                e.getMessage());
    }
}
