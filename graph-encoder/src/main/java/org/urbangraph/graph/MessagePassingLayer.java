package org.urbangraph.graph;

import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Module;

/** A graph convolution of the encoder's stack: node features [N, hidden] in, [N, hidden] out. */
public abstract class MessagePassingLayer extends Module {

    /**
     * @param x node features [N, in]
     * @param edges the batch's edges with self-loops handled as PyG does
     * @param edgeAttr features of the original edges [E, edge_dim], or null when the layer takes none
     * @param trace where intermediates go, under {@code prefix + "."}
     */
    public abstract Tensor forward(Tensor x, LoopedEdgeIndex edges, Tensor edgeAttr, Trace trace, String prefix);

    /** The layer on node features and edge features (null for a layer without them), tracing nothing. */
    public Tensor forward(Tensor x, LoopedEdgeIndex edges, Tensor edgeAttr) {
        return forward(x, edges, edgeAttr, Trace.NONE, getClass().getSimpleName());
    }
}
