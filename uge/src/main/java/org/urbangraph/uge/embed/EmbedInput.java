package org.urbangraph.uge.embed;

import java.nio.file.Path;

/**
 * One thing to embed: any of an image, a spatial graph (a UGData subgraph file), a text and an instruction. A query
 * is typically image (+ graph) + instruction; a candidate is a text or an image. Paths are absolute or relative to
 * the working directory.
 */
public record EmbedInput(Path image, Path graph, String text, String instruction) {

    public EmbedInput {
        if (image == null && graph == null && (text == null || text.isEmpty())) {
            throw new IllegalArgumentException("an input needs an image, a graph or a text");
        }
    }

    public static EmbedInput text(String text) {
        return new EmbedInput(null, null, text, null);
    }

    public static EmbedInput image(Path image, String instruction) {
        return new EmbedInput(image, null, null, instruction);
    }

    public static EmbedInput imageWithGraph(Path image, Path graph, String instruction) {
        return new EmbedInput(image, graph, null, instruction);
    }

    /** What kind of input this is, for reports: image, image+graph, text, ... */
    public String kind() {
        StringBuilder k = new StringBuilder();
        if (image != null) {
            k.append("image");
        }
        if (graph != null) {
            k.append(k.isEmpty() ? "" : "+").append("graph");
        }
        if (text != null && !text.isEmpty()) {
            k.append(k.isEmpty() ? "" : "+").append("text");
        }
        return k.toString();
    }
}
