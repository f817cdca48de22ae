package org.urbangraph.graph;

import java.util.ArrayList;
import java.util.List;
import org.urbangraph.tensor.Tensor;

/**
 * The encoder's output for a batch: one embedding per node, [total nodes, output_dim], graph after graph. Each
 * graph's rows go to its own sample (its {@code <|graph_pad|>} tokens); {@link #graph(int)} cuts them out as a view
 * that stays on the autograd tape.
 */
public record GraphEncoding(Tensor nodes, GraphBatch batch) {

    /** The node embeddings of graph g, [nodes of g, output_dim]. */
    public Tensor graph(int g) {
        if (g < 0 || g >= batch.numGraphs()) {
            throw new IndexOutOfBoundsException("graph " + g + " of a batch of " + batch.numGraphs());
        }
        return nodes.narrow(0, batch.nodeOffset(g), batch.nodeOffset(g + 1) - batch.nodeOffset(g));
    }

    /** Every graph's node embeddings, in batch order. */
    public List<Tensor> perGraph() {
        List<Tensor> out = new ArrayList<>(batch.numGraphs());
        for (int g = 0; g < batch.numGraphs(); g++) {
            out.add(graph(g));
        }
        return out;
    }
}
