package org.urbangraph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.vlm.tokenizer.Llama2Files;
import picocli.CommandLine;

/**
 * {@code ug tokenize}, run in process, against the recorded tokenizer cases of Qwen2-VL, LLaVA-1.6-Mistral and (where
 * its files are present, see {@link Llama2Files}) Phi-3-Vision.
 */
class TokenizeCommandTest {
    private record Result(int exit, String out, String err) {}

    private static Result run(String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        InputStream saved = System.in;
        try {
            if (stdin != null) {
                System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            }
            int exit = cl.execute(args);
            return new Result(exit, out.toString(), err.toString());
        } finally {
            System.setIn(saved);
        }
    }

    private static JsonNode cases(String name) throws Exception {
        return new ObjectMapper().readTree(Fixtures.path("tokenizer", name, "cases.json").toFile()).path("cases");
    }

    @Test
    void textGivesTheIdsWithBos() throws Exception {
        Path mistral = Fixtures.path("tokenizer", "mistral");
        Result r = run(null, "tokenize", "--model", mistral.toString(), "--text", "Hello world!");
        assertEquals(0, r.exit(), r.err());
        assertEquals("[1,22557,1526,28808]", r.out().strip());
        Result plain = run(null, "tokenize", "--model", mistral.toString(), "--text", "Hello world!",
                "--no-special-tokens");
        assertEquals("[22557,1526,28808]", plain.out().strip());
    }

    /** Every Qwen2 case through standard input, one JSON string per line, from a folder with only tokenizer.json. */
    @Test
    void standardInputLinesGiveOneArrayEach(@TempDir Path dir) throws Exception {
        Files.copy(Fixtures.path("tokenizer", "qwen2", "tokenizer.json"), dir.resolve("tokenizer.json"));
        ObjectMapper mapper = new ObjectMapper();
        StringBuilder stdin = new StringBuilder();
        List<String> expected = new ArrayList<>();
        for (JsonNode c : cases("qwen2")) {
            stdin.append(mapper.writeValueAsString(c.path("text").asText())).append('\n');
            expected.add(mapper.writeValueAsString(c.path("ids")));
        }
        Result r = run(stdin.toString(), "tokenize", "--model", dir.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(expected, r.out().lines().toList());
        assertEquals(48, expected.size());
    }

    /** Every case of a tokenizer folder through standard input; the ids include the BOS the post-processor adds. */
    private static void allCasesThroughStandardInput(Path dir, int expectedCases) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        JsonNode cases = mapper.readTree(dir.resolve("cases.json").toFile()).path("cases");
        StringBuilder stdin = new StringBuilder();
        List<String> expected = new ArrayList<>();
        for (JsonNode c : cases) {
            stdin.append(mapper.writeValueAsString(c.path("text").asText())).append('\n');
            expected.add(mapper.writeValueAsString(c.path("ids")));
        }
        assertEquals(expectedCases, expected.size());
        Result r = run(stdin.toString(), "tokenize", "--model", dir.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(expected, r.out().lines().toList());
    }

    /** LLaVA-1.6-Mistral's tokenizer (SentencePiece-style BPE with byte fallback): all 50 recorded cases. */
    @Test
    void mistralCasesThroughStandardInput() throws Exception {
        allCasesThroughStandardInput(Fixtures.path("tokenizer", "mistral"), 50);
    }

    /** Phi-3-Vision's own tokenizer (Llama-2 vocabulary, Phi-3-V's added tokens): all 50 recorded cases. */
    @Test
    void llama2Phi3CasesThroughStandardInput() throws Exception {
        assumeTrue(Llama2Files.present(), Llama2Files.missingMessage());
        allCasesThroughStandardInput(Llama2Files.directory(), 50);
        Result r = run(null, "tokenize", "--model", Llama2Files.directory().toString(), "--text", "Hello world!");
        assertEquals("[1,15043,3186,29991]", r.out().strip());
    }

    @Test
    void badInputLineNamesTheLine() {
        Path qwen = Fixtures.path("tokenizer", "qwen2");
        Result r = run("\"Hello\"\n{\"text\": 1}\n\"never read\"\n", "tokenize", "--model", qwen.toString());
        assertEquals(1, r.exit());
        // "Hello" is 9707 (the ascii_hello case); the bad line stops the run.
        assertEquals("[9707]", r.out().strip());
        assertTrue(r.err().contains("standard input line 2: expected one JSON string"), r.err());
        for (String line : new String[] {"\"hello\" \"world\"", "\"x\" garbage"}) {
            r = run("\"Hello\"\n" + line + "\n", "tokenize", "--model", qwen.toString());
            assertEquals(1, r.exit(), line);
            assertEquals("[9707]", r.out().strip(), line);
            assertTrue(r.err().contains("standard input line 2: expected one JSON string"), r.err());
        }
    }

    @Test
    void missingTokenizerIsReported(@TempDir Path dir) {
        Result r = run(null, "tokenize", "--model", dir.toString(), "--text", "x");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("no tokenizer.json in " + dir), r.err());
        Result usage = run(null, "tokenize", "--text", "x");
        assertEquals(2, usage.exit());
        assertTrue(usage.err().contains("--model"), usage.err());
    }
}
