package org.urbangraph.graph;

import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Activation;
import org.urbangraph.tensor.nn.MLP;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.tensor.nn.Rng;

/**
 * Node positions to spatial embeddings: the {@link SinusoidalEncoding} (4 x frequencies wide), then
 * {@code projection} = Linear(4F, 2d), ReLU, Dropout, Linear(2d, d), LayerNorm(d), as the reference's
 * {@code SpatialPositionalEncoder} with {@code use_ffn=True}.
 */
final class SpatialPositionalEncoder extends Module {

    private final SinusoidalEncoding sinusoidal;
    private final MLP projection;

    SpatialPositionalEncoder(int embedDim, int frequencyNum, double minRadius, double maxRadius, double dropout,
                             Rng rng) {
        this.sinusoidal = new SinusoidalEncoding(frequencyNum, minRadius, maxRadius);
        this.projection = child("projection", new MLP(new int[] {sinusoidal.dim(), 2 * embedDim, embedDim},
                Activation.RELU, dropout, true, rng));
    }

    SinusoidalEncoding sinusoidal() {
        return sinusoidal;
    }

    /** [N, embedDim] embeddings of the batch's node positions. */
    Tensor forward(GraphBatch batch, Trace trace) {
        int n = batch.numNodes();
        Tensor sin = Tensor.of(sinusoidal.encode(batch.lon(), batch.lat()), n, sinusoidal.dim());
        trace.put("spatial.sinusoidal", sin);
        return trace.put("spatial.embeddings", projection.forward(sin));
    }
}
