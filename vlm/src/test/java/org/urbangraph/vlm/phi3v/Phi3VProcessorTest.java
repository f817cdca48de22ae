package org.urbangraph.vlm.phi3v;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The {@code <|image_N|>} prompt format. The chunk ids are those of Phi-3-V's own tokenizer as recorded in the
 * project's tokenizer cases ({@code phi3v_processor_chunk_1/2}); the stand-in tokenizer here returns exactly those, so
 * the test checks the splitting, the per-chunk BOS and the runs of negative ids.
 */
class Phi3VProcessorTest {

    static final Map<String, long[]> CHUNKS = Map.of(
            "<|user|>\n", new long[] {1, 32010, 29871, 13},
            "\nDescribe this street.<|end|>\n<|assistant|>\n",
            new long[] {1, 29871, 13, 4002, 29581, 445, 11952, 29889, 32007, 29871, 13, 32001},
            "", new long[] {1},
            " and ", new long[] {1, 29871, 322, 29871});

    static final Function<String, long[]> TOKENIZER = s -> {
        long[] ids = CHUNKS.get(s);
        if (ids == null) {
            throw new AssertionError("unexpected chunk '" + s + "'");
        }
        return ids;
    };

    @Test
    void imagesBecomeRunsOfNegativeIdsBetweenSeparatelyTokenisedChunks() {
        long[] ids = Phi3VProcessor.inputIds("<|user|>\n<|image_1|>\nDescribe this street.<|end|>\n<|assistant|>\n",
                new int[] {3}, TOKENIZER);
        assertArrayEquals(new long[] {1, 32010, 29871, 13, -1, -1, -1, 1, 29871, 13, 4002, 29581, 445, 11952, 29889,
                32007, 29871, 13, 32001}, ids);
        long[] two = Phi3VProcessor.inputIds("<|image_1|> and <|image_2|>", new int[] {2, 1}, TOKENIZER);
        assertArrayEquals(new long[] {1, -1, -1, 1, 29871, 322, 29871, -2, 1}, two,
                "an empty chunk still gets its BOS, as the reference tokenises every chunk");
    }

    @Test
    void tagsOutOfOrderOrMiscountedAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Phi3VProcessor.inputIds("<|image_2|> and <|image_1|>", new int[] {1, 1}, TOKENIZER));
        assertTrue(e.getMessage().contains("<|image_2|>") && e.getMessage().contains("order"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Phi3VProcessor.inputIds("<|image_1|> and <|image_1|>", new int[] {1, 1}, TOKENIZER));
        assertTrue(e.getMessage().contains("out of order"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Phi3VProcessor.inputIds("<|user|>\n<|image_1|>\nDescribe this street.<|end|>\n<|assistant|>\n",
                        new int[] {3, 4}, TOKENIZER));
        assertTrue(e.getMessage().contains("1 image tags but 2 images"), e.getMessage());
    }

    /** Python's {@code \d} in the reference's tag pattern matches any decimal digit, and {@code int()} reads it. */
    @Test
    void tagsWithNonAsciiDigitsAreTagsAsInTheReference() {
        long[] ids = Phi3VProcessor.inputIds("<|image_\u0661|> and <|image_\u0662|>", new int[] {2, 1}, TOKENIZER);
        assertArrayEquals(new long[] {1, -1, -1, 1, 29871, 322, 29871, -2, 1}, ids);
        // MATHEMATICAL BOLD DIGIT ONE, outside the Basic Multilingual Plane
        long[] bold = Phi3VProcessor.inputIds("<|image_\uD835\uDFCF|> and <|image_2|>", new int[] {2, 1}, TOKENIZER);
        assertArrayEquals(ids, bold);
        assertEquals(12, Phi3VProcessor.tagNumber("\u0661\u0032"));
        assertEquals(-1, Phi3VProcessor.tagNumber("99999999999"));
    }
}
