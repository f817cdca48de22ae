package org.urbangraph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.kernels.DType;
import org.urbangraph.tensor.Meta;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.io.SafetensorsWriter;
import org.urbangraph.tensor.nn.Init;
import org.urbangraph.tensor.nn.Rng;
import org.urbangraph.testkit.Approx;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.vlm.MultimodalBatch;
import org.urbangraph.vlm.VisionLanguageModel;
import org.urbangraph.vlm.VlmLoader;
import org.urbangraph.vlm.embed.EmbeddingPipeline;
import org.urbangraph.vlm.embed.EmbeddingPipelines;
import org.urbangraph.vlm.embed.EncodedInput;
import org.urbangraph.vlm.embed.Qwen2VLPipeline;
import org.urbangraph.vlm.image.Images;
import org.urbangraph.vlm.image.RgbImage;
import org.urbangraph.vlm.qwen2vl.Qwen2VLConfig;
import org.urbangraph.vlm.qwen2vl.Qwen2VLForConditionalGeneration;
import org.urbangraph.vlm.tokenizer.Tokenizer;

/**
 * {@code ug embed} on a tiny random Qwen2-VL with the real Qwen2 tokenizer (so its vocabulary is the real one):
 * the command's embeddings equal the library's, each input embedded alone equals its row of the padded batch, and
 * prompt mode expands one image per vision placeholder.
 */
class EmbedCommandTest {

    @TempDir
    static Path model;

    static Path imageA = Fixtures.golden("qwen2_vl", "image_a_gradient_100x80.png");
    static Path imageB = Fixtures.golden("qwen2_vl", "image_b_checker_300x200.png");

