package org.urbangraph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.urbangraph.testkit.Approx;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.vlm.embed.EmbeddingPipeline;
import org.urbangraph.vlm.embed.EmbeddingPipelines;
import org.urbangraph.vlm.embed.EncodedInput;
import org.urbangraph.vlm.embed.LlavaNextPipeline;
import org.urbangraph.vlm.embed.TinyEmbeddingModels;
import org.urbangraph.vlm.image.Images;
import org.urbangraph.vlm.image.RgbImage;
import org.urbangraph.vlm.tokenizer.Tokenizer;

/**
 * {@code ug embed} with LLaVA-NeXT and Phi-3-V directories: tiny random models with real tokenizers
 * ({@link TinyEmbeddingModels}: Mistral's with llava-hf's {@code <image>} for LLaVA; for Phi-3-V its own Llama-2
 * tokenizer where those files are present, otherwise Mistral's with Phi-3-V's added tokens). The command's
 * embeddings equal the library's, each input alone equals its row of the padded batch, each prompt placeholder
 * takes the next image, and mismatched counts are usage errors that name them.
 */
class EmbedFamiliesCommandTest {

    @TempDir
    static Path root;

    static Path imageA = Fixtures.golden("llava_next_mistral", "image_a_gradient_100x80.png");
    static Path imageB = Fixtures.golden("llava_next_mistral", "image_b_checker_300x200.png");

    static final String INSTRUCTION = "Where was this photo taken?";

    enum Family {
        LLAVA_NEXT(64, "<image>", "[INST] <image>\n<image>\nCompare the two streets. [/INST]",
                "[INST] A text-only prompt, longer than the one with the images. [/INST]"),
        PHI3_V(32, "<|image_N|>", "<|user|>\n<|image_1|>\n<|image_2|>\nCompare the two streets.<|end|>\n<|assistant|>\n",
                "<|user|>\nA text-only prompt, longer than the one with the images.<|end|>\n<|assistant|>\n");

        final int dim;
        final String placeholder;
        final String twoImagePrompt;
        final String textPrompt;
        Path dir;

        Family(int dim, String placeholder, String twoImagePrompt, String textPrompt) {
            this.dim = dim;
            this.placeholder = placeholder;
            this.twoImagePrompt = twoImagePrompt;
            this.textPrompt = textPrompt;
        }
    }

