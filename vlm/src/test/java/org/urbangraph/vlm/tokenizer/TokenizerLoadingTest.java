package org.urbangraph.vlm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.testkit.Fixtures;

/**
 * Loading: what {@code tokenizer_config.json} changes, the file's truncation, and the errors for files this
 * package cannot run (each must name the file and the JSON path of the part).
 */
class TokenizerLoadingTest {
    @TempDir
    Path dir;

    /** A tiny SentencePiece-style tokenizer: pieces for "▁a", "b" and the three specials. */
    private static final String TINY = """
            {"version": "1.0", "truncation": %s, "padding": null,
             "added_tokens": [
               {"id": 0, "content": "<unk>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
               {"id": 1, "content": "<s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
               {"id": 2, "content": "</s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}],
             "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "\u2581"},
                            {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
             "pre_tokenizer": %s,
             "model": {"type": "%s", "dropout": null, "unk_token": "<unk>", "continuing_subword_prefix": null,
                       "end_of_word_suffix": null, "fuse_unk": true, "byte_fallback": false,
                       "vocab": {"<unk>": 0, "<s>": 1, "</s>": 2, "\u2581": 3, "a": 4, "b": 5, "\u2581a": 6},
                       "merges": [%s]},
             "post_processor": {"type": "TemplateProcessing",
                 "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                 "pair": [], "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
             "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
                         {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}}
            """;

