package org.urbangraph.tensor;

import java.util.Arrays;
import org.urbangraph.kernels.Backend;
import org.urbangraph.kernels.DType;

/**
 * Fused message-passing ops of graph attention, with autograd: the GATv2 attention logits and the weighted
 * aggregation of messages over edges. Each is one backend kernel forward and one backward, where the composed form
 * (gather both node rows per edge, add, leaky ReLU, multiply, sum; multiply, scatter-add) builds several
 * [E, H, C] edge tensors in each direction. Edges are given as source and target id vectors [E] (I32/I64).
 */
public final class MessagePassing {
    private MessagePassing() {}

    /**
     * GATv2 attention logits [E, H]:
     * {@code sum_c leaky_relu(xl[src[e], h, c] + xr[dst[e], h, c] + edgeTerm[e, h, c], negativeSlope) * att[h, c]}.
     *
     * @param xl source-side node features [Ns, H, C] (PyG's {@code x_j})
     * @param xr target-side node features [Nt, H, C] ({@code x_i})
     * @param edgeTerm per-edge features projected to [E, H, C] ({@code lin_edge(edge_attr)}), or null
     * @param att the attention vector [H, C], or [1, H, C] as PyG stores it
     */
    public static Tensor gatv2Logits(Tensor xl, Tensor xr, Tensor edgeTerm, Tensor src, Tensor dst, Tensor att,
                                     double negativeSlope) {
        String op = "gatv2_logits";
        int edges = edgeCount(op, src, dst);
        int heads = xl.rank() == 3 ? xl.size(1) : -1;
        int channels = xl.rank() == 3 ? xl.size(2) : -1;
        int[] node = {heads, channels};
        requireShape(op, "x_l", xl, -1, heads, channels);
        requireShape(op, "x_r", xr, -1, heads, channels);
        if (edgeTerm != null) {
            requireShape(op, "edge term", edgeTerm, edges, heads, channels);
        }
        Tensor a = att.rank() == 3 && att.size(0) == 1 ? att.view(att.size(1), att.size(2)) : att;
        requireShape(op, "att", a, node);
        Backend be = Pointwise.sameBackend(xl, xr);
        Pointwise.sameBackend(xl, a);
        if (edgeTerm != null) {
            Pointwise.sameBackend(xl, edgeTerm);
        }
        float slope = (float) negativeSlope;
        Tensor out = Tensor.empty(be, Pointwise.floatType(xl, xr, edgeTerm), edges, heads);
        be.gatv2Logits(xl.view(), xr.view(), Functional.viewOrNull(edgeTerm), src.view(), dst.view(), a.view(), slope,
                out.view());
        return Autograd.record(out, op, g -> {
            Backend gb = g.backend();
            DType ft = Pointwise.floatType(g);
            Tensor dxl = gradFor(xl, gb, ft);
            Tensor dxr = gradFor(xr, gb, ft);
            Tensor dEdge = gradFor(edgeTerm, gb, ft);
            Tensor dAtt = gradFor(a, gb, ft);
            gb.gatv2LogitsBackward(xl.view(), xr.view(), Functional.viewOrNull(edgeTerm), src.view(), dst.view(), a.view(), slope,
                    g.view(), Functional.viewOrNull(dxl), Functional.viewOrNull(dxr), Functional.viewOrNull(dEdge), Functional.viewOrNull(dAtt));
            return new Tensor[] {dxl, dxr, dEdge, null, null, dAtt};
        }, xl, xr, edgeTerm, src, dst, a).saving(xl, xr, edgeTerm, src, dst, a);
    }

    /**
     * Weighted aggregation of messages into their targets (PyG's attention propagate with aggregation "add"):
     * {@code out[t, h, :] = sum over edges e into t of weight[e, h] * x[src[e], h, :]}, shape [targets, H, C]; with
     * {@code meanHeads} the mean over the heads, [targets, C] ({@code concat=False}). A node without incoming edges
     * gets 0.
     *
     * @param x source node features [Ns, H, C]
     * @param weight per-edge, per-head weights [E, H] (attention coefficients)
     */
    public static Tensor edgeAggregate(Tensor x, Tensor weight, Tensor src, Tensor dst, int targets,
                                       boolean meanHeads) {
        String op = "edge_aggregate";
        int edges = edgeCount(op, src, dst);
        if (x.rank() != 3) {
            throw new IllegalArgumentException(op + ": x must be [nodes, heads, channels], got "
                    + Arrays.toString(x.shape()));
        }
        int heads = x.size(1);
        int channels = x.size(2);
        requireShape(op, "weight", weight, edges, heads);
        if (targets < 0) {
            throw new IllegalArgumentException(op + ": negative target node count " + targets);
        }
        Backend be = Pointwise.sameBackend(x, weight);
        int[] shape = meanHeads ? new int[] {targets, channels} : new int[] {targets, heads, channels};
        Tensor out = Tensor.empty(be, Pointwise.floatType(x, weight), shape);
        be.edgeAggregate(x.view(), weight.view(), src.view(), dst.view(), meanHeads, out.view());
        return Autograd.record(out, op, g -> {
            Backend gb = g.backend();
            DType ft = Pointwise.floatType(g);
            Tensor dx = gradFor(x, gb, ft);
            Tensor dw = gradFor(weight, gb, ft);
            gb.edgeAggregateBackward(x.view(), weight.view(), src.view(), dst.view(), meanHeads, g.view(),
                    Functional.viewOrNull(dx), Functional.viewOrNull(dw));
            return new Tensor[] {dx, dw, null, null};
        }, x, weight, src, dst).saving(x, weight, src, dst);
    }

    /** The edge count, after checking that src and dst are integer vectors of one length. */
    private static int edgeCount(String op, Tensor src, Tensor dst) {
        for (Tensor t : new Tensor[] {src, dst}) {
            if (t.rank() != 1 || !t.dtype().isIntegral()) {
                throw new IllegalArgumentException(op + ": edge " + (t == src ? "sources" : "targets")
                        + " must be a 1-D integer tensor, got " + t.dtype() + Arrays.toString(t.shape()));
            }
        }
        if (src.size(0) != dst.size(0)) {
            throw new IllegalArgumentException(op + ": " + src.size(0) + " edge sources but " + dst.size(0)
                    + " targets");
        }
        return src.size(0);
    }

    /** Checks t's shape; -1 in {@code expected} accepts any size. */
    private static void requireShape(String op, String what, Tensor t, int... expected) {
        boolean ok = t.rank() == expected.length;
        for (int i = 0; ok && i < expected.length; i++) {
            ok = expected[i] < 0 || t.size(i) == expected[i];
        }
        if (!ok) {
            throw new IllegalArgumentException(op + ": " + what + " has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(expected).replace("-1", "any"));
        }
    }

    private static Tensor gradFor(Tensor input, Backend be, DType type) {
        return input != null && input.requiresGrad() ? Tensor.empty(be, type, input.shape()) : null;
    }
}
