package org.urbangraph.ugbench.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.testkit.Approx;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.uge.embed.EmbedInput;
import org.urbangraph.uge.model.TinyBackbone;
import org.urbangraph.vlm.embed.EmbeddingPipeline;
import org.urbangraph.vlm.embed.EmbeddingPipelines;
import org.urbangraph.vlm.embed.Qwen2VLPipeline;
import org.urbangraph.vlm.embed.TinyEmbeddingModels;
import org.urbangraph.vlm.image.Images;

/**
 * The zero-shot backbone embedder gives what the family's pipeline gives for the same query layout (Qwen2-VL, and
 * LLaVA-NeXT and Phi-3-V through the same code), ignores graphs, and has an id that names the family and changes with
 * the model's files.
 */
class BackboneEmbedderTest {
    @TempDir
    static Path tmp;

    static Path model;
    static BackboneEmbedder embedder;
    static final Path IMAGE = Fixtures.golden("qwen2_vl", "image_a_gradient_100x80.png");

    @BeforeAll
    static void load() throws Exception {
        model = TinyBackbone.create(tmp.resolve("tiny"), Fixtures.path("tokenizer", "qwen2"), 99);
        embedder = BackboneEmbedder.load(model);
    }

    @Test
    void embedsLikeThePipelineOneByOne() throws Exception {
        Qwen2VLPipeline pipe = Qwen2VLPipeline.load(model);
        EmbedInput image = EmbedInput.image(IMAGE, "Where was this street view taken?");
        EmbedInput text = EmbedInput.text("On Rue Grimaldi, 40 m from the Intersection of Rue Grimaldi and Rue Princesse"
                + " Caroline.");
        float[][] batch = embedder.embed(List.of(image, text));
        float[] refImage = pipe.embed(List.of(pipe.encodeQuery(List.of(Images.read(IMAGE)),
                "Where was this street view taken?")))[0];
        float[] refText = pipe.embed(List.of(pipe.encodeQuery(List.of(), text.text())))[0];
        Approx.assertClose("image input", refImage, batch[0], 1e-5, 0);
        Approx.assertClose("text input", refText, batch[1], 1e-5, 0);
        assertEquals(TinyBackbone.HIDDEN, embedder.dimension());
        assertEquals(1.0, Vectors.dot(batch[0], batch[0]), 1e-5);
        assertTrue(Math.abs(Vectors.dot(batch[0], batch[1])) < 0.999, "different inputs, different vectors");
    }

    @Test
    void otherFamiliesEmbedLikeTheirPipelines() throws Exception {
        Path llava = TinyEmbeddingModels.llavaNext(tmp.resolve("llava"), 7);
        Path phi3 = TinyEmbeddingModels.phi3V(tmp.resolve("phi3"), 8, TinyEmbeddingModels.Phi3Tokenizer.best());
        for (Path dir : List.of(llava, phi3)) {
            BackboneEmbedder e = BackboneEmbedder.load(dir);
            EmbeddingPipeline pipe = EmbeddingPipelines.load(dir);
            String prefix = BackboneEmbedder.idPrefix(pipe.family()) + "-backbone-";
            assertTrue(e.id().startsWith(prefix), e.id());
            EmbedInput image = new EmbedInput(IMAGE, null, "A cafe", "Where was this street view taken?");
            float[][] got = e.embed(List.of(image, EmbedInput.text("A cafe")));
            float[] refImage = pipe.embed(List.of(pipe.encodeQuery(List.of(Images.read(IMAGE)),
                    "Where was this street view taken?\nA cafe")))[0];
            float[] refText = pipe.embed(List.of(pipe.encodeQuery(List.of(), "A cafe")))[0];
            Approx.assertClose(dir + " image input", refImage, got[0], 1e-5, 0);
            Approx.assertClose(dir + " text input", refText, got[1], 1e-5, 0);
            assertEquals(pipe.model().hiddenSize(), e.dimension());
            assertEquals(1.0, Vectors.dot(got[1], got[1]), 1e-5);
        }
        assertEquals("llava_next", BackboneEmbedder.idPrefix(EmbeddingPipelines.load(llava).family()));
    }

    /** An image the processor refuses (Qwen2-VL: aspect ratio over 200) is named by its file. */
    @Test
    void aRefusedImageNamesItsFile() throws Exception {
        Path thin = tmp.resolve("thin_5000x3.png");
        ImageIO.write(new BufferedImage(5000, 3, BufferedImage.TYPE_INT_RGB), "png", thin.toFile());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> embedder.embed(List.of(EmbedInput.image(IMAGE, "Where?"), EmbedInput.image(thin, "Where?"))));
        assertTrue(e.getMessage().startsWith(thin + ": absolute aspect ratio must be smaller than 200"),
                e.getMessage());
    }

    @Test
    void theInstructionPrecedesTheText() {
        assertEquals("Find it.\nA cafe", BackboneEmbedder.prompt(new EmbedInput(null, null, "A cafe", "Find it.")));
        assertEquals("A cafe", BackboneEmbedder.prompt(EmbedInput.text("A cafe")));
    }

    @Test
    void graphsAreIgnored() {
        EmbedInput without = EmbedInput.image(IMAGE, "Where?");
        EmbedInput with = EmbedInput.imageWithGraph(IMAGE, Fixtures.golden("qwen2_vl", "config.json"), "Where?");
        float[][] v = embedder.embed(List.of(without, with));
        Approx.assertClose("with and without a graph", v[0], v[1], 1e-5, 0);
    }

    @Test
    void thePromptLayoutIsTheOneAfterTheNfcChange() {
        // v2: the tokenizer normalises to NFC with Unicode 9.0 data; ids of v1 must not name vectors computed this way.
        assertEquals("qwen2vl-chat-v2", BackboneEmbedder.PROMPT_LAYOUT);
    }

    @Test
    void theIdNamesTheModelAndChangesWithItsFiles() throws Exception {
        assertTrue(embedder.id().startsWith("qwen2vl-backbone-tiny-"), embedder.id());
        String print = BackboneEmbedder.fingerprint(model);
        Path copy = Files.createDirectories(tmp.resolve("copy"));
        try (Stream<Path> s = Files.list(model)) {
            for (Path f : s.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        assertEquals(print, BackboneEmbedder.fingerprint(copy), "the same files elsewhere");
        // rewritten weights of the same shapes: same header and size, a new modification time
        Files.setLastModifiedTime(copy.resolve("model.safetensors"), FileTime.fromMillis(1_000_000));
        String rewritten = BackboneEmbedder.fingerprint(copy);
        assertNotEquals(print, rewritten);
        Files.writeString(copy.resolve("preprocessor_config.json"),
                "{\"min_pixels\": 3136, \"max_pixels\": 50176, \"image_processor_type\": \"Qwen2VLImageProcessor\"}");
        assertNotEquals(rewritten, BackboneEmbedder.fingerprint(copy), "other image settings");
    }
}
