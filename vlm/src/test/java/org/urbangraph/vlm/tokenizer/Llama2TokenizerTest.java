package org.urbangraph.vlm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.urbangraph.testkit.Fixtures;

/**
 * Phi-3-Vision's tokenizer (the Llama-2 vocabulary plus Phi-3-V's added tokens with mixed rstrip flags) against
 * its 50 cases and decode-only lists.
 *
 * <p>The files are not in this repository: whether the Llama-2 vocabulary may be redistributed under the
 * Llama 2 Community License is unsettled. They are read from {@code -Dug.llama2.tokenizer.dir}, by default
 * {@code ../shared/tokenizer/llama2} next to the repository (or the nearest {@code shared/} further up), and the
 * test is skipped when that folder is absent.
 */
class Llama2TokenizerTest {
    static final String PROPERTY = "ug.llama2.tokenizer.dir";

    private static Tokenizer tokenizer;
    private static JsonNode cases;

    static Path directory() {
        String configured = System.getProperty(PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        // fixtures/ sits at the repository root; shared/ is its sibling on developer machines (a worktree may
        // sit deeper, so the nearest shared/ above the root counts too).
        Path root = Fixtures.root().toAbsolutePath().getParent();
        Path fallback = root.resolveSibling("shared").resolve("tokenizer").resolve("llama2");
        for (Path dir = root.getParent(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared").resolve("tokenizer").resolve("llama2");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return fallback;
    }

    static String missingMessage(Path dir) {
        return "Llama-2 tokenizer files not found in " + dir + " (set -D" + PROPERTY + "=DIR): they are kept out of "
                + "the repository because the Llama 2 Community License's redistribution terms for the Llama-2 "
                + "vocabulary are unsettled";
    }

    @BeforeAll
    static void load() throws IOException {
        Path dir = directory();
        if (Files.isRegularFile(dir.resolve("tokenizer.json")) && Files.isRegularFile(dir.resolve("cases.json"))) {
            tokenizer = Tokenizer.load(dir);
            cases = TokenizerCases.read(dir.resolve("cases.json"));
        }
    }

    /** Each test skips itself, so that the report lists every skipped test with the reason. */
    private static void assumeFiles() {
        assumeTrue(tokenizer != null, missingMessage(directory()));
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
