package org.urbangraph.ugbench;

import org.urbangraph.uge.embed.Embedder;

/**
 * One model under evaluation, as a report row names it ("zero-shot", "stage 1", "stage 1+2", an ablation ...).
 *
 * @param name the variant's name in reports
 * @param embedder what embeds the inputs
 * @param usesGraphs false for an embedder that ignores graphs (a raw backbone): the image+graph mode is then not run,
 *     since it would only repeat the image mode, and the report says so
 * @param note a line for the report (what the variant is), or null
 */
public record BenchVariant(String name, Embedder embedder, boolean usesGraphs, String note) {

    public BenchVariant {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a variant needs a name");
        }
        if (embedder == null) {
            throw new IllegalArgumentException("variant '" + name + "' has no embedder");
        }
    }

    public static BenchVariant of(String name, Embedder embedder) {
        return new BenchVariant(name, embedder, true, null);
    }
}
