package org.urbangraph.vlm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Phi-3-Vision's tokenizer (the Llama-2 vocabulary plus Phi-3-V's added tokens with mixed rstrip flags) against
 * its 50 cases and decode-only lists.
 *
 * <p>The files are not in this repository; {@link Llama2Files} says where they are read from and why, and the
 * tests skip when they are absent.
 */
class Llama2TokenizerTest {
    private static Tokenizer tokenizer;
    private static JsonNode cases;

    @BeforeAll
    static void load() throws IOException {
        if (Llama2Files.present()) {
            Path dir = Llama2Files.directory();
            tokenizer = Tokenizer.load(dir);
            cases = TokenizerCases.read(dir.resolve("cases.json"));
        }
    }

    /** Each test skips itself, so that the report lists every skipped test with the reason. */
    private static void assumeFiles() {
        assumeTrue(tokenizer != null, Llama2Files.missingMessage());
    }

    @TestFactory
    Stream<DynamicTest> cases() {
        assumeFiles();
        assertEquals(50, cases.path("cases").size());
        return TokenizerCases.encodeAndDecode(tokenizer, cases);
    }

    @TestFactory
    Stream<DynamicTest> decodeCases() {
        assumeFiles();
        return TokenizerCases.decodeOnly(tokenizer, cases);
    }

    @Test
    void publishedIds() {
        assumeFiles();
        assertArrayEquals(new int[] {1, 15043, 3186, 29991}, tokenizer.encode("Hello world!"));
        assertArrayEquals(new int[] {1, 3750, 338, 512, 2325, 16459, 17587, 29973},
                tokenizer.encode("Why is Include handled differently?"));
    }

    @Test
    void phi3ConfigTokens() {
        assumeFiles();
        assertEquals(32000, tokenizer.eosTokenId().orElseThrow());
        assertEquals(32000, tokenizer.padTokenId().orElseThrow());
        assertEquals(1, tokenizer.bosTokenId().orElseThrow());
        assertEquals(32044, tokenizer.tokenToId("<|image|>"));
    }
}
