package org.urbangraph.vlm.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.testkit.Approx;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.vlm.MultimodalBatch;
import org.urbangraph.vlm.VlmLoader;
import org.urbangraph.vlm.image.Images;
import org.urbangraph.vlm.image.Phi3VImageProcessor;
import org.urbangraph.vlm.image.RgbImage;
import org.urbangraph.vlm.tokenizer.Llama2Files;

/**
 * The Phi-3-V embedding pipeline on tiny random models: with Phi-3-V's own tokenizer (when the Llama-2 files are
 * present) the query gives exactly the ids of the recorded processor cases ({@code phi3v_processor_chunk_1/2});
 * with Mistral's vocabulary plus Phi-3-V's added tokens (always available) the same layout holds chunk by chunk.
 * Each image is a run of -N as long as the HD transform's token count, every input alone embeds as its row of a
 * left-padded batch, and mismatched counts and crop sizes are refused with both numbers.
 */
class Phi3VPipelineTest {

    @TempDir
    static Path root;

    static Phi3VPipeline pipe;
    static RgbImage imageA;
    static RgbImage imageB;

    @BeforeAll
    static void load() throws Exception {
        Path dir = TinyEmbeddingModels.phi3V(root.resolve("mistral"), 13,
                TinyEmbeddingModels.Phi3Tokenizer.MISTRAL_WITH_PHI3_TOKENS);
        pipe = assertInstanceOf(Phi3VPipeline.class, EmbeddingPipelines.load(dir));
        imageA = Images.read(Fixtures.golden("llava_next_mistral", "image_a_gradient_100x80.png"));
        imageB = Images.read(Fixtures.golden("llava_next_mistral", "image_b_checker_300x200.png"));
    }

    /** Image tokens worked out from the HD transform by hand: both images become 2 x 2 crops of 56, 2 x 2 tokens each. */
    static final int TOKENS = (2 * 2 + 1) * 2 * 2 + 1 + (2 + 1) * 2;

    static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
    }

    static int[] run(int id, int n) {
        int[] r = new int[n];
        Arrays.fill(r, id);
        return r;
    }

    @Test
    void queryWithPhi3VOwnTokenizerGivesTheRecordedIds() throws Exception {
        assumeTrue(Llama2Files.present(), Llama2Files.missingMessage());
        Phi3VPipeline own = Phi3VPipeline.load(TinyEmbeddingModels.phi3V(root.resolve("llama2"), 13,
                TinyEmbeddingModels.Phi3Tokenizer.LLAMA2));
        EncodedInput q = own.encodeQuery(List.of(imageA), "Describe this street.");
        assertArrayEquals(concat(new int[] {1, 32010, 29871, 13}, run(-1, TOKENS),
                new int[] {1, 29871, 13, 4002, 29581, 445, 11952, 29889, 32007, 29871, 13, 32001}), q.ids());
        // without images the prompt is one chunk: the pieces of the same case, one BOS
        assertArrayEquals(new int[] {1, 32010, 29871, 13, 4002, 29581, 445, 11952, 29889, 32007, 29871, 13, 32001},
                own.encodeQuery(List.of(), "Describe this street.").ids());
    }

    @Test
    void queriesArePhi3VChatLayoutWithNegativeImageRuns() {
        assertEquals(VlmLoader.Family.PHI3_V, pipe.family());
        var tok = pipe.tokenizer();
        assertEquals(32010, tok.tokenToId("<|user|>"));
        EncodedInput q = pipe.encodeQuery(List.of(imageA, imageB), "Describe this street.");
        assertArrayEquals(concat(tok.encode("<|user|>\n"), run(-1, TOKENS), tok.encode("\n"), run(-2, TOKENS),
                tok.encode("\nDescribe this street.<|end|>\n<|assistant|>\n")), q.ids());
        assertEquals(32001, q.ids()[q.ids().length - 1], "<|assistant|> swallows the newline after it");
        assertEquals(2, q.units());
        assertArrayEquals(new int[] {5, 3, 56, 56}, q.unitShape());
        Phi3VImageProcessor.Output px = pipe.processor().preprocess(List.of(imageA, imageB), 2);
        assertArrayEquals(px.imageSizes(), q.imageGrids());
        assertArrayEquals(px.pixelValues(), q.pixels());
        assertArrayEquals(new int[] {TOKENS, TOKENS}, px.imageTokens());
        assertArrayEquals(tok.encode("<|user|>\nQuiet street.<|end|>\n<|assistant|>\n"),
                pipe.encodeQuery(List.of(), "Quiet street.").ids());
    }

    @Test
    void eachInputAloneEqualsItsRowOfThePaddedBatch() {
        List<EncodedInput> inputs = List.of(pipe.encodeQuery(List.of(imageA), "Where was this photo taken?"),
                pipe.encodeQuery(List.of(), "Quiet street near a park."),
                pipe.encodePrompt("<|user|>\n<|image_1|>\n<|image_2|>\nCompare.<|end|>\n<|assistant|>\n",
                        List.of(imageB, imageA)));
        MultimodalBatch batch = pipe.batch(inputs);
        assertEquals(0, batch.attentionMask()[1][0], "the text row is padded on the left");
        assertEquals(pipe.padId(), batch.inputIds()[1][0]);
        assertEquals(32000, pipe.padId(), "<|endoftext|>, the pad token of Phi-3-V's tokenizer_config.json");
        float[][] together = pipe.embed(inputs);
        for (int i = 0; i < inputs.size(); i++) {
            float[] alone = pipe.embed(List.of(inputs.get(i)))[0];
            Approx.assertClose("input " + i + " alone vs in the batch", alone, together[i], 1e-5, 0);
        }
        float[] swapped = pipe.embed(List.of(pipe.encodePrompt(
                "<|user|>\n<|image_1|>\n<|image_2|>\nCompare.<|end|>\n<|assistant|>\n", List.of(imageA, imageB))))[0];
        assertTrue(Approx.maxAbsDiff(swapped, together[2]) > 1e-3, "the images reach the embedding, in order");
    }

    @Test
    void placeholderAndImageCountsMustAgree() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pipe.encodePrompt(
                "<|user|>\n<|image_1|>\n<|image_2|>\nx<|end|>\n<|assistant|>\n", List.of(imageA)));
        assertTrue(e.getMessage().contains("2 <|image_N|> placeholders but 1 images"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> pipe.encodePrompt(
                "<|user|>\n<|image_2|>\n<|image_1|>\nx<|end|>\n<|assistant|>\n", List.of(imageA, imageB)));
        assertTrue(e.getMessage().contains("out of order"), e.getMessage());
        assertEquals(3, pipe.imagePlaceholders("<|image_1|><|image_2|> <|image_3|> <|image|>"));
    }

    @Test
    void cropsThatDoNotFitTheTowerAreRefused() {
        Phi3VImageProcessor.Config c = pipe.processor().config();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Phi3VPipeline(
                pipe.model(), pipe.tokenizer(), new Phi3VImageProcessor(c.withCropSize(336)), null));
        assertTrue(e.getMessage().contains("336") && e.getMessage().contains("takes 56"), e.getMessage());
        assertEquals(4, c.numCrops());
    }
}
