package org.urbangraph.ugbench.cache;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.urbangraph.ugdata.dataset.Progress;
import org.urbangraph.uge.embed.EmbedInput;
import org.urbangraph.uge.embed.Embedder;

/**
 * Embeds a set of inputs with one embedder, taking what it can from the {@link EmbeddingCache} and computing the rest
 * in batches (similar inputs together, so a batch pads little), with progress lines that give counts and an ETA. Every
 * vector the embedder returns is checked: the right count and length, finite, and L2-normalised as the
 * {@link Embedder} contract says.
 */
public final class EmbeddingStore {
    /** Allowed deviation of a vector's norm from 1. */
    static final double NORM_TOLERANCE = 1e-2;

    private final Embedder embedder;
    private final EmbeddingCache cache;
    private final InputHasher hasher;
    private final int batchSize;
    private final PrintStream log;
    private int fromCache;
    private int computed;

    /**
     * @param cacheRoot the cache folder, or null for no cache
     * @param log progress lines, or null for none
     */
    public EmbeddingStore(Embedder embedder, Path cacheRoot, InputHasher hasher, int batchSize, PrintStream log)
            throws IOException {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        this.embedder = embedder;
        this.cache = cacheRoot == null ? null : new EmbeddingCache(cacheRoot, embedder.id(), embedder.dimension());
        this.hasher = hasher;
        this.batchSize = batchSize;
        this.log = log;
    }

    public int fromCache() {
        return fromCache;
    }

    public int computed() {
        return computed;
    }

    /** Damaged cache entries found (and recomputed) so far. */
    public int corruptEntries() {
        return cache == null ? 0 : cache.corruptEntries();
    }

    /** Vectors of the distinct inputs among {@code inputs}. */
    public Map<EmbedInput, float[]> embed(List<EmbedInput> inputs, String label) {
        Map<EmbedInput, float[]> out = new HashMap<>();
        Map<EmbedInput, String> keys = new HashMap<>();
        List<EmbedInput> missing = new ArrayList<>();
        for (EmbedInput in : new LinkedHashSet<>(inputs)) {
            String key = cache == null ? null : hasher.key(in);
            float[] v = key == null ? null : cache.get(key);
            if (v != null) {
                out.put(in, v);
                fromCache++;
            } else {
                keys.put(in, key);
                missing.add(in);
            }
        }
        // batches of one kind, texts by length, so that left padding wastes little
        missing.sort(Comparator.comparing(EmbedInput::kind)
                .thenComparingInt(i -> i.text() == null ? 0 : i.text().length()));
        Progress progress = log == null || missing.isEmpty() ? null
                : new Progress(log, label + " [" + embedder.id() + "]", missing.size());
        for (int from = 0; from < missing.size(); from += batchSize) {
            List<EmbedInput> batch = missing.subList(from, Math.min(missing.size(), from + batchSize));
            float[][] vs = embedder.embed(batch);
            if (vs == null || vs.length != batch.size()) {
                throw new IllegalStateException("embedder '" + embedder.id() + "' returned "
                        + (vs == null ? "nothing" : vs.length + " vectors") + " for " + batch.size() + " inputs");
            }
            for (int i = 0; i < vs.length; i++) {
                EmbedInput in = batch.get(i);
                check(vs[i], in);
                out.put(in, vs[i]);
                if (cache != null) {
                    cache.put(keys.get(in), vs[i]);
                }
                computed++;
                if (progress != null) {
                    progress.step();
                }
            }
        }
        if (progress != null) {
            progress.finish();
        }
        return out;
    }

    private void check(float[] v, EmbedInput in) {
        if (v == null || v.length != embedder.dimension()) {
            throw new IllegalStateException("embedder '" + embedder.id() + "' returned "
                    + (v == null ? "no vector" : v.length + " values") + " for " + describe(in) + ", expected "
                    + embedder.dimension());
        }
        double sq = 0;
        for (float x : v) {
            if (!Float.isFinite(x)) {
                throw new IllegalStateException("embedder '" + embedder.id() + "' returned a non-finite value for "
                        + describe(in));
            }
            sq += (double) x * x;
        }
        double norm = Math.sqrt(sq);
        if (Math.abs(norm - 1) > NORM_TOLERANCE) {
            throw new IllegalStateException("embedder '" + embedder.id() + "' returned a vector of norm " + norm
                    + " for " + describe(in) + "; embedders must return L2-normalised vectors");
        }
    }

    static String describe(EmbedInput in) {
        StringBuilder s = new StringBuilder(in.kind()).append(" input");
        if (in.image() != null) {
            s.append(" ").append(in.image());
        } else if (in.text() != null) {
            String t = in.text();
            s.append(" \"").append(t.length() > 60 ? t.substring(0, 57) + "..." : t).append('"');
        }
        return s.toString();
    }
}
