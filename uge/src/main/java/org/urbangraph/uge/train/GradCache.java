package org.urbangraph.uge.train;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.urbangraph.tensor.Layout;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Rng;

/**
 * Gradient caching (Gao et al., "Scaling Deep Contrastive Learning Batch Size under Memory Limited Setup"): a
 * contrastive batch larger than memory allows gives the same gradients as one big batch.
 * <ol>
 *   <li>Embed every chunk without recording (memory of one chunk at a time).</li>
 *   <li>Compute the loss on the concatenated embeddings and its gradient with respect to each embedding.</li>
 *   <li>Embed each chunk again, recording, and back-propagate the cached embedding gradients into the model.</li>
 * </ol>
 * The second pass must compute exactly what the first computed, so every random stream the model draws from
 * (dropout) is rewound to where it stood before the chunk's first pass.
 *
 * @param <T> one input of the batch (a query or a candidate)
 */
public final class GradCache<T> {

    private final Function<List<T>, Tensor> encoder;
    private final int chunkSize;
    private final List<Rng> randomStreams;

    /**
     * @param encoder       embeds a list of inputs into [n, H], recording the graph when gradients are on
     * @param chunkSize     inputs per forward pass
     * @param randomStreams the streams the encoder draws from, rewound for the second pass
     */
    public GradCache(Function<List<T>, Tensor> encoder, int chunkSize, List<Rng> randomStreams) {
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunk size must be at least 1, got " + chunkSize);
        }
        this.encoder = encoder;
        this.chunkSize = chunkSize;
        this.randomStreams = List.copyOf(randomStreams);
    }

    /**
     * Runs one step: the loss of {@code lossFn(queryEmbeddings, candidateEmbeddings)}, with the gradients of every
     * parameter accumulated as one full-batch backward would. Returns the loss value; a loss that is not finite is
     * returned before any backward pass, with no gradient written.
     */
    public double step(List<T> queries, List<T> candidates, BiFunction<Tensor, Tensor, Tensor> lossFn) {
        List<long[]> qState = new ArrayList<>();
        List<long[]> cState = new ArrayList<>();
        Tensor q;
        Tensor c;
        try (NoGrad g = NoGrad.enter()) {
            q = embedAll(queries, qState);
            c = embedAll(candidates, cState);
        }
        q = q.detach().requiresGrad(true);
        c = c.detach().requiresGrad(true);
        Tensor loss = lossFn.apply(q, c);
        double value = loss.item();
        if (!Double.isFinite(value)) {
            return value; // the caller stops the run on it: no backward pass, no second pass over the chunks
        }
        loss.backward();
        backprop(queries, q.grad(), qState);
        backprop(candidates, c.grad(), cState);
        return value;
    }

    private Tensor embedAll(List<T> inputs, List<long[]> states) {
        List<Tensor> parts = new ArrayList<>();
        for (int at = 0; at < inputs.size(); at += chunkSize) {
            states.add(snapshot());
            parts.add(encoder.apply(inputs.subList(at, Math.min(inputs.size(), at + chunkSize))));
        }
        return parts.size() == 1 ? parts.get(0) : Layout.cat(parts, 0);
    }

    private void backprop(List<T> inputs, Tensor grad, List<long[]> states) {
        int chunk = 0;
        for (int at = 0; at < inputs.size(); at += chunkSize, chunk++) {
            int n = Math.min(inputs.size(), at + chunkSize) - at;
            restore(states.get(chunk));
            Tensor e = encoder.apply(inputs.subList(at, at + n));
            Tensor g;
            try (NoGrad ng = NoGrad.enter()) {
                g = grad.narrow(0, at, n).contiguous();
            }
            e.backward(g, false);
        }
    }

    private long[] snapshot() {
        long[] s = new long[randomStreams.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = randomStreams.get(i).counter();
        }
        return s;
    }

    private void restore(long[] s) {
        for (int i = 0; i < s.length; i++) {
            randomStreams.get(i).setCounter(s[i]);
        }
    }
}
