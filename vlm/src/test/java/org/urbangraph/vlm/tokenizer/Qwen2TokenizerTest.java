package org.urbangraph.vlm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.urbangraph.testkit.Fixtures;

/** The Qwen2 / Qwen2-VL byte-level BPE against the 48 recorded cases (ids, tokens, both decodes). */
class Qwen2TokenizerTest {
    private static Tokenizer tokenizer;
    private static JsonNode cases;

    @BeforeAll
    static void load() throws IOException {
        tokenizer = Tokenizer.load(Fixtures.path("tokenizer", "qwen2"));
        cases = TokenizerCases.read(Fixtures.path("tokenizer", "qwen2", "cases.json"));
    }

    @Test
    void allFortyEightCasesArePresent() {
        assertEquals(48, cases.path("cases").size());
    }

    @TestFactory
    Stream<DynamicTest> cases() {
        return TokenizerCases.encodeAndDecode(tokenizer, cases);
    }

    @Test
    void publishedIds() {
        assertArrayEquals(new int[] {9707, 11, 847, 5562, 374, 18838}, tokenizer.encode("Hello, my dog is cute"));
        assertEquals(872, tokenizer.tokenToId("user"));
        assertEquals(77091, tokenizer.tokenToId("assistant"));
        assertEquals(8948, tokenizer.tokenToId("system"));
        assertEquals(198, tokenizer.tokenToId("\u010a"));
    }

    /**
     * NFC with Unicode 9.0 data, as Hugging Face tokenizers 0.23.2 normalises (ids recorded from it): a mark newer than
     * 9.0 is neither reordered nor crossed by a composition, and compositions added later (Unicode 13, 16) are not made.
     */
    @Test
    void nfcUsesUnicodeNineData() {
        assertArrayEquals(new int[] {157, 104, 223, 136, 96}, tokenizer.encode("\u1ac1\u0323"));
        assertArrayEquals(new int[] {156, 95, 246, 136, 96}, tokenizer.encode("\u0898\u0323"));
        assertArrayEquals(new int[] {64, 157, 104, 223, 136, 96}, tokenizer.encode("a\u1ac1\u0323"));
        assertArrayEquals(new int[] {68, 31305, 120, 53839}, tokenizer.encode("e\u0c3c\u0301"));
        assertArrayEquals(new int[] {64, 33739, 119, 53839}, tokenizer.encode("a\u0d3b\u0301"));
        assertArrayEquals(new int[] {128240, 97, 113, 128240, 97, 108},
                tokenizer.encode(new StringBuilder().appendCodePoint(0x11935).appendCodePoint(0x11930).toString()));
        assertArrayEquals(new int[] {125427, 113, 96, 125427, 113, 100},
                tokenizer.encode(new StringBuilder().appendCodePoint(0x16d63).appendCodePoint(0x16d67).toString()));
        assertArrayEquals(new int[] {125427, 226, 252, 125427, 226, 252},
                tokenizer.encode(new StringBuilder().appendCodePoint(0x1611e).appendCodePoint(0x1611e).toString()));
        assertArrayEquals(new int[] {128240, 237, 224, 128240, 236, 116},
                tokenizer.encode(new StringBuilder().appendCodePoint(0x113c2).appendCodePoint(0x113b8).toString()));
        assertArrayEquals(new int[] {123934, 245, 240, 136, 229},
                tokenizer.encode(new StringBuilder().appendCodePoint(0x105d2).append("\u0307").toString()));
        // older text still normalises: e + combining acute composes to U+00E9, between newer marks too
        assertArrayEquals(tokenizer.encode("\u00e9\u1ac1\u00e9"), tokenizer.encode("e\u0301\u1ac1e\u0301"));
        assertTrue(Unicode9.assigned('e') && Unicode9.assigned(0x0301) && !Unicode9.assigned(0x1ac1)
                && !Unicode9.assigned(0x11935) && Unicode9.assigned(0x10FFFD));
    }

    @Test
    void configGivesEosAndPad() {
        assertEquals(151645, tokenizer.eosTokenId().orElseThrow());
        assertEquals(151643, tokenizer.padTokenId().orElseThrow());
        assertTrue(tokenizer.bosTokenId().isEmpty());
        assertEquals(151643, tokenizer.vocabularySize());
        assertEquals(151657, tokenizer.size());
    }

