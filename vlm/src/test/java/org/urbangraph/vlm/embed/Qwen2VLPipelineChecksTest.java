package org.urbangraph.vlm.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.tensor.Meta;
import org.urbangraph.tensor.nn.Rng;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.vlm.image.Qwen2VLImageProcessor;
import org.urbangraph.vlm.qwen2vl.Qwen2VLConfig;
import org.urbangraph.vlm.qwen2vl.Qwen2VLForConditionalGeneration;
import org.urbangraph.vlm.tokenizer.Tokenizer;

/**
 * A Qwen2-VL / Qwen2.5-VL directory whose config.json disagrees with its tokenizer.json (special token ids) or its
 * preprocessor_config.json (patch, temporal patch and merge sizes) is refused when the pipeline is built, naming
 * both files and both keys, instead of failing later with a placeholder count or a pixel-row shape. A written-out
 * prompt's {@code <|image_pad|>} must follow {@code <|vision_start|>}.
 */
class Qwen2VLPipelineChecksTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Tokenizer tokenizer;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadTokenizer() throws IOException {
        tokenizer = Tokenizer.load(Fixtures.path("tokenizer", "qwen2"));
    }

    /** A golden tiny model's config given the real Qwen2 vocabulary size and special token ids. */
    private static void realVocabulary(ObjectNode cfg) {
        cfg.put("vocab_size", 151936);
        ((ObjectNode) cfg.get("text_config")).put("vocab_size", 151936);
        cfg.put("image_token_id", 151655);
        cfg.put("video_token_id", 151656);
        cfg.put("vision_start_token_id", 151652);
        cfg.put("vision_end_token_id", 151653);
    }

    /**
     * The pipeline over the golden tiny model's config with the real Qwen2 vocabulary and token ids, edited by
     * {@code config} and {@code preprocessor}; the model is built without weights.
     */
    private Qwen2VLPipeline pipeline(String folder, Consumer<ObjectNode> config, Consumer<ObjectNode> preprocessor)
            throws IOException {
        ObjectNode cfg = (ObjectNode) JSON.readTree(Fixtures.golden(folder, "config.json").toFile());
        realVocabulary(cfg);
        config.accept(cfg);
        Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(cfg));
        ObjectNode pp = (ObjectNode) JSON.readTree(Fixtures.golden(folder, "preprocessor_config.json").toFile());
        preprocessor.accept(pp);
        Path ppFile = dir.resolve("preprocessor_config.json");
        Files.writeString(ppFile, JSON.writeValueAsString(pp));
        Qwen2VLForConditionalGeneration model;
        try (Meta meta = Meta.scope()) {
            model = new Qwen2VLForConditionalGeneration(Qwen2VLConfig.read(dir.resolve("config.json")), new Rng(0));
        }
        return new Qwen2VLPipeline(model, tokenizer,
                new Qwen2VLImageProcessor(Qwen2VLImageProcessor.Config.read(ppFile)), dir);
    }

    private void assertRefused(String folder, Consumer<ObjectNode> config, Consumer<ObjectNode> preprocessor,
                               String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> pipeline(folder, config, preprocessor));
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + p + "' in: " + e.getMessage());
        }
    }

    @Test
    void matchingFilesBuildThePipeline() throws IOException {
        for (String folder : new String[] {"qwen2_vl", "qwen2_5_vl"}) {
            Qwen2VLPipeline pipe = pipeline(folder, c -> { }, p -> { });
            assertEquals(151655, pipe.model().config().imageTokenId());
        }
    }

    @Test
    void specialTokenIdsMustBeTheTokenizers() {
        String config = dir.resolve("config.json").toString();
        String tok = tokenizer.source().toString();
        assertRefused("qwen2_vl", c -> c.put("image_token_id", 151654), p -> { }, config, "key 'image_token_id' is 151654",
                tok, "<|image_pad|> the id 151655");
        assertRefused("qwen2_5_vl", c -> c.put("video_token_id", 151655), p -> { }, config, "'video_token_id'", tok,
                "<|video_pad|> the id 151656");
        assertRefused("qwen2_5_vl", c -> c.put("vision_start_token_id", 100), p -> { }, config,
                "'vision_start_token_id' is 100", tok, "<|vision_start|> the id 151652");
        assertRefused("qwen2_vl", c -> c.put("vision_end_token_id", 151652), p -> { }, config,
                "'vision_end_token_id' is 151652", tok, "<|vision_end|> the id 151653");
    }

    @Test
    void processorSizesMustBeTheVisionTowers() {
        String config = dir.resolve("config.json").toString();
        String pp = dir.resolve("preprocessor_config.json").toString();
        assertRefused("qwen2_vl", c -> { }, p -> p.put("patch_size", 16), pp, "key 'patch_size' is 16", config,
                "vision_config.patch_size = 14");
        assertRefused("qwen2_5_vl", c -> { }, p -> p.put("temporal_patch_size", 1), pp,
                "key 'temporal_patch_size' is 1", config, "vision_config.temporal_patch_size = 2");
        assertRefused("qwen2_5_vl", c -> { }, p -> p.put("merge_size", 3), pp, "key 'merge_size' is 3", config,
                "vision_config.spatial_merge_size = 2");
        assertRefused("qwen2_vl", c -> ((ObjectNode) c.get("vision_config")).put("in_channels", 4), p -> { }, config,
                "vision_config.in_channels", pp, "3 channels");
    }

    @Test
    void withoutAPreprocessorConfigTheDefaultsAreNamed() throws IOException {
        ObjectNode cfg = (ObjectNode) JSON.readTree(Fixtures.golden("qwen2_vl", "config.json").toFile());
        realVocabulary(cfg);
        ((ObjectNode) cfg.get("vision_config")).put("patch_size", 16);
        Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(cfg));
        Qwen2VLForConditionalGeneration model;
        try (Meta meta = Meta.scope()) {
            model = new Qwen2VLForConditionalGeneration(Qwen2VLConfig.read(dir.resolve("config.json")), new Rng(0));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Qwen2VLPipeline(model,
                tokenizer, new Qwen2VLImageProcessor(Qwen2VLImageProcessor.Config.defaults()), dir));
        assertTrue(e.getMessage().contains("no preprocessor_config.json") && e.getMessage().contains("16"),
                e.getMessage());
    }

    @Test
    void aBareImagePadIsRefusedWithTheWholePlaceholder() throws IOException {
        Qwen2VLPipeline pipe = pipeline("qwen2_vl", c -> { }, p -> { });
        assertEquals(2, pipe.imagePlaceholders("<|vision_start|><|image_pad|><|vision_end|>a"
                + "<|vision_start|><|image_pad|>b"));
        for (String prompt : new String[] {"<|image_pad|>Describe.", "<|vision_start|> <|image_pad|><|vision_end|>",
            "<|vision_start|><|image_pad|><|image_pad|><|vision_end|>"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> pipe.imagePlaceholders(prompt));
            assertTrue(e.getMessage().contains("bare <|image_pad|>")
                    && e.getMessage().contains("<|vision_start|><|image_pad|><|vision_end|>"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> pipe.encodePrompt(prompt, java.util.List.of()));
        }
    }
}