    @BeforeAll
    static void writeTinyModel() throws Exception {
        ObjectMapper m = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) m.readTree(Fixtures.golden("qwen2_vl", "config.json").toFile());
        cfg.put("vocab_size", 151936);
        ((ObjectNode) cfg.get("text_config")).put("vocab_size", 151936);
        cfg.put("image_token_id", 151655);
        cfg.put("video_token_id", 151656);
        cfg.put("vision_start_token_id", 151652);
        cfg.put("vision_end_token_id", 151653);
        Files.writeString(model.resolve("config.json"), m.writeValueAsString(cfg));
        Files.copy(Fixtures.path("tokenizer", "qwen2", "tokenizer.json"), model.resolve("tokenizer.json"));
        Files.copy(Fixtures.path("tokenizer", "qwen2", "tokenizer_config.json"), model.resolve("tokenizer_config.json"));
        Files.writeString(model.resolve("preprocessor_config.json"),
                "{\"min_pixels\": 3136, \"max_pixels\": 40000, \"image_processor_type\": \"Qwen2VLImageProcessor\"}");
        Qwen2VLForConditionalGeneration net;
        try (Meta meta = Meta.scope()) {
            net = new Qwen2VLForConditionalGeneration(Qwen2VLConfig.read(model.resolve("config.json")), new Rng(0));
        }
        net.setTrainable(false);
        Init.randomize(net, 99, DType.F32);
        SafetensorsWriter.write(model.resolve("model.safetensors"), net.stateDict(), Map.of("format", "pt"));
    }

    static List<JsonNode> run(int expectedCode, String... args) throws Exception {
        return run(null, expectedCode, args);
    }

    /** As {@link #run(int, String...)}, loading plain backbones with {@code loader} (null: the command's own). */
    static List<JsonNode> run(EmbedCommand.PipelineLoader loader, int expectedCode, String... args) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        if (loader != null) {
            ((EmbedCommand) cl.getSubcommands().get("embed").getCommand()).loader = loader;
        }
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        assertEquals(expectedCode, code, "exit code; stderr: " + err);
        List<JsonNode> lines = new ArrayList<>();
        ObjectMapper m = new ObjectMapper();
        for (String line : out.toString().split("\n")) {
            if (!line.isBlank()) {
                lines.add(m.readTree(line));
            }
        }
        if (expectedCode != 0) {
            lines.add(m.getNodeFactory().textNode(err.toString()));
        }
        return lines;
    }

    static float[] vector(JsonNode n) {
        JsonNode e = n.get("embedding");
        float[] v = new float[e.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) e.get(i).asDouble();
        }
        return v;
    }

    @Test
    void imagesAndTextsAreEmbeddedAsTheLibraryEmbedsThem() throws Exception {
        List<JsonNode> out = run(0, "embed", "--model", model.toString(), "--image", imageA.toString(),
                "--image", imageB.toString(), "--text", "Quiet street near a park.", "--instruction",
                "Where was this photo taken?");
        assertEquals(3, out.size());
        assertEquals(64, out.get(0).get("dim").asInt());
        assertEquals(imageA.toString(), out.get(0).get("image").asText());
        assertEquals("Quiet street near a park.", out.get(2).get("text").asText());
        Qwen2VLPipeline pipe = assertInstanceOf(Qwen2VLPipeline.class, EmbeddingPipelines.load(model));
        assertEquals(VlmLoader.Family.QWEN2_VL, pipe.family());
        float[] alone = pipe.embed(List.of(pipe.encodeQuery(List.of(Images.read(imageB)),
                "Where was this photo taken?")))[0];
        Approx.assertClose("image b alone vs in the batch", alone, vector(out.get(1)), 1e-5, 0);
        float[] text = pipe.embed(List.of(pipe.encodeQuery(List.of(), "Where was this photo taken?\n"
                + "Quiet street near a park.")))[0];
        Approx.assertClose("text alone vs in the batch", text, vector(out.get(2)), 1e-5, 0);
        double norm = 0;
        for (float x : vector(out.get(0))) {
            norm += x * x;
        }
        assertEquals(1.0, norm, 1e-5);
        assertNotEquals(out.get(0).get("embedding").toString(), out.get(1).get("embedding").toString());
    }

    @Test
    void promptsTakeTheNextImageAtEachPlaceholderAndFormOneBatch() throws Exception {
        String p1 = "<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>Describe.<|im_end|>\n"
                + "<|im_start|>assistant\n";
        String p2 = "<|im_start|>user\nA text-only prompt that is a little longer than the first.<|im_end|>\n"
                + "<|im_start|>assistant\n";
        List<JsonNode> out = run(0, "embed", "--model", model.toString(), "--prompt", p1, "--prompt", p2,
                "--image", imageA.toString());
        assertEquals(2, out.size());
        JsonNode batch = out.get(0).get("batch");
        assertEquals(2, batch.get("rows").asInt());
        assertEquals("left", batch.get("padding").asText());
        assertTrue(batch.get("tokens").asInt() > 10, "the image pads were expanded");
        List<JsonNode> single = run(0, "embed", "--model", model.toString(), "--prompt", p1, "--image",
                imageA.toString());
        Approx.assertClose("prompt alone vs in the batch", vector(single.get(0)), vector(out.get(0)), 1e-5, 0);
        List<JsonNode> bad = run(2, "embed", "--model", model.toString(), "--prompt", p1);
        assertTrue(bad.get(bad.size() - 1).asText().contains("placeholders"), bad.toString());
    }

    /** Nine prompts are two batches (8 and 1), not one: memory follows the batch size, the numbers do not change. */
    @Test
    void promptsAreEmbeddedInBatchesOfEight() throws Exception {
        List<String> args = new ArrayList<>(List.of("embed", "--model", model.toString()));
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            String p = "<|im_start|>user\n" + "Street number " + i + ".".repeat(i == 8 ? 1 : 2 * i + 1)
                    + "<|im_end|>\n<|im_start|>assistant\n";
            prompts.add(p);
            args.add("--prompt");
            args.add(p);
        }
        List<JsonNode> out = run(0, args.toArray(String[]::new));
        assertEquals(9, out.size());
        int longestOfFirst = 0;
        for (int i = 0; i < 8; i++) {
            JsonNode b = out.get(i).get("batch");
            assertEquals(0, b.get("index").asInt(), "input " + i);
            assertEquals(8, b.get("rows").asInt(), "input " + i);
            assertEquals(i, b.get("row").asInt(), "input " + i);
            longestOfFirst = Math.max(longestOfFirst, b.get("tokens").asInt());
        }
        assertEquals(longestOfFirst, out.get(0).get("batch").get("padded_length").asInt());
        JsonNode last = out.get(8).get("batch");
        assertEquals(1, last.get("index").asInt());
        assertEquals(1, last.get("rows").asInt());
        assertEquals(0, last.get("row").asInt());
        assertEquals(last.get("tokens").asInt(), last.get("padded_length").asInt(), "the second batch is unpadded");
        assertTrue(last.get("tokens").asInt() < longestOfFirst);
        Qwen2VLPipeline pipe = assertInstanceOf(Qwen2VLPipeline.class, EmbeddingPipelines.load(model));
        for (int i : new int[] {0, 7, 8}) {
            float[] alone = pipe.embed(List.of(pipe.encodePrompt(prompts.get(i), List.of())))[0];
            Approx.assertClose("prompt " + i + " alone vs in its batch", alone, vector(out.get(i)), 1e-5, 0);
        }
    }

    @Test
    void promptWithInstructionIsAUsageError() throws Exception {
        String p1 = "<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>Describe.<|im_end|>\n"
                + "<|im_start|>assistant\n";
        List<JsonNode> out = run(2, "embed", "--model", model.toString(), "--prompt", p1, "--image",
                imageA.toString(), "--instruction", "Where was this photo taken?");
        String err = out.get(out.size() - 1).asText();
        assertTrue(err.contains("--prompt") && err.contains("--instruction"), err);
        assertEquals(1, out.size(), "nothing printed");
    }

    @Test
    void anUnknownBackendIsAUsageErrorAndABackendThatCannotStartIsOneLine() throws Exception {
        List<JsonNode> out = run(2, "--backend", "gpu", "embed", "--model", model.toString(), "--text", "a street");
        assertTrue(out.get(out.size() - 1).asText().contains("--backend must be cpu, opencl or reference, got 'gpu'"),
                out.toString());
        // no OpenCL driver, or a device setting that names no device: said in one line, not as a program defect
        assertTrue(ErrorReport.isInputError(new org.urbangraph.kernels.BackendUnavailableException(
                "cannot start the OpenCL backend: no device matches 'nonsense'", null)));
    }

    @Test
    void anEmptyTextIsAUsageError() throws Exception {
        for (String text : new String[] {"", "  "}) {
            List<JsonNode> out = run(2, "embed", "--model", model.toString(), "--text", "a street", "--text", text);
            String err = out.get(out.size() - 1).asText();
            assertTrue(err.contains("--text is empty"), err);
            assertEquals(1, out.size(), "nothing printed");
        }
    }

    @Test
    void aBareImagePadInAPromptIsAUsageErrorThatShowsThePlaceholder() throws Exception {
        for (String prompt : new String[] {"<|im_start|>user\n<|image_pad|>Describe.<|im_end|>\n<|im_start|>assistant\n",
            "<|vision_start|><|image_pad|><|vision_end|><|image_pad|>"}) {
            int pads = prompt.split("image_pad", -1).length - 1;
            List<String> args = new ArrayList<>(List.of("embed", "--model", model.toString(), "--prompt", prompt));
            for (int i = 0; i < pads; i++) {
                args.addAll(List.of("--image", imageA.toString()));
            }
            List<JsonNode> out = run(2, args.toArray(String[]::new));
            String err = out.get(out.size() - 1).asText();
            assertTrue(err.contains("--prompt 1: image placeholder " + pads + " is a bare <|image_pad|>")
                    && err.contains("<|vision_start|><|image_pad|><|vision_end|>"), err);
        }
    }

    /**
     * A pipeline that counts the inputs encoded and, at each batch, records how many were encoded by then: inputs are
     * encoded (and their images decoded into pixels) batch by batch, not all before the first batch.
     */
    static final class CountingPipeline implements EmbeddingPipeline {
        final EmbeddingPipeline inner;
        int encoded;
        final List<Integer> encodedAtBatch = new ArrayList<>();
        final List<Integer> batchRows = new ArrayList<>();

        CountingPipeline(EmbeddingPipeline inner) {
            this.inner = inner;
        }

        @Override public VlmLoader.Family family() { return inner.family(); }
        @Override public Path source() { return inner.source(); }
        @Override public VisionLanguageModel model() { return inner.model(); }
        @Override public Tokenizer tokenizer() { return inner.tokenizer(); }
        @Override public long padId() { return inner.padId(); }
        @Override public void checkImage(RgbImage image) { inner.checkImage(image); }
        @Override public int imagePlaceholders(String prompt) { return inner.imagePlaceholders(prompt); }
        @Override public String imagePlaceholder() { return inner.imagePlaceholder(); }

        @Override
        public EncodedInput encodeQuery(List<RgbImage> images, String text) {
            encoded++;
            return inner.encodeQuery(images, text);
        }

        @Override
        public EncodedInput encodePrompt(String prompt, List<RgbImage> images) {
            encoded++;
            return inner.encodePrompt(prompt, images);
        }

        @Override
        public MultimodalBatch batch(List<EncodedInput> inputs) {
            encodedAtBatch.add(encoded);
            batchRows.add(inputs.size());
            return inner.batch(inputs);
        }
    }

    /** Eleven inputs are two batches, each encoded (its images decoded) just before it runs, not all up front. */
    @Test
    void inputsAreEncodedBatchByBatch() throws Exception {
        List<String> args = new ArrayList<>(List.of("embed", "--model", model.toString(), "--instruction", "Where?"));
        for (int i = 0; i < 9; i++) {
            args.addAll(List.of("--image", (i % 2 == 0 ? imageA : imageB).toString()));
        }
        args.addAll(List.of("--text", "A harbour.", "--text", "A park."));
        List<CountingPipeline> made = new ArrayList<>();
        List<JsonNode> out = run(dir -> {
            CountingPipeline c = new CountingPipeline(EmbeddingPipelines.load(dir));
            made.add(c);
            return c;
        }, 0, args.toArray(String[]::new));
        CountingPipeline c = made.get(0);
        assertEquals(List.of(8, 3), c.batchRows);
        assertEquals(List.of(8, 11), c.encodedAtBatch, "the second batch's inputs were encoded after the first ran");
        // the numbers are those of the command without the wrapper
        List<JsonNode> plain = run(0, args.toArray(String[]::new));
        assertEquals(11, out.size());
        for (int i = 0; i < 11; i++) {
            assertEquals(plain.get(i).toString(), out.get(i).toString(), "input " + i);
        }
    }

    /** A file that cannot be decoded fails the command before any batch runs, however many inputs come first. */
    @Test
    void aBadFileFailsBeforeAnyBatch(@TempDir Path dir) throws Exception {
        Path broken = dir.resolve("broken.png");
        Files.write(broken, new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        List<String> args = new ArrayList<>(List.of("embed", "--model", model.toString()));
        for (int i = 0; i < 9; i++) {
            args.addAll(List.of("--image", imageA.toString()));
        }
        args.addAll(List.of("--image", broken.toString()));
        List<CountingPipeline> made = new ArrayList<>();
        List<JsonNode> out = run(d -> {
            CountingPipeline c = new CountingPipeline(EmbeddingPipelines.load(d));
            made.add(c);
            return c;
        }, 1, args.toArray(String[]::new));
        assertTrue(out.get(out.size() - 1).asText().contains(broken.toString()), out.toString());
        assertEquals(List.of(), made.get(0).batchRows, "no batch ran");
        assertEquals(0, made.get(0).encoded, "nothing was encoded");
    }

    @Test
    void anImageTheProcessorCannotResizeIsNamed(@TempDir Path dir) throws Exception {
        Path thin = dir.resolve("thin.png");
        ImageIO.write(new BufferedImage(402, 2, BufferedImage.TYPE_INT_RGB), "png", thin.toFile());
        List<JsonNode> out = run(1, "embed", "--model", model.toString(), "--image", imageA.toString(), "--image",
                thin.toString());
        String err = out.get(out.size() - 1).asText();
        assertTrue(err.contains(thin + ": absolute aspect ratio must be smaller than 200"), err);
        assertEquals(1, out.size(), "nothing printed");
    }

    /**
     * --exif-transpose turns the image upright before the processor: the JPEG with orientation 6 then embeds as a
     * lossless PNG of Pillow's exif_transpose pixels does, and differently from the image as stored.
     */
    @Test
    void exifTransposeTurnsTheImageUpright(@TempDir Path dir) throws Exception {
        Path rotated = Fixtures.path("images", "edge", "exif6.jpg");
        RgbImage upright = Images.read(rotated, true);
        assertEquals("6x13", upright.width() + "x" + upright.height());
        BufferedImage png = new BufferedImage(upright.width(), upright.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < upright.height(); y++) {
            for (int x = 0; x < upright.width(); x++) {
                png.setRGB(x, y, upright.get(x, y, 0) << 16 | upright.get(x, y, 1) << 8 | upright.get(x, y, 2));
            }
        }
        Path uprightPng = dir.resolve("upright.png");
        ImageIO.write(png, "png", uprightPng.toFile());
        float[] transposed = vector(run(0, "embed", "--model", model.toString(), "--exif-transpose", "--image",
                rotated.toString()).get(0));
        float[] asStored = vector(run(0, "embed", "--model", model.toString(), "--image", rotated.toString()).get(0));
        float[] reference = vector(run(0, "embed", "--model", model.toString(), "--image", uprightPng.toString())
                .get(0));
        Approx.assertClose("--exif-transpose = the upright PNG", reference, transposed, 1e-6, 0);
        assertTrue(Approx.maxAbsDiff(asStored, transposed) > 1e-4, "as stored differs");
        String err = run(2, "embed", "--model", model.toString(), "--adapter", dir.toString(), "--exif-transpose",
                "--image", rotated.toString()).get(0).asText();
        assertTrue(err.contains("--exif-transpose is for plain backbones"), err);
    }

    @Test
    void aNonFiniteEmbeddingIsAnErrorNamingTheInput(@TempDir Path dir) throws Exception {
        for (String f : new String[] {"config.json", "tokenizer.json", "tokenizer_config.json",
            "preprocessor_config.json"}) {
            Files.copy(model.resolve(f), dir.resolve(f));
        }
        Qwen2VLForConditionalGeneration net;
        try (Meta meta = Meta.scope()) {
            net = new Qwen2VLForConditionalGeneration(Qwen2VLConfig.read(dir.resolve("config.json")), new Rng(0));
        }
        net.setTrainable(false);
        Init.randomize(net, 99, DType.F32);
        Map<String, Tensor> weights = new LinkedHashMap<>(net.stateDict());
        float[] nan = new float[64];
        Arrays.fill(nan, Float.NaN);
        assertTrue(weights.containsKey("model.language_model.norm.weight"), weights.keySet().toString());
        weights.put("model.language_model.norm.weight", Tensor.of(nan, 64));
        SafetensorsWriter.write(dir.resolve("model.safetensors"), weights, Map.of("format", "pt"));
        List<JsonNode> out = run(1, "embed", "--model", dir.toString(), "--image", imageA.toString(), "--text",
                "Quiet street near a park.");
        String err = out.get(out.size() - 1).asText();
        assertTrue(err.contains("input 0 (--image " + imageA + "): the embedding holds NaN"), err);
        assertEquals(1, out.size(), "no embedding printed: " + out);
    }
}