    @BeforeAll
    static void writeModels() throws Exception {
        Family.LLAVA_NEXT.dir = TinyEmbeddingModels.llavaNext(root.resolve("llava"), 5);
        Family.PHI3_V.dir = TinyEmbeddingModels.phi3V(root.resolve("phi3v"), 6,
                TinyEmbeddingModels.Phi3Tokenizer.best());
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void imagesAndTextsAreEmbeddedAsTheLibraryEmbedsThem(Family f) throws Exception {
        List<JsonNode> out = EmbedCommandTest.run(0, "embed", "--model", f.dir.toString(), "--image",
                imageA.toString(), "--image", imageB.toString(), "--text", "Quiet street near a park.",
                "--instruction", INSTRUCTION);
        assertEquals(3, out.size());
        assertEquals(f.dim, out.get(0).get("dim").asInt());
        assertEquals(imageB.toString(), out.get(1).get("image").asText());
        assertEquals(INSTRUCTION, out.get(1).get("instruction").asText());
        assertEquals("Quiet street near a park.", out.get(2).get("text").asText());
        EmbeddingPipeline pipe = EmbeddingPipelines.load(f.dir);
        RgbImage a = Images.read(imageA);
        RgbImage b = Images.read(imageB);
        List<EncodedInput> inputs = List.of(pipe.encodeQuery(List.of(a), INSTRUCTION),
                pipe.encodeQuery(List.of(b), INSTRUCTION),
                pipe.encodeQuery(List.of(), INSTRUCTION + "\nQuiet street near a park."));
        float[][] library = pipe.embed(inputs);
        for (int i = 0; i < 3; i++) {
            float[] printed = EmbedCommandTest.vector(out.get(i));
            Approx.assertClose(f + " input " + i + ": command vs library batch", library[i], printed, 1e-6, 0);
            float[] alone = pipe.embed(List.of(inputs.get(i)))[0];
            Approx.assertClose(f + " input " + i + " alone vs in the batch", alone, printed, 1e-5, 0);
            double norm = 0;
            for (float v : printed) {
                norm += v * v;
            }
            assertEquals(1.0, norm, 1e-5);
        }
        assertTrue(Approx.maxAbsDiff(EmbedCommandTest.vector(out.get(0)), EmbedCommandTest.vector(out.get(1))) > 1e-3,
                "two images give two embeddings");
    }

    /** Image tokens each test image becomes: LLaVA's from the reference processor, Phi-3-V's from the HD transform. */
    static int imageTokens(Family f, Path image) {
        if (f == Family.LLAVA_NEXT) {
            return image.equals(imageA) ? 152 : 234; // golden/llava_next_mistral README: the single case
        }
        return (2 * 2 + 1) * 2 * 2 + 1 + (2 + 1) * 2; // 2 x 2 crops of 56 pixels, 2 x 2 tokens each
    }

    /** The prompt's own tokens: LLaVA tokenises it whole (one id per <image>), Phi-3-V chunk by chunk around the tags. */
    static int textTokens(Family f, Tokenizer tok, String prompt) {
        if (f == Family.LLAVA_NEXT) {
            return tok.encode(prompt).length - prompt.split("<image>", -1).length + 1;
        }
        int n = 0;
        for (String chunk : prompt.split("<\\|image_\\d+\\|>", -1)) {
            n += tok.encode(chunk).length;
        }
        return n;
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void promptsTakeTheNextImageAtEachPlaceholderAndFormOneBatch(Family f) throws Exception {
        List<JsonNode> out = EmbedCommandTest.run(0, "embed", "--model", f.dir.toString(), "--prompt",
                f.twoImagePrompt, "--prompt", f.textPrompt, "--image", imageA.toString(), "--image", imageB.toString());
        assertEquals(2, out.size());
        JsonNode batch = out.get(0).get("batch");
        assertEquals(2, batch.get("rows").asInt());
        assertEquals("left", batch.get("padding").asText());
        Tokenizer tok = EmbeddingPipelines.load(f.dir).tokenizer();
        assertEquals(textTokens(f, tok, f.twoImagePrompt) + imageTokens(f, imageA) + imageTokens(f, imageB),
                batch.get("tokens").asInt(), "one expanded image per placeholder");
        assertEquals(textTokens(f, tok, f.textPrompt), out.get(1).get("batch").get("tokens").asInt());
        assertEquals(batch.get("tokens").asInt(), batch.get("padded_length").asInt());
        List<JsonNode> single = EmbedCommandTest.run(0, "embed", "--model", f.dir.toString(), "--prompt",
                f.twoImagePrompt, "--image", imageA.toString(), "--image", imageB.toString());
        Approx.assertClose(f + " prompt alone vs in the batch", EmbedCommandTest.vector(single.get(0)),
                EmbedCommandTest.vector(out.get(0)), 1e-5, 0);
        List<JsonNode> swapped = EmbedCommandTest.run(0, "embed", "--model", f.dir.toString(), "--prompt",
                f.twoImagePrompt, "--image", imageB.toString(), "--image", imageA.toString());
        assertTrue(Approx.maxAbsDiff(EmbedCommandTest.vector(swapped.get(0)), EmbedCommandTest.vector(single.get(0)))
                > 1e-3, "the first placeholder takes the first --image");
    }

    /**
     * A 20000x1 image: Phi-3-V's HD transform cannot resize it (its height would be 0 pixels), and the error names the
     * file before any work is done; LLaVA-NeXT's anyres tiling takes any aspect ratio (the grid keeps no feature rows
     * after unpadding, only the base tile's 8 x 8 features are left).
     */
    @ParameterizedTest
    @EnumSource(Family.class)
    void anImageTheProcessorCannotTakeIsNamed(Family f, @TempDir Path dir) throws Exception {
        Path thin = dir.resolve("thin.png");
        ImageIO.write(new BufferedImage(20000, 1, BufferedImage.TYPE_INT_RGB), "png", thin.toFile());
        if (f == Family.PHI3_V) {
            List<JsonNode> out = EmbedCommandTest.run(1, "embed", "--model", f.dir.toString(), "--image",
                    imageA.toString(), "--image", thin.toString());
            String err = out.get(out.size() - 1).asText();
            assertTrue(err.contains(thin + ": a 20000x1 image is too elongated for the HD transform"), err);
            assertEquals(1, out.size(), "nothing printed");
        } else {
            List<JsonNode> out = EmbedCommandTest.run(0, "embed", "--model", f.dir.toString(), "--image",
                    thin.toString());
            assertEquals(1, out.size());
            LlavaNextPipeline pipe = (LlavaNextPipeline) EmbeddingPipelines.load(f.dir);
            EncodedInput in = pipe.encodeQuery(List.of(Images.read(thin)), null);
            assertEquals(8 * 8, Arrays.stream(in.ids()).filter(id -> id == 32000).count());
            Approx.assertClose("the thin image", pipe.embed(List.of(in))[0], EmbedCommandTest.vector(out.get(0)),
                    1e-5, 0);
        }
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void placeholderAndImageCountMismatchesNameTheCounts(Family f) throws Exception {
        List<JsonNode> bad = EmbedCommandTest.run(2, "embed", "--model", f.dir.toString(), "--prompt",
                f.twoImagePrompt, "--image", imageA.toString());
        String err = bad.get(bad.size() - 1).asText();
        assertTrue(err.contains("1 --image files but the prompts hold 2 image placeholders (" + f.placeholder),
                err);
        bad = EmbedCommandTest.run(2, "embed", "--model", f.dir.toString(), "--prompt", f.textPrompt, "--image",
                imageA.toString());
        err = bad.get(bad.size() - 1).asText();
        assertTrue(err.contains("1 --image files but the prompts hold 0 image placeholders"), err);
    }

    @Test
    void phi3ImageTagsOutOfOrderAreAUsageError() throws Exception {
        List<JsonNode> bad = EmbedCommandTest.run(2, "embed", "--model", Family.PHI3_V.dir.toString(), "--prompt",
                "<|user|>\n<|image_2|>\n<|image_1|>\nx<|end|>\n<|assistant|>\n", "--image", imageA.toString(),
                "--image", imageB.toString());
        String err = bad.get(bad.size() - 1).asText();
        assertTrue(err.contains("--prompt 1: image tag <|image_2|>") && err.contains("out of order"), err);
    }
}
