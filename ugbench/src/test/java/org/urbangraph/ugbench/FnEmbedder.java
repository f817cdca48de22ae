package org.urbangraph.ugbench;

import java.util.List;
import java.util.function.Function;
import org.urbangraph.uge.embed.EmbedInput;
import org.urbangraph.uge.embed.Embedder;

/** A test embedder whose vector for each input comes from a function of that input. */
public record FnEmbedder(String id, int dimension, Function<EmbedInput, float[]> vector) implements Embedder {

    /** The same vector for every input, so every candidate ties with the truth. */
    public static FnEmbedder constant(String id, float... v) {
        return new FnEmbedder(id, v.length, in -> v.clone());
    }

    @Override
    public float[][] embed(List<EmbedInput> inputs) {
        float[][] out = new float[inputs.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = vector.apply(inputs.get(i));
        }
        return out;
    }
}
