package org.urbangraph.graph;

import org.urbangraph.tensor.Functional;
import org.urbangraph.tensor.Indexing;
import org.urbangraph.tensor.MessagePassing;
import org.urbangraph.tensor.Pointwise;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Linear;
import org.urbangraph.tensor.nn.Parameter;
import org.urbangraph.tensor.nn.Rng;

/**
 * GATv2 (Brody et al., "How Attentive are Graph Attention Networks?") as PyG 2.7's {@code GATv2Conv} with
 * {@code concat=False, share_weights=False, negative_slope=0.2, add_self_loops=True, fill_value='mean'}:
 *
 * <pre>
 *   x_l = lin_l(x), x_r = lin_r(x)                          [N, H, C]
 *   e   = x_r[dst] + x_l[src] (+ lin_edge(edge_attr))       per edge, self-loops appended (see LoopedEdgeIndex)
 *   logit = sum_c leaky_relu(e, 0.2) * att                   [E', H]
 *   alpha = softmax of logit over the edges into each dst (max-subtracted, + 1e-16), dropout in training
 *   out[dst] += alpha * x_l[src];  out = mean over heads + bias
 * </pre>
 *
 * Checkpoint names follow PyG: {@code lin_l.{weight,bias}}, {@code lin_r.{weight,bias}}, {@code lin_edge.weight}
 * (only with edge features), {@code att} [1, H, C], {@code bias} [C].
 */
public final class GATv2Conv extends MessagePassingLayer {

    static final double NEGATIVE_SLOPE = 0.2;
    /** PyG's softmax adds this to every denominator. */
    static final double SOFTMAX_EPS = 1e-16;

    private final int heads;
    private final int channels;
    private final double dropout;
    private final Rng rng;
    private final Parameter att;
    private final Parameter bias;

    /** The layer's tensors, so the math can run on any tensors (F64 ones in gradient checks). */
    record Weights(Tensor linL, Tensor linLBias, Tensor linR, Tensor linRBias, Tensor linEdge, Tensor att,
                   Tensor bias) {}

    /**
     * A freshly initialised layer.
     *
     * @param in width of the input node features
     * @param channels width of each head's output (and of the layer's output: heads are averaged)
     * @param edgeDim width of the edge features, or 0 for a layer without them
     * @param dropout attention dropout, in training only
     * @param rng initialisation and dropout seeds
     */
    public GATv2Conv(int in, int channels, int heads, int edgeDim, double dropout, Rng rng) {
        this.heads = heads;
        this.channels = channels;
        this.dropout = dropout;
        this.rng = rng;
        // PyG initialises lin_l, lin_r, lin_edge and att with glorot, the Linear biases as torch.nn.Linear does,
        // and the output bias with zeros.
        Linear l = child("lin_l", new Linear(in, heads * channels, true, rng));
        l.weight().set(Glorot.uniform(rng, heads * channels, in));
        Linear r = child("lin_r", new Linear(in, heads * channels, true, rng));
        r.weight().set(Glorot.uniform(rng, heads * channels, in));
        if (edgeDim > 0) {
            Linear e = child("lin_edge", new Linear(edgeDim, heads * channels, false, rng));
            e.weight().set(Glorot.uniform(rng, heads * channels, edgeDim));
        }
        this.att = param("att", Glorot.uniform(rng, 1, heads, channels), true);
        this.bias = param("bias", Tensor.zeros(channels), true);
    }

    boolean takesEdgeFeatures() {
        return getChild("lin_edge") != null;
    }

    Weights weights() {
        Linear l = (Linear) getChild("lin_l");
        Linear r = (Linear) getChild("lin_r");
        Linear e = (Linear) getChild("lin_edge");
        return new Weights(l.weight().tensor(), l.bias().tensor(), r.weight().tensor(), r.bias().tensor(),
                e == null ? null : e.weight().tensor(), att.tensor(), bias.tensor());
    }

    @Override
    public Tensor forward(Tensor x, LoopedEdgeIndex edges, Tensor edgeAttr, Trace trace, String prefix) {
        if (takesEdgeFeatures() != (edgeAttr != null)) {
            throw new IllegalArgumentException(prefix + ": this GATv2 layer " + (takesEdgeFeatures()
                    ? "needs edge features" : "takes no edge features") + ", got " + (edgeAttr == null ? "none" : "some"));
        }
        boolean drop = isTraining() && dropout > 0;
        return propagate(weights(), heads, channels, x, edges, edgeAttr, drop ? dropout : 0, drop ? rng.next() : 0,
                trace, prefix);
    }

    /**
     * The layer's math on given tensors; {@code dropout} > 0 applies attention dropout with that seed. The edge terms
     * are never materialised per edge: the logits and the aggregation are fused kernels ({@link MessagePassing}), so
     * the only [E', H * C] tensor is lin_edge's output. A recording trace gets the same tensors the layer computes.
     */
    static Tensor propagate(Weights w, int heads, int channels, Tensor x, LoopedEdgeIndex edges, Tensor edgeAttr,
                            double dropout, long seed, Trace trace, String prefix) {
        int n = x.size(0);
        int m = edges.numMessages();
        Tensor xl = trace.put(prefix + ".x_l", Functional.linear(x, w.linL(), w.linLBias()).view(n, heads, channels));
        Tensor xr = trace.put(prefix + ".x_r", Functional.linear(x, w.linR(), w.linRBias()).view(n, heads, channels));
        if (trace.enabled()) {
            trace.put(prefix + ".edge_index_with_loops", edges.edgeIndex());
        }
        Tensor edgeTerm = null;
        if (edgeAttr != null) {
            Tensor looped = trace.put(prefix + ".edge_attr_with_loops", edges.withLoops(edgeAttr));
            edgeTerm = Functional.linear(looped, w.linEdge(), null).view(m, heads, channels);
        }
        Tensor logits = trace.put(prefix + ".att_logits", MessagePassing.gatv2Logits(xl, xr, edgeTerm, edges.source,
                edges.target, w.att(), NEGATIVE_SLOPE));
        Tensor alpha = trace.put(prefix + ".alpha", Indexing.segmentSoftmax(logits, edges.target, n, SOFTMAX_EPS));
        if (dropout > 0) {
            alpha = Functional.dropout(alpha, dropout, true, seed);
        }
        Tensor mean = MessagePassing.edgeAggregate(xl, alpha, edges.source, edges.target, n, true);
        return Pointwise.add(mean, w.bias());
    }
}
