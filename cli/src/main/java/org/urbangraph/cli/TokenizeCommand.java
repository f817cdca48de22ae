package org.urbangraph.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.urbangraph.vlm.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ug tokenize}: the ids of a text, as a JSON array, with the special tokens the tokenizer's post-processor
 * adds. Without {@code --text} it reads one JSON string per line from standard input and writes one array per
 * line, so a large test set runs in one process.
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = {"Prints the token ids of a text as a JSON array.",
            "Without --text, reads one JSON string per line from standard input and prints one JSON array per line."})
public final class TokenizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "A model directory (tokenizer.json, tokenizer_config.json if present), "
                    + "a folder holding only tokenizer.json, or the tokenizer.json file itself.")
    Path model;

    @Option(names = "--text", paramLabel = "TEXT", description = "The text to tokenize.")
    String text;

    @Option(names = "--no-special-tokens",
            description = "Leave out the special tokens the post-processor adds (such as Llama's BOS).")
    boolean noSpecialTokens;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Tokenizer tokenizer;
        try {
            tokenizer = Tokenizer.load(model);
        } catch (IOException e) {
            err.println("ug tokenize: cannot load the tokenizer of " + model + ": " + describe(e));
            err.flush();
            return 1;
        }
        if (text != null) {
            out.println(json(tokenizer.encode(text, !noSpecialTokens)));
            out.flush();
            return 0;
        }
        // one JSON value per line: anything after it ("a" "b", "x" garbage) makes the line bad, not ignored
        ObjectMapper mapper = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        int lineNumber = 0;
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            lineNumber++;
            JsonNode value;
            try {
                value = mapper.readTree(line);
            } catch (JacksonException e) {
                value = null;
            }
            if (value == null || !value.isTextual()) {
                out.flush();
                err.println("ug tokenize: standard input line " + lineNumber
                        + ": expected one JSON string such as \"Hello\", got: " + abbreviate(line));
                err.flush();
                return 1;
            }
            out.println(json(tokenizer.encode(value.asText(), !noSpecialTokens)));
            if (!in.ready()) {
                // Flush when the input has nothing more buffered: prompt answers in a pipe, few writes in bulk.
                out.flush();
            }
        }
        out.flush();
        return 0;
    }

    private static String describe(IOException e) {
        return e instanceof java.nio.file.NoSuchFileException missing && missing.getReason() != null
                ? missing.getReason() : e.getMessage();
    }

    private static String abbreviate(String line) {
        return line.length() <= 80 ? line : line.substring(0, 77) + "...";
    }

    static String json(int[] ids) {
        StringBuilder b = new StringBuilder(ids.length * 7 + 2).append('[');
        for (int i = 0; i < ids.length; i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(ids[i]);
        }
        return b.append(']').toString();
    }
}
