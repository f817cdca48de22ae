package org.urbangraph.vlm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.urbangraph.testkit.Fixtures;

/**
 * Randomised differential test against the Rust Hugging Face {@code tokenizers} library (the reference itself,
 * through DJL's bundled native build): seeded random strings built from the pieces that trip tokenizers up
 * (Unicode whitespace, NFD marks, surrogate pairs, rare code points, special tokens and their look-alikes,
 * contractions) must give the same ids, with and without special tokens, and the same decodes.
 */
class RustTokenizersOracleTest {
    private static final String[] PIECES = {
        "a", "Z", "hello", " world", "The", " the", "street", " Ave", "Seton", "0", "42", "2024", "3.14", ",", ".",
        "!", "?", "'s", "'LL", "'re", "\u2019t", "don't", " ", "  ", "   ", "\t", "\n", "\r\n", "\n\n", " \n",
        "\u00a0", "\u00a0\u00a0", "\u2003", "\u3000", "\u0085", "\u2028", "\u200b", "\u200d", "\ufeff", "\u2060",
        "e\u0301", "\u00e9", "n\u0303", "\u00c5", "A\u030a", "\u4e2d\u6587", "\u6771\u4eac", "\ud55c\uad6d\uc5b4",
        "\u0645\u0631\u062d\u0628\u0627", "\u041f\u0440\u0438\u0432\u0435\u0442", "\u0928\u092e\u0938\u094d\u0924\u0947",
        "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35", "\ud83d\ude00", "\ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67",
        "\ud83c\uddf8\ud83c\uddec", "\ud835\udd04", "\ua66e", "\ud80c\udc00", "\ue000", "\udbff\udffd", "\u0001",
        "\u007f", "\u2581", "\u2581\u2581", "<", ">", "|", "<|", "|>", "<s>", "</s>", "<unk>", "<|im_start|>",
        "<|im_end|>", "<|image_pad|>", "<|vision_start|>", "<|vision_end|>", "<|endoftext|>", "<|IM_START|>",
        "<|im_start", "<|user|>", "<|assistant|>", "<|end|>", "<|system|>", "<|placeholder1|>", "<|image|>",
        "<|image_1|>", "[INST]", "[/INST]", "def f(x):", "{\"type\": \"Point\"}", "https://example.org/a?b=1",
        "aaaaaaaa", "----", "...", "\u00bf", "\u00b7",
    };

    private static Tokenizer qwen2;
    private static HuggingFaceTokenizer qwen2Rust;
    private static Tokenizer mistral;
    private static HuggingFaceTokenizer mistralRust;

    @BeforeAll
    static void load() throws IOException {
        qwen2 = Tokenizer.load(Fixtures.path("tokenizer", "qwen2"));
        qwen2Rust = rust(Fixtures.path("tokenizer", "qwen2", "tokenizer.json"));
        mistral = Tokenizer.load(Fixtures.path("tokenizer", "mistral"));
        mistralRust = rust(Fixtures.path("tokenizer", "mistral", "tokenizer.json"));
    }

    @AfterAll
    static void close() {
        if (qwen2Rust != null) {
            qwen2Rust.close();
        }
        if (mistralRust != null) {
            mistralRust.close();
        }
    }

    @Test
    void qwen2MatchesRust() {
        compare(qwen2, qwen2Rust, "qwen2", 400, 20251127L);
    }

    @Test
    void mistralMatchesRust() {
        compare(mistral, mistralRust, "mistral", 400, 20251128L);
    }

    @Test
    void llama2MatchesRust() throws Exception {
        Path dir = Llama2Files.directory();
        assumeTrue(Files.isRegularFile(dir.resolve("tokenizer.json")), Llama2Files.missingMessage());
        try (HuggingFaceTokenizer rust = rust(dir.resolve("tokenizer.json"))) {
            compare(Tokenizer.load(dir), rust, "llama2", 400, 20251129L);
        }
    }

