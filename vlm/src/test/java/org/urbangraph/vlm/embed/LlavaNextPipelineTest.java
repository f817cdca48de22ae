package org.urbangraph.vlm.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.testkit.Approx;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.vlm.MultimodalBatch;
import org.urbangraph.vlm.VlmLoader;
import org.urbangraph.vlm.config.ConfigException;
import org.urbangraph.vlm.image.Images;
import org.urbangraph.vlm.image.LlavaNextImageProcessor;
import org.urbangraph.vlm.image.RgbImage;
import org.urbangraph.vlm.llava.LlavaNextForConditionalGeneration;

/**
 * The LLaVA-NeXT embedding pipeline on a tiny random model with llava-v1.6-mistral's tokenizer layout (Mistral's
 * vocabulary plus {@code <image>} = 32000): the query is the llava-hf chat layout with the ids of the recorded
 * Mistral tokenizer cases, each image takes the feature count the reference processor gives
 * ({@code golden/llava_next_mistral}: 152 for image a, 234 for image b), every input alone embeds as its row of a
 * left-padded batch, and count mismatches are refused with both counts.
 */
class LlavaNextPipelineTest {

    @TempDir
    static Path dir;

    static LlavaNextPipeline pipe;
    static RgbImage imageA;
    static RgbImage imageB;

    @BeforeAll
    static void load() throws Exception {
        TinyEmbeddingModels.llavaNext(dir, 11);
        pipe = assertInstanceOf(LlavaNextPipeline.class, EmbeddingPipelines.load(dir));
        imageA = Images.read(Fixtures.golden("llava_next_mistral", "image_a_gradient_100x80.png"));
        imageB = Images.read(Fixtures.golden("llava_next_mistral", "image_b_checker_300x200.png"));
    }