    /** Qwen2.5 / Qwen3 tokens added at run time get the next ids, and then the recorded Qwen3 ids. */
    @Test
    void tokensAddedAtRunTimeMatchTheQwen3File() throws IOException {
        Tokenizer t = Tokenizer.load(Fixtures.path("tokenizer", "qwen2"));
        List<String> names = List.of("<tool_call>", "</tool_call>", "<|fim_prefix|>", "<|fim_middle|>",
                "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>", "<tool_response>",
                "</tool_response>", "<think>", "</think>");
        int[] ids = t.addTokens(names.stream().map(n -> new AddedToken(n, false, false, false, false, false))
                .toList());
        assertArrayEquals(java.util.stream.IntStream.rangeClosed(151657, 151668).toArray(), ids);
        JsonNode c = null;
        for (JsonNode n : cases.path("cases")) {
            if (n.has("ids_with_qwen3_added_tokens")) {
                c = n;
            }
        }
        assertArrayEquals(TokenizerCases.ints(c.path("ids_with_qwen3_added_tokens")), t.encode(c.path("text").asText()));
        // Non-special added tokens survive skip_special_tokens.
        assertEquals(c.path("text").asText(), t.decode(t.encode(c.path("text").asText()), true));
    }

    /** UGE's graph tokens: new special ids after the Qwen2-VL set, matched whole, dropped when skipping specials. */
    @Test
    void graphTokensAddedAtRunTime() throws IOException {
        Tokenizer t = Tokenizer.load(Fixtures.path("tokenizer", "qwen2"));
        int[] ids = t.addSpecialTokens("<|graph_start|>", "<|graph_pad|>", "<|graph_end|>");
        assertArrayEquals(new int[] {151657, 151658, 151659}, ids);
        assertArrayEquals(ids, t.addSpecialTokens("<|graph_start|>", "<|graph_pad|>", "<|graph_end|>"),
                "adding again keeps the ids");
        assertEquals(151658, t.tokenToId("<|graph_pad|>"));
        assertEquals("<|graph_end|>", t.idToToken(151659));
        int[] encoded = t.encode("<|graph_start|><|graph_pad|><|graph_pad|><|graph_end|> near Seton Ave");
        assertArrayEquals(new int[] {151657, 151658, 151658, 151659}, java.util.Arrays.copyOf(encoded, 4));
        assertArrayEquals(tokenizer.encode(" near Seton Ave"), java.util.Arrays.copyOfRange(encoded, 4, encoded.length));
        assertEquals(" near Seton Ave", t.decode(encoded, true));
        // The original tokenizer is unaffected: there the text is plain pieces.
        assertTrue(tokenizer.encode("<|graph_pad|>").length > 1);
    }

    @Test
    void longTextIsTheConcatenationOfItsWords() {
        // BPE never merges across pre-tokens, so a long text encodes as its parts do; exercises the cache.
        String caption = cases.path("cases").get(37).path("text").asText();
        int[] once = tokenizer.encode(caption);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            text.append(caption).append('\n');
        }
        int[] many = tokenizer.encode(text.toString());
        assertTrue(many.length > 50 * once.length);
        assertEquals(text.toString(), tokenizer.decode(many));
    }

    /** Long words and long whitespace runs (one BPE word each, uncached) encode and decode back without trouble. */
    @Test
    void veryLongInputRoundTrips() {
        java.util.Random random = new java.util.Random(5);
        String[] parts = {"street", " ", "Ave", "  ", "\n", "crossing", "\u4e2d\u6587", "\u00e9", "\u00a0", "1234",
            "x".repeat(3000), " ".repeat(2000), "\ud83d\ude00"};
        StringBuilder text = new StringBuilder("Start");
        while (text.length() < 100_000) {
            text.append(parts[random.nextInt(parts.length)]);
        }
        int[] ids = tokenizer.encode(text.toString(), false);
        assertTrue(ids.length > 5_000, "ids: " + ids.length);
        assertEquals(text.toString(), tokenizer.decode(ids));
    }
}
