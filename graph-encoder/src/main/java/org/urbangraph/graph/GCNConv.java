package org.urbangraph.graph;

import org.urbangraph.tensor.Functional;
import org.urbangraph.tensor.Indexing;
import org.urbangraph.tensor.Pointwise;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Linear;
import org.urbangraph.tensor.nn.Parameter;
import org.urbangraph.tensor.nn.Rng;

/**
 * GCN (Kipf and Welling) as PyG's {@code GCNConv} with {@code improved=False, add_self_loops=True, normalize=True}:
 * {@code out[dst] += x W^T[src] / sqrt(deg(src) deg(dst))} over the edges with one self-loop per node (edge weight
 * 1; existing loops replaced), where deg counts a node's incoming edges including its loop; then {@code + bias}.
 * The authors' alternative to GATv2; it takes no edge features. Checkpoint names: {@code lin.weight}, {@code bias}.
 */
public final class GCNConv extends MessagePassingLayer {

    private final Parameter bias;

    public GCNConv(int in, int out, Rng rng) {
        Linear lin = child("lin", new Linear(in, out, false, rng));
        lin.weight().set(Glorot.uniform(rng, out, in));
        this.bias = param("bias", Tensor.zeros(out), true);
    }

    @Override
    public Tensor forward(Tensor x, LoopedEdgeIndex edges, Tensor edgeAttr, Trace trace, String prefix) {
        Linear lin = (Linear) getChild("lin");
        return propagate(lin.weight().tensor(), bias.tensor(), x, edges, trace, prefix);
    }

    /** The layer's math on given tensors (F64 ones in gradient checks). */
    static Tensor propagate(Tensor weight, Tensor bias, Tensor x, LoopedEdgeIndex edges, Trace trace, String prefix) {
        int n = x.size(0);
        Tensor xw = Functional.linear(x, weight, null);
        if (trace.enabled()) {
            trace.put(prefix + ".edge_index_with_loops", edges.edgeIndex());
        }
        Tensor norm = Tensor.of(symmetricNorm(edges), edges.numMessages(), 1);
        trace.put(prefix + ".edge_weight", norm);
        Tensor messages = Pointwise.mul(Indexing.indexSelect(xw, 0, edges.source), norm);
        return Pointwise.add(Indexing.segmentSum(messages, edges.target, n), bias);
    }

    /** 1 / sqrt(deg(src) deg(dst)) per message, computed in double (the degrees are small integers). */
    static float[] symmetricNorm(LoopedEdgeIndex edges) {
        double[] deg = new double[edges.numNodes];
        for (long t : edges.targetIds) {
            deg[(int) t] += 1;
        }
        float[] norm = new float[edges.numMessages()];
        for (int e = 0; e < norm.length; e++) {
            norm[e] = (float) (1.0 / Math.sqrt(deg[(int) edges.sourceIds[e]] * deg[(int) edges.targetIds[e]]));
        }
        return norm;
    }
}
