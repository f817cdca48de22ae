package org.urbangraph.vlm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.urbangraph.testkit.Fixtures;

/** Mistral-7B's SentencePiece-style BPE (LLaVA-1.6-Mistral) against its 50 cases and the decode-only lists. */
class MistralTokenizerTest {
    private static Tokenizer tokenizer;
    private static JsonNode cases;

    @BeforeAll
    static void load() throws IOException {
        tokenizer = Tokenizer.load(Fixtures.path("tokenizer", "mistral"));
        cases = TokenizerCases.read(Fixtures.path("tokenizer", "mistral", "cases.json"));
    }

    @Test
    void allCasesArePresent() {
        assertEquals(50, cases.path("cases").size());
        assertTrue(cases.path("decode_cases").size() >= 13);
    }

    @TestFactory
    Stream<DynamicTest> cases() {
        return TokenizerCases.encodeAndDecode(tokenizer, cases);
    }

    @TestFactory
    Stream<DynamicTest> decodeCases() {
        return TokenizerCases.decodeOnly(tokenizer, cases);
    }

    @Test
    void publishedInstructionIds() {
        assertArrayEquals(new int[] {1, 733, 16289, 28793, 1824, 349, 574, 16020, 2076, 2487, 28804, 733, 28748,
                16289, 28793}, tokenizer.encode("[INST] What is your favourite condiment? [/INST]"));
    }

    @Test
    void configGivesBosEosAndNoPad() {
        assertEquals(1, tokenizer.bosTokenId().orElseThrow());
        assertEquals(2, tokenizer.eosTokenId().orElseThrow());
        assertEquals(0, tokenizer.unkTokenId().orElseThrow());
        assertTrue(tokenizer.padTokenId().isEmpty());
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