    static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
    }

    static int[] repeat(int id, int n) {
        return IntStream.generate(() -> id).limit(n).toArray();
    }

    @Test
    void queriesAreTheLlavaHfChatLayout() {
        assertEquals(VlmLoader.Family.LLAVA_NEXT, pipe.family());
        assertEquals("<image>", pipe.imagePlaceholder());
        // "[INST] Describe this street. [/INST]": the mistral_inst case of fixtures/tokenizer/mistral
        assertArrayEquals(new int[] {1, 733, 16289, 28793, 27984, 456, 5948, 28723, 733, 28748, 16289, 28793},
                pipe.encodeQuery(List.of(), "Describe this street.").ids());
        // "[INST] <image>\nWhat is shown in this image? [/INST]": the pieces of the llava_mistral_prompt case, but
        // with <image> an added token the text around it is normalised on its own ("▁" = 28705 before each part)
        EncodedInput q = pipe.encodeQuery(List.of(imageA), "What is shown in this image?");
        assertArrayEquals(concat(new int[] {1, 733, 16289, 28793, 28705}, repeat(32000, 152),
                new int[] {28705, 13, 3195, 349, 4894, 297, 456, 3469, 28804, 733, 28748, 16289, 28793}), q.ids());
        // image a has 3 real tiles of 3x112x112 (the processor's batch padding tiles are dropped)
        assertEquals(3, q.units());
        assertArrayEquals(new int[] {3, 112, 112}, q.unitShape());
        assertArrayEquals(new int[][] {{80, 100}}, q.imageGrids());
        EncodedInput two = pipe.encodeQuery(List.of(imageA, imageB), "x");
        assertEquals(152 + 234, Arrays.stream(two.ids()).filter(i -> i == 32000).count());
        assertEquals(3 + 5, two.units());
        assertArrayEquals(new int[][] {{80, 100}, {200, 300}}, two.imageGrids());
        LlavaNextImageProcessor.Output px = pipe.processor().preprocess(List.of(imageA, imageB));
        float[] expected = new float[8 * 3 * 112 * 112];
        int tile = 3 * 112 * 112;
        System.arraycopy(px.pixelValues(), 0, expected, 0, 3 * tile);
        System.arraycopy(px.pixelValues(), 5 * tile, expected, 3 * tile, 5 * tile);
        assertArrayEquals(expected, two.pixels(), "the real tiles of both images, in order");
    }

    @Test
    void eachInputAloneEqualsItsRowOfThePaddedBatch() {
        List<EncodedInput> inputs = List.of(pipe.encodeQuery(List.of(imageA), "Where was this photo taken?"),
                pipe.encodeQuery(List.of(), "Quiet street near a park."),
                pipe.encodeQuery(List.of(imageB), "Where was this photo taken?"),
                pipe.encodePrompt("[INST] <image>\n<image>\nCompare. [/INST]", List.of(imageB, imageA)));
        MultimodalBatch batch = pipe.batch(inputs);
        assertEquals(inputs.get(3).ids().length, batch.length());
        assertEquals(0, batch.attentionMask()[1][0], "the text row is padded on the left");
        float[][] together = pipe.embed(inputs);
        for (int i = 0; i < inputs.size(); i++) {
            float[] alone = pipe.embed(List.of(inputs.get(i)))[0];
            Approx.assertClose("input " + i + " alone vs in the batch", alone, together[i], 1e-5, 0);
            double norm = 0;
            for (float v : together[i]) {
                norm += v * v;
            }
            assertEquals(1.0, norm, 1e-5, "input " + i + " is L2-normalised");
        }
        float[] swapped = pipe.embed(List.of(pipe.encodePrompt("[INST] <image>\n<image>\nCompare. [/INST]",
                List.of(imageA, imageB))))[0];
        assertTrue(Approx.maxAbsDiff(swapped, together[3]) > 1e-3, "the images reach the embedding, in order");
    }

    @Test
    void placeholderAndImageCountsMustAgree() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> pipe.encodePrompt("[INST] <image>\n<image>\nCompare. [/INST]", List.of(imageA)));
        assertTrue(e.getMessage().contains("2 <image> placeholders but 1 images"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> pipe.encodePrompt("[INST] Hi [/INST]", List.of(imageA)));
        assertTrue(e.getMessage().contains("0 <image> placeholders but 1 images"), e.getMessage());
        assertEquals(2, pipe.imagePlaceholders("<image> and <image>"));
        assertEquals(0, pipe.imagePlaceholders("<imag> and <Image>"));
    }

    @Test
    void llamaTextModelsAreRefusedNamingTheFileAndTheKey(@TempDir Path llama) throws Exception {
        TinyEmbeddingModels.llavaNextLlama(llama, 12);
        // the model itself loads (generation from written-out prompts needs no chat layout) ...
        assertEquals("llama", LlavaNextForConditionalGeneration.load(llama).config().textModelType());
        // ... but the pipeline would write Mistral's [INST] layout, which a Vicuna / 34B model was not trained with
        ConfigException e = assertThrows(ConfigException.class, () -> EmbeddingPipelines.load(llama));
        assertTrue(e.getMessage().startsWith(llama.resolve("config.json") + ": key 'text_config.model_type'"),
                e.getMessage());
        assertTrue(e.getMessage().contains("only the Mistral text model") && e.getMessage().contains("found 'llama'"),
                e.getMessage());
    }

    @Test
    void processorThatDoesNotFitTheModelIsRefused() {
        LlavaNextImageProcessor.Config c = pipe.processor().config();
        LlavaNextImageProcessor.Config other = new LlavaNextImageProcessor.Config(c.doResize(), c.shortestEdge(),
                c.sizeHeight(), c.sizeWidth(), c.doCenterCrop(), c.cropHeight(), c.cropWidth(), c.doPad(),
                new int[][] {{112, 224}, {224, 112}}, c.resample(), c.normalization());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LlavaNextPipeline(
                pipe.model(), pipe.tokenizer(), new LlavaNextImageProcessor(other), dir));
        assertTrue(e.getMessage().contains("image_grid_pinpoints") && e.getMessage().contains("config.json"),
                e.getMessage());
        LlavaNextImageProcessor.Config defaults = LlavaNextPipeline.defaultProcessor(pipe.model().config());
        assertEquals(112, defaults.cropHeight());
        assertEquals(112, defaults.shortestEdge());
        assertArrayEquals(pipe.model().config().imageGridPinpoints(), defaults.gridPinpoints());
    }
}
