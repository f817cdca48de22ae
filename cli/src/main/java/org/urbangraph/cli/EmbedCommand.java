package org.urbangraph.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.urbangraph.vlm.embed.EmbeddingBatches;
import org.urbangraph.vlm.embed.EmbeddingPipeline;
import org.urbangraph.vlm.embed.EmbeddingPipelines;
import org.urbangraph.vlm.embed.EncodedInput;
import org.urbangraph.vlm.image.RgbImage;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ug embed}: embeddings of images and texts (or of prompts written out in full), one JSON object per input,
 * through the same pipeline the library and UGE use. Plain backbones of every family (Qwen2-VL, Qwen2.5-VL,
 * LLaVA-NeXT, Phi-3-V) go through {@link EmbeddingPipelines}; UGE models ({@code --adapter}) of every family through
 * {@link org.urbangraph.uge.embed.UgeEmbedder}, in the chat layout they were trained with.
 */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = {"Prints the L2-normalised last-token embedding of each input, one JSON object per line.",
            "Each --image is one input (the image followed by --instruction), each --text is one input (after "
                + "--instruction, if given), in the model family's own chat layout. With --prompt, each prompt is "
                + "one input: it is written out in full with its special tokens, each image placeholder takes the "
                + "next --image (Qwen2-VL: <|vision_start|><|image_pad|><|vision_end|>; LLaVA-NeXT: <image>; "
                + "Phi-3-V: <|image_1|>, <|image_2|>, ... numbered within each prompt). Inputs are embedded in "
                + "order, in left-padded batches of " + EmbedCommand.BATCH_SIZE + "; each input embeds as it does "
                + "alone."})
public final class EmbedCommand implements Callable<Integer> {

    /**
     * Inputs per forward pass, for plain backbones and UGE models alike: each batch decodes and encodes its own
     * inputs, so memory grows with the batch, not with the number of inputs (a LLaVA-NeXT image alone is 1,300 to
     * 2,900 tokens).
     */
    static final int BATCH_SIZE = 8;

    @Spec
    CommandSpec spec;

    /** Loads a plain backbone's pipeline. */
    @FunctionalInterface
    interface PipelineLoader {
        EmbeddingPipeline load(Path dir) throws IOException;
    }

