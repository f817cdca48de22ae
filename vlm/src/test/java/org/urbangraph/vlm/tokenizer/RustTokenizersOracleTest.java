package org.urbangraph.vlm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
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

    @Test
    void qwen2MatchesRust() throws Exception {
        compare(Fixtures.path("tokenizer", "qwen2"), 400, 20251127L);
    }

    @Test
    void mistralMatchesRust() throws Exception {
        compare(Fixtures.path("tokenizer", "mistral"), 400, 20251128L);
    }

    @Test
    void llama2MatchesRust() throws Exception {
        Path dir = Llama2TokenizerTest.directory();
        assumeTrue(Files.isRegularFile(dir.resolve("tokenizer.json")),
                "Llama-2 tokenizer files not found in " + dir + "; they are kept out of the repository because the "
                        + "Llama 2 Community License's redistribution terms for the vocabulary are unsettled");
        compare(dir, 400, 20251129L);
    }

    private static void compare(Path dir, int count, long seed) throws IOException {
        Tokenizer ours = Tokenizer.load(dir);
        HuggingFaceTokenizer rust = rust(dir.resolve("tokenizer.json"));
        try (rust) {
            Random random = new Random(seed);
            List<String> texts = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                texts.add(randomText(random));
            }
            for (String text : texts) {
                String shown = "for " + escape(text) + " with " + dir;
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
