package org.urbangraph.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.urbangraph.vlm.embed.EncodedInput;
import org.urbangraph.vlm.embed.Qwen2VLPipeline;
import org.urbangraph.vlm.image.Images;
import org.urbangraph.vlm.image.RgbImage;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ug embed}: embeddings of images and texts (or of prompts written out in full), one JSON object per input,
 * through the same pipeline the library and UGE use.
 */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = {"Prints the L2-normalised last-token embedding of each input, one JSON object per line.",
            "Each --image is one input (the image followed by --instruction), each --text is one input (after "
                + "--instruction, if given). With --prompt, each prompt is one input: it is written out in full "
                + "with its special tokens, each <|vision_start|><|image_pad|><|vision_end|> takes the next --image, "
                + "and all prompts form one left-padded batch."})
public final class EmbedCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "A Hugging Face model directory (config.json, safetensors, tokenizer.json).")
    Path model;

    @Option(names = "--image", paramLabel = "FILE", description = "An image (PNG or JPEG); repeatable.")
    List<Path> images = new ArrayList<>();

    @Option(names = "--text", paramLabel = "TEXT", description = "A text to embed; repeatable.")
    List<String> texts = new ArrayList<>();

    @Option(names = "--instruction", paramLabel = "TEXT",
            description = "Instruction written after each image and before each text.")
    String instruction;

    @Option(names = "--prompt", paramLabel = "PROMPT", description = "A full prompt with special tokens; repeatable.")
    List<String> prompts = new ArrayList<>();

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "json",
            description = "Output format: json (one object per line, default).")
    String format;

    @Override
    public Integer call() throws IOException {
        if (!format.equals("json")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "unknown --format '" + format
                    + "' (supported: json)");
        }
        if (prompts.isEmpty() && images.isEmpty() && texts.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "nothing to embed: give --image, --text or --prompt");
        }
        if (!prompts.isEmpty() && !texts.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--prompt writes each input in full; do not combine it with --text");
        }
        List<RgbImage> decoded = new ArrayList<>();
        for (Path p : images) {
            decoded.add(Images.read(p));
        }
        Qwen2VLPipeline pipe = Qwen2VLPipeline.load(model);
        List<EncodedInput> inputs = new ArrayList<>();
        List<String> described = new ArrayList<>();
        if (!prompts.isEmpty()) {
            int next = 0;
            for (String prompt : prompts) {
                int n = count(prompt, "<|image_pad|>");
                if (next + n > decoded.size()) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "the prompts hold more "
                            + "<|image_pad|> placeholders than the " + decoded.size() + " --image files given");
                }
                inputs.add(pipe.encodePrompt(prompt, decoded.subList(next, next + n)));
                described.add(null);
                next += n;
            }
            if (next != decoded.size()) {
                throw new CommandLine.ParameterException(spec.commandLine(), decoded.size() + " --image files but the "
                        + "prompts hold " + next + " <|image_pad|> placeholders");
            }
        } else {
            for (int i = 0; i < decoded.size(); i++) {
                inputs.add(pipe.encodeQuery(List.of(decoded.get(i)), instruction));
                described.add("image");
            }
            for (String t : texts) {
                inputs.add(pipe.encodeQuery(List.of(), instruction == null ? t : instruction + "\n" + t));
                described.add("text");
            }
        }
        float[][] emb = pipe.embed(inputs);
        PrintWriter out = spec.commandLine().getOut();
        int padded = inputs.stream().mapToInt(i -> i.ids().length).max().orElse(0);
        int imageAt = 0;
        int textAt = 0;
        for (int i = 0; i < emb.length; i++) {
            StringWriter w = new StringWriter();
            try (JsonGenerator g = new JsonFactory().createGenerator(w)) {
                g.writeStartObject();
                g.writeNumberField("input", i);
                if (described.get(i) == null) {
                    g.writeStringField("prompt", prompts.get(i));
                    g.writeObjectFieldStart("batch");
                    g.writeNumberField("rows", emb.length);
                    g.writeNumberField("row", i);
                    g.writeNumberField("padded_length", padded);
                    g.writeNumberField("tokens", inputs.get(i).ids().length);
                    g.writeStringField("padding", "left");
                    g.writeEndObject();
                } else if (described.get(i).equals("image")) {
                    g.writeStringField("image", images.get(imageAt++).toString());
                    if (instruction != null) {
                        g.writeStringField("instruction", instruction);
                    }
                } else {
                    g.writeStringField("text", texts.get(textAt++));
                    if (instruction != null) {
                        g.writeStringField("instruction", instruction);
                    }
                }
                g.writeNumberField("dim", emb[i].length);
                g.writeArrayFieldStart("embedding");
                for (float v : emb[i]) {
                    g.writeNumber(v);
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            out.println(w);
        }
        out.flush();
        return 0;
    }

    private static int count(String s, String token) {
        int n = 0;
        for (int at = s.indexOf(token); at >= 0; at = s.indexOf(token, at + token.length())) {
            n++;
        }
        return n;
    }
}