    private Path write(String truncation, String preTokenizer, String modelType, String merges, String config)
            throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"),
                TINY.formatted(truncation, preTokenizer, modelType, merges));
        if (config != null) {
            Files.writeString(dir.resolve("tokenizer_config.json"), config);
        }
        return dir;
    }

    private Path tiny() throws IOException {
        return write("null", "null", "BPE", "\"\u2581 a\"", null);
    }

    @Test
    void tinyTokenizerEncodesAndDecodes() throws IOException {
        Tokenizer t = Tokenizer.load(tiny());
        // "▁ab▁a": both "▁ a" pairs merge.
        assertArrayEquals(new int[] {1, 6, 5, 6}, t.encode("ab a"));
        assertArrayEquals(new int[] {6, 5, 6}, t.encode("ab a", false));
        assertEquals("<s> ab a", t.decode(t.encode("ab a")));
        assertEquals("ab a", t.decode(t.encode("ab a"), true));
        // Unknown characters fuse into one <unk> (fuse_unk); "<s>" in the text is the special token, and the
        // text after it gets its own "▁".
        assertArrayEquals(new int[] {1, 6, 0, 4, 1, 3, 3, 0}, t.encode("axya<s> z"));
    }

    @Test
    void llamaConfigRebuildsThePostProcessor() throws IOException {
        Tokenizer both = Tokenizer.load(write("null", "null", "BPE", "\"\u2581 a\"", """
                {"tokenizer_class": "LlamaTokenizer", "add_bos_token": true, "add_eos_token": true,
                 "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": null}"""));
        assertArrayEquals(new int[] {1, 6, 2}, both.encode("a"));
        Tokenizer none = Tokenizer.load(write("null", "null", "BPE", "\"\u2581 a\"", """
                {"tokenizer_class": "LlamaTokenizerFast", "add_bos_token": false,
                 "bos_token": {"content": "<s>", "special": true}, "eos_token": "</s>"}"""));
        assertArrayEquals(new int[] {6}, none.encode("a"));
        // Other classes keep the file's post-processor.
        Tokenizer other = Tokenizer.load(write("null", "null", "BPE", "\"\u2581 a\"", """
                {"tokenizer_class": "PreTrainedTokenizerFast", "add_bos_token": false, "add_eos_token": true}"""));
        assertArrayEquals(new int[] {1, 6}, other.encode("a"));
    }

    @Test
    void configTokensMissingFromTheFileAreAdded() throws IOException {
        Tokenizer t = Tokenizer.load(write("null", "null", "BPE", "\"\u2581 a\"", """
                {"pad_token": "<pad>", "additional_special_tokens": ["<img>"],
                 "added_tokens_decoder": {"7": {"content": "<sep>", "lstrip": false, "normalized": false,
                                                "rstrip": false, "single_word": false, "special": true}},
                 "clean_up_tokenization_spaces": true}"""));
        assertEquals(7, t.tokenToId("<sep>"));
        assertEquals(8, t.padTokenId().orElseThrow());
        assertEquals(9, t.tokenToId("<img>"));
        assertArrayEquals(new int[] {1, 6, 9, 3, 6, 8}, t.encode("a<img> a<pad>"));
        assertEquals(10, t.size());
        assertEquals(7, t.vocabularySize());
        assertEquals("a.", Tokenizer.cleanUpTokenizationSpaces("a ."));
    }

    @Test
    void truncationFromTheFileLeavesRoomForTheBos() throws IOException {
        Tokenizer right = Tokenizer.load(write("""
                {"direction": "Right", "max_length": 3, "strategy": "LongestFirst", "stride": 0}""",
                "null", "BPE", "\"\u2581 a\"", null));
        assertArrayEquals(new int[] {1, 6, 5}, right.encode("ab a"));
        assertArrayEquals(new int[] {6, 5, 6}, right.encode("ab a", false));
        Tokenizer left = Tokenizer.load(write("""
                {"direction": "Left", "max_length": 3, "strategy": "LongestFirst", "stride": 0}""",
                "null", "BPE", "\"\u2581 a\"", null));
        assertArrayEquals(new int[] {1, 5, 6}, left.encode("ab a"));
    }

    @Test
    void aCallTimeMaxLengthCountsTheBosAndReplacesTheFilesTruncation() throws IOException {
        // "ab a b" is ▁a b ▁a ▁ b: 5 ids, 6 with the BOS
        Tokenizer t = Tokenizer.load(tiny());
        assertArrayEquals(new int[] {1, 6, 5, 6, 3, 5}, t.encode("ab a b", true, 8));
        assertArrayEquals(new int[] {1, 6, 5, 6}, t.encode("ab a b", true, 4), "the BOS is kept, the text cut");
        assertArrayEquals(new int[] {6, 5, 6, 3}, t.encode("ab a b", false, 4));
        assertArrayEquals(new int[] {1}, t.encode("ab a b", true, 1));
        // a call-time limit replaces the file's (max_length 3 here)
        Tokenizer file = Tokenizer.load(write("""
                {"direction": "Right", "max_length": 3, "strategy": "LongestFirst", "stride": 0}""",
                "null", "BPE", "\"\u2581 a\"", null));
        assertArrayEquals(new int[] {1, 6, 5, 6, 3}, file.encode("ab a b", true, 5));
        Tokenizer left = Tokenizer.load(write("null", "null", "BPE", "\"\u2581 a\"", """
                {"truncation_side": "left"}"""));
        assertArrayEquals(new int[] {1, 6, 3, 5}, left.encode("ab a b", true, 4));
    }

    @Test
    void unsupportedModelNamesFileAndComponent() throws IOException {
        Path d = write("null", "null", "WordPiece", "", null);
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(d));
        assertTrue(e.getMessage().contains(d.resolve("tokenizer.json").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("model: component type \"WordPiece\" is not supported"), e.getMessage());
    }

    @Test
    void unsupportedPreTokenizerNamesItsPath() throws IOException {
        Path d = write("null", """
                {"type": "Sequence", "pretokenizers": [{"type": "Digits", "individual_digits": true},
                                                       {"type": "Whitespace"}]}""", "BPE", "\"\u2581 a\"", null);
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(d));
        assertTrue(e.getMessage().contains("pre_tokenizer.pretokenizers[1]: component type \"Whitespace\""),
                e.getMessage());
    }

    @Test
    void aTruncationSideOtherThanLeftOrRightIsRefusedWithFileAndKey() throws IOException {
        Path d = write("null", "null", "BPE", "\"\u2581 a\"", "{\"truncation_side\": \"middle\"}");
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(d));
        assertTrue(e.getMessage().contains(d.resolve("tokenizer_config.json").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("truncation_side: \"middle\""), e.getMessage());
        Path left = write("null", "null", "BPE", "\"\u2581 a\"", "{\"truncation_side\": \"left\"}");
        Tokenizer.load(left);
    }

    @Test
    void mergeOfUnknownTokenNamesTheMerge() throws IOException {
        Path d = write("null", "null", "BPE", "\"\u2581 a\", [\"a\", \"zz\"]", null);
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(d));
        assertTrue(e.getMessage().contains("model.merges[1]: token \"zz\" is not in the vocabulary"), e.getMessage());
        Path d2 = write("null", "null", "BPE", "\"a b c\"", null);
        e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(d2));
        assertTrue(e.getMessage().contains("model.merges[0]"), e.getMessage());
    }

    @Test
    void vocabularyIdsOutsideTheVocabularysRangeAreNamed() throws IOException {
        for (String id : new String[] {"2000000000", "-3"}) {
            Files.writeString(dir.resolve("tokenizer.json"), TINY.formatted("null", "null", "BPE", "\"\u2581 a\"")
                    .replace("\"b\": 5", "\"b\": " + id));
            TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(dir));
            assertTrue(e.getMessage().contains("tokenizer.json") && e.getMessage().contains("model.vocab")
                    && e.getMessage().contains("\"b\"") && e.getMessage().contains(id), e.getMessage());
        }
    }

    @Test
    void brokenJsonAndMissingFileAreReported() throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"vocab\": {\"a\": 0,");
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(dir));
        assertTrue(e.getMessage().startsWith(dir.resolve("tokenizer.json") + ": not valid JSON"), e.getMessage());
        Path empty = Files.createDirectory(dir.resolve("empty"));
        NoSuchFileException missing = assertThrows(NoSuchFileException.class, () -> Tokenizer.load(empty));
        assertTrue(missing.getMessage().contains("no tokenizer.json in " + empty), missing.getMessage());
    }

    @Test
    void decodeRejectsNegativeIdsAndSkipsIdsWithoutToken() throws IOException {
        Tokenizer qwen = Tokenizer.load(Fixtures.path("tokenizer", "qwen2", "tokenizer.json"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> qwen.decode(new int[] {9707, -1}));
        assertTrue(e.getMessage().contains("id -1 at position 1"), e.getMessage());
        // Rows 151657..151935 of Qwen2-VL's embedding have no token; the reference leaves them out.
        assertEquals("Hello", qwen.decode(new int[] {9707, 151900}));
        assertEquals(null, qwen.idToToken(151900));
        assertEquals(-1, qwen.tokenToId("no such token"));
    }
}
