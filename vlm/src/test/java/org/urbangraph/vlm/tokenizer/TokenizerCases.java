package org.urbangraph.vlm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/** Reads a {@code cases.json} of the tokenizer fixtures and turns each case into checks against a tokenizer. */
final class TokenizerCases {
    private TokenizerCases() {}

    static JsonNode read(Path file) throws IOException {
        return new ObjectMapper().readTree(file.toFile());
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /**
     * One dynamic test per case: ids with special tokens, ids without ({@code ids_no_bos} where the file has it,
     * else the same ids), the token strings, and the three decodes.
     */
    static Stream<DynamicTest> encodeAndDecode(Tokenizer tokenizer, JsonNode cases) {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : cases.path("cases")) {
            String name = c.path("name").asText();
            tests.add(DynamicTest.dynamicTest(name, () -> {
                String text = c.path("text").asText();
                int[] ids = ints(c.path("ids"));
                int[] idsNoSpecial = c.has("ids_no_bos") ? ints(c.path("ids_no_bos")) : ids;
                assertArrayEquals(ids, tokenizer.encode(text, true), name + ": ids");
                assertArrayEquals(idsNoSpecial, tokenizer.encode(text, false), name + ": ids without special tokens");
                assertEquals(strings(c.path("tokens")), tokenizer.tokens(idsNoSpecial), name + ": tokens");
                assertEquals(c.path("decoded").asText(), tokenizer.decode(ids, false), name + ": decoded");
                assertEquals(c.path("decoded_skip_special").asText(), tokenizer.decode(ids, true),
                        name + ": decoded, special tokens skipped");
                if (c.has("decoded_no_bos")) {
                    assertEquals(c.path("decoded_no_bos").asText(), tokenizer.decode(idsNoSpecial, false),
                            name + ": decoded without BOS");
                }
            }));
        }
        return tests.stream();
    }

    /** The decode-only id lists ({@code decode_cases}). */
    static Stream<DynamicTest> decodeOnly(Tokenizer tokenizer, JsonNode cases) {
        List<DynamicTest> tests = new ArrayList<>();
        int i = 0;
        for (JsonNode c : cases.path("decode_cases")) {
            int[] ids = ints(c.path("ids"));
            tests.add(DynamicTest.dynamicTest("decode_cases[" + i++ + "] " + c.path("tokens"), () -> {
                assertEquals(strings(c.path("tokens")), tokenizer.tokens(ids), "tokens");
                assertEquals(c.path("decoded").asText(), tokenizer.decode(ids, false), "decoded");
                assertEquals(c.path("decoded_skip_special").asText(), tokenizer.decode(ids, true),
                        "decoded, special tokens skipped");
            }));
        }
        return tests.stream();
    }
}
