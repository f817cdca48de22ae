package org.urbangraph.uge.model;

import java.nio.file.Path;
import java.util.List;

/**
 * One UGE input as a user turn: text with an {@code <image>} tag per image and a {@code <graph>} tag per graph, as in
 * the UGE JSONL data ({@code "<graph><image> Spatial Reasoning Path: ... "}), and the files those tags take, in order.
 */
public record UgeInput(String content, List<Path> images, List<Path> graphs) {

    public UgeInput {
        images = List.copyOf(images);
        graphs = List.copyOf(graphs);
        int imageTags = count(content, "<image>");
        int graphTags = count(content, "<graph>");
        if (graphTags != graphs.size()) {
            throw new IllegalArgumentException("the text has " + graphTags + " <graph> tags but " + graphs.size()
                    + " graphs are given: " + abbreviate(content));
        }
        if (imageTags > images.size()) {
            throw new IllegalArgumentException("the text has " + imageTags + " <image> tags but " + images.size()
                    + " images are given: " + abbreviate(content));
        }
    }

    public static UgeInput text(String text) {
        return new UgeInput(text, List.of(), List.of());
    }

    static int count(String s, String tag) {
        int n = 0;
        for (int at = s.indexOf(tag); at >= 0; at = s.indexOf(tag, at + tag.length())) {
            n++;
        }
        return n;
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