    /** How a plain backbone is loaded; tests wrap the pipeline to watch what it is asked to do. */
    PipelineLoader loader = EmbeddingPipelines::load;

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "A Hugging Face model directory (config.json, safetensors, tokenizer.json).")
    Path model;

    @Option(names = "--image", paramLabel = "FILE", description = "An image (PNG or JPEG); repeatable.")
    List<Path> images = new ArrayList<>();

    @Option(names = "--text", paramLabel = "TEXT", description = "A text to embed; repeatable.")
    List<String> texts = new ArrayList<>();

    @Option(names = "--instruction", paramLabel = "TEXT",
            description = "Instruction written after each image and before each text (not with --prompt).")
    String instruction;

    @Option(names = "--prompt", paramLabel = "PROMPT", description = "A full prompt with special tokens; repeatable.")
    List<String> prompts = new ArrayList<>();

    @Option(names = "--adapter", paramLabel = "DIR",
            description = "A UGE model directory (from ug train): embed with its LoRA adapter, graph-token rows and "
                    + "graph encoder. --model is then the backbone (ignored when the UGE directory holds its own); "
                    + "it must be of the family the model was trained on.")
    Path adapter;

    @Option(names = "--graph", paramLabel = "FILE",
            description = "A UGData subgraph file for the image at the same position (the first --graph goes with the "
                    + "first --image); needs a stage-2 --adapter. Repeatable.")
    List<Path> graphs = new ArrayList<>();

    @Option(names = "--exif-transpose",
            description = "Turn each --image upright by its EXIF orientation first, as PIL.ImageOps.exif_transpose "
                    + "does (transformers' load_image, and so its pipelines, do this). Off by default: the reference "
                    + "route, Image.open(f).convert(\"RGB\") handed to the processor, keeps the stored orientation. "
                    + "Orientations 5 to 8 swap width and height, and so change the image's token count. Plain "
                    + "backbones only (not with --adapter).")
    boolean exifTranspose;

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
        if (texts.stream().anyMatch(String::isBlank)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--text is empty: give the text to embed (an empty input embeds only the prompt template)");
        }
        if (!prompts.isEmpty() && !texts.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--prompt writes each input in full; do not combine it with --text");
        }
        if (!prompts.isEmpty() && instruction != null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--prompt writes each input in full; do not combine it with --instruction (write the "
                            + "instruction into the prompt)");
        }
        if (graphs.size() > images.size()) {
            throw new CommandLine.ParameterException(spec.commandLine(), graphs.size() + " --graph files for "
                    + images.size() + " --image files; each graph goes with the image at its position");
        }
        if (!graphs.isEmpty() && adapter == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--graph needs a UGE model (--adapter DIR): a "
                    + "plain backbone has no graph encoder");
        }
        if (adapter != null) {
            if (exifTranspose) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--exif-transpose is for plain "
                        + "backbones; a UGE model reads its images as stored, as it was trained");
            }
            if (!prompts.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--prompt is for plain backbones; with "
                        + "--adapter give --image, --graph, --text and --instruction");
            }
            return embedWithUge();
        }
        EmbeddingPipeline pipe = loader.load(model);
        // every file is decoded and checked before any work, so that a bad one fails first and is named; the pixels
        // are dropped again, and each batch decodes its own images
        for (Path p : images) {
            pipe.readImage(p, exifTranspose);
        }
        int count;
        int[] firstImage; // per prompt: its first --image; it takes the images up to the next prompt's first
        if (!prompts.isEmpty()) {
            firstImage = new int[prompts.size() + 1];
            for (int i = 0; i < prompts.size(); i++) {
                try {
                    firstImage[i + 1] = firstImage[i] + pipe.imagePlaceholders(prompts.get(i));
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--prompt " + (i + 1) + ": "
                            + e.getMessage());
                }
            }
            int total = firstImage[prompts.size()];
            if (total != images.size()) {
                throw new CommandLine.ParameterException(spec.commandLine(), images.size() + " --image files but the "
                        + "prompts hold " + total + " image placeholders (" + pipe.imagePlaceholder() + " for "
                        + pipe.family().modelType() + "); each placeholder takes the next --image");
            }
            count = prompts.size();
        } else {
            firstImage = null;
            count = images.size() + texts.size();
        }
        int[] tokens = new int[count];
        float[][] emb = EmbeddingBatches.inBatches(count, BATCH_SIZE, pipe.model().hiddenSize(), (from, to) -> {
            List<EncodedInput> batch = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) {
                EncodedInput in = encode(pipe, i, firstImage);
                tokens[i] = in.ids().length;
                batch.add(in);
            }
            return pipe.model().embed(pipe.batch(batch), null).toFloatArray();
        });
        for (int i = 0; i < emb.length; i++) {
            String what = !prompts.isEmpty() ? "--prompt " + (i + 1)
                    : i < images.size() ? "--image " + images.get(i)
                    : "--text \"" + texts.get(i - images.size()) + "\"";
            requireFinite(emb[i], i, what);
        }
        PrintWriter out = spec.commandLine().getOut();
        int imageAt = 0;
        int textAt = 0;
        for (int i = 0; i < emb.length; i++) {
            StringWriter w = new StringWriter();
            try (JsonGenerator g = new JsonFactory().createGenerator(w)) {
                g.writeStartObject();
                g.writeNumberField("input", i);
                if (!prompts.isEmpty()) {
                    int batch = EmbeddingBatches.batchOf(i, BATCH_SIZE);
                    int first = batch * BATCH_SIZE;
                    int end = Math.min(count, first + BATCH_SIZE);
                    g.writeStringField("prompt", prompts.get(i));
                    g.writeObjectFieldStart("batch");
                    g.writeNumberField("index", batch);
                    g.writeNumberField("rows", end - first);
                    g.writeNumberField("row", i - first);
                    g.writeNumberField("padded_length", Arrays.stream(tokens, first, end).max().orElse(0));
                    g.writeNumberField("tokens", tokens[i]);
                    g.writeStringField("padding", "left");
                    g.writeEndObject();
                } else if (i < images.size()) {
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

    /**
     * Input {@code i}, its images decoded now: prompt i with the images from {@code firstImage[i]} up to
     * {@code firstImage[i + 1]} (prompt mode), else the i-th --image, then the texts.
     */
    private EncodedInput encode(EmbeddingPipeline pipe, int i, int[] firstImage) {
        if (firstImage != null) {
            List<RgbImage> decoded = new ArrayList<>();
            for (Path p : images.subList(firstImage[i], firstImage[i + 1])) {
                decoded.add(pipe.readImage(p, exifTranspose));
            }
            try {
                return pipe.encodePrompt(prompts.get(i), decoded);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--prompt " + (i + 1) + ": "
                        + e.getMessage());
            }
        }
        if (i < images.size()) {
            return pipe.encodeQuery(List.of(pipe.readImage(images.get(i), exifTranspose)), instruction);
        }
        String t = texts.get(i - images.size());
        return pipe.encodeQuery(List.of(), instruction == null ? t : instruction + "\n" + t);
    }

    /** Each --image (with its --graph, if any) and each --text through a UGE model. */
    private int embedWithUge() throws IOException {
        org.urbangraph.uge.model.UgeModel m = org.urbangraph.uge.model.UgeCheckpoint.load(adapter, model);
        if (!graphs.isEmpty() && m.graphEncoder() == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), adapter + " is a stage-1 model (no graph "
                    + "encoder); --graph needs a stage-2 model");
        }
        org.urbangraph.uge.embed.UgeEmbedder embedder = new org.urbangraph.uge.embed.UgeEmbedder(m, "cli",
                BATCH_SIZE);
        List<org.urbangraph.uge.embed.EmbedInput> inputs = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            inputs.add(new org.urbangraph.uge.embed.EmbedInput(images.get(i), i < graphs.size() ? graphs.get(i) : null,
                    null, instruction));
        }
        for (String t : texts) {
            inputs.add(new org.urbangraph.uge.embed.EmbedInput(null, null, t, instruction));
        }
        float[][] emb = embedder.embed(inputs);
        for (int i = 0; i < emb.length; i++) {
            var in = inputs.get(i);
            requireFinite(emb[i], i, in.image() != null ? "--image " + in.image() : "--text \"" + in.text() + "\"");
        }
        PrintWriter out = spec.commandLine().getOut();
        for (int i = 0; i < emb.length; i++) {
            StringWriter w = new StringWriter();
            try (JsonGenerator g = new JsonFactory().createGenerator(w)) {
                g.writeStartObject();
                g.writeNumberField("input", i);
                var in = inputs.get(i);
                if (in.image() != null) {
                    g.writeStringField("image", in.image().toString());
                }
                if (in.graph() != null) {
                    g.writeStringField("graph", in.graph().toString());
                }
                if (in.text() != null) {
                    g.writeStringField("text", in.text());
                }
                if (instruction != null) {
                    g.writeStringField("instruction", instruction);
                }
                g.writeStringField("model", adapter.toString());
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

    /**
     * Refuses an embedding with a NaN or an infinity (which JSON cannot hold as a number): the model's weights or
     * config produce it, and no line is printed for any input.
     */
    static void requireFinite(float[] embedding, int input, String what) {
        for (float v : embedding) {
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("input " + input + " (" + what + "): the embedding holds " + v
                        + "; the model's weights or config.json give non-finite hidden states, so nothing is printed");
            }
        }
    }
}
