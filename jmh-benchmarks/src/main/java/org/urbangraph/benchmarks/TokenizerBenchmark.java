package org.urbangraph.benchmarks;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.urbangraph.vlm.tokenizer.Tokenizer;

/**
 * Encoding throughput of our tokenizers against the Rust Hugging Face {@code tokenizers} library (the reference,
 * through DJL's native build) on the same files and texts: the urban caption of the tokenizer cases (about 70
 * tokens), and a long paragraph (the 517-token case of the SentencePiece fixtures). With the Mistral tokenizer a
 * whole paragraph segment is one BPE word, which is what the priority-queue merge is for; the uncached variant
 * turns the word cache off so every word is merged anew. Single-threaded.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class TokenizerBenchmark {

    @Param({"qwen2", "mistral"})
    public String tokenizer;

    @Param({"caption", "paragraph"})
    public String text;

    private String input;
    private Tokenizer ours;
    private Tokenizer oursUncached;
    private HuggingFaceTokenizer rust;

    @Setup
    public void setup() throws IOException {
        Path dir = ImagePreprocessBenchmark.findFixture("fixtures/tokenizer/" + tokenizer + "/tokenizer.json")
                .getParent();
        input = switch (text) {
            case "caption" -> caseText("qwen2", "urban_caption");
            case "paragraph" -> caseText("mistral", "long_text_over_512_tokens");
            default -> throw new IllegalArgumentException("text must be caption or paragraph, got " + text);
        };
        ours = Tokenizer.load(dir);
        oursUncached = Tokenizer.load(dir);
        oursUncached.setCacheEnabled(false);
        rust = HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"), Map.of("addSpecialTokens", "true",
                "truncation", "false", "padding", "false", "maxLength", "1000000"));
        int[] a = ours.encode(input);
        long[] b = rust.encode(input, true, false).getIds();
        if (a.length != b.length) {
            throw new IllegalStateException("ours and the Rust library disagree on the benchmark text: " + a.length
                    + " vs " + b.length + " tokens");
        }
        System.out.printf("%n%s / %s: %d characters, %d UTF-8 bytes, %d tokens%n", tokenizer, text, input.length(),
                input.getBytes(StandardCharsets.UTF_8).length, a.length);
    }

    @TearDown
    public void close() {
        rust.close();
    }

    private static String caseText(String folder, String name) throws IOException {
        Path file = ImagePreprocessBenchmark.findFixture("fixtures/tokenizer/" + folder + "/cases.json");
        for (JsonNode c : new ObjectMapper().readTree(file.toFile()).path("cases")) {
            if (c.path("name").asText().equals(name)) {
                return c.path("text").asText();
            }
        }
        throw new IllegalStateException("no case " + name + " in " + file);
    }

    /** Our encoder with its word cache warm (repeated words are looked up, not merged). */
    @Benchmark
    public int[] ours() {
        return ours.encode(input);
    }

    /** Our encoder with the word cache off: every word merged from its characters. */
    @Benchmark
    public int[] oursUncached() {
        return oursUncached.encode(input);
    }

    /** The Rust library on the same text (its own cache on), ids only. */
    @Benchmark
    public long[] rust() {
        Encoding e = rust.encode(input, true, false);
        return e.getIds();
    }
}
