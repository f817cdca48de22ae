package org.urbangraph.ugbench.embed;

import java.util.List;
import org.urbangraph.ugbench.cache.InputHasher;
import org.urbangraph.uge.embed.EmbedInput;
import org.urbangraph.uge.embed.Embedder;

/**
 * A baseline that knows nothing: each input gets a unit vector drawn from a generator seeded by the run's seed and the
 * input's content key, so identical inputs get identical vectors and every ranking is uniformly random. Its scores are
 * chance; a report shows them as the floor to beat.
 */
public final class RandomEmbedder implements Embedder {
    private final long seed;
    private final int dimension;
    private final InputHasher hasher;

    public RandomEmbedder(long seed, int dimension, InputHasher hasher) {
        if (dimension < 2) {
            throw new IllegalArgumentException("dimension must be at least 2, got " + dimension);
        }
        this.seed = seed;
        this.dimension = dimension;
        this.hasher = hasher;
    }

    @Override
    public String id() {
        return "random-d" + dimension + "-seed" + seed;
    }

    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public float[][] embed(List<EmbedInput> inputs) {
        float[][] out = new float[inputs.size()][];
        for (int i = 0; i < out.length; i++) {
            long s = Vectors.seedOf(hasher.key(inputs.get(i))) ^ (seed * 0x9E3779B97F4A7C15L);
            out[i] = Vectors.randomUnit(s, dimension);
        }
        return out;
    }
}