    /** Random byte strings through the byte-level decoder: the lossy UTF-8 decoding must replace as Rust does. */
    @Test
    void byteLevelDecodeOfRandomBytesMatchesRust() {
        Tokenizer ours = qwen2;
        HuggingFaceTokenizer rust = qwen2Rust;
        {
            Random random = new Random(77);
            int[] byteIds = new int[256];
            for (int b = 0; b < 256; b++) {
                byteIds[b] = ours.tokenToId(String.valueOf(ByteLevelAlphabet.charOf(b)));
            }
            int[] interesting = {0x41, 0x80, 0x9F, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xE2, 0xED, 0xEF, 0xF0, 0xF4, 0xF5,
                0xFF, 0xA0, 0x90, 0x8F};
            for (int i = 0; i < 500; i++) {
                int[] ids = new int[1 + random.nextInt(8)];
                for (int k = 0; k < ids.length; k++) {
                    int b = random.nextBoolean() ? interesting[random.nextInt(interesting.length)] : random.nextInt(256);
                    ids[k] = byteIds[b];
                }
                long[] asLong = Arrays.stream(ids).asLongStream().toArray();
                assertEquals(rust.decode(asLong, false), ours.decode(ids), "decode of " + Arrays.toString(ids));
            }
        }
    }

    /** Random runs of {@code <0xNN>} tokens between pieces: one U+FFFD per byte of an invalid run, as Rust does. */
    @Test
    void byteFallbackDecodeOfRandomRunsMatchesRust() {
        Tokenizer ours = mistral;
        HuggingFaceTokenizer rust = mistralRust;
        {
            Random random = new Random(78);
            int[] pieces = {ours.tokenToId("\u2581Hello"), ours.tokenToId("\u2581"), ours.tokenToId("\u2581\u2581"), 1, 2};
            int[] interesting = {0x41, 0x0A, 0x80, 0x9F, 0xBF, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0xED};
            for (int i = 0; i < 500; i++) {
                int[] ids = new int[1 + random.nextInt(10)];
                for (int k = 0; k < ids.length; k++) {
                    ids[k] = random.nextInt(4) == 0 ? pieces[random.nextInt(pieces.length)]
                            : 3 + interesting[random.nextInt(interesting.length)];
                }
                long[] asLong = Arrays.stream(ids).asLongStream().toArray();
                assertEquals(rust.decode(asLong, false), ours.decode(ids), "decode of " + Arrays.toString(ids));
                assertEquals(rust.decode(asLong, true), ours.decode(ids, true), "decode of " + Arrays.toString(ids));
            }
        }
    }

    private static void compare(Tokenizer ours, HuggingFaceTokenizer rust, String name, int count, long seed) {
        Random random = new Random(seed);
        for (int i = 0; i < count; i++) {
            String text = randomText(random);
            String shown = "for " + escape(text) + " with " + name;
            long[] expected = rust.encode(text, true, false).getIds();
            int[] got = ours.encode(text, true);
            assertArrayEquals(toInts(expected), got, "ids " + shown);
            long[] expectedPlain = rust.encode(text, false, false).getIds();
            assertArrayEquals(toInts(expectedPlain), ours.encode(text, false), "ids without special tokens " + shown);
            if (expected.length > 0) {
                assertEquals(rust.decode(expected, false), ours.decode(got, false), "decode " + shown);
                assertEquals(rust.decode(expected, true), ours.decode(got, true), "decode skipping specials " + shown);
            }
        }
    }

    private static HuggingFaceTokenizer rust(Path json) throws IOException {
        try {
            return HuggingFaceTokenizer.newInstance(json, Map.of("addSpecialTokens", "true", "truncation", "false",
                    "padding", "false", "maxLength", "1000000"));
        } catch (UnsatisfiedLinkError | ExceptionInInitializerError | NoClassDefFoundError e) {
            assumeTrue(false, "the Rust tokenizers native library (DJL) does not load on " + System.getProperty("os.name")
                    + "/" + System.getProperty("os.arch") + ": " + e);
            throw e;
        }
    }

    private static String randomText(Random random) {
        int n = random.nextInt(25);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(PIECES[random.nextInt(PIECES.length)]);
        }
        return b.toString();
    }

    private static int[] toInts(long[] ids) {
        return Arrays.stream(ids).mapToInt(Math::toIntExact).toArray();
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.chars().forEach(c -> b.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("\\u%04x", c)));
        return b.append('"').toString();
    }
}
