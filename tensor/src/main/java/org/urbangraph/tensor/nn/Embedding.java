package org.urbangraph.tensor.nn;

import org.urbangraph.tensor.Creation;
import org.urbangraph.tensor.Indexing;
import org.urbangraph.tensor.Tensor;

/** A lookup table [num, dim] (torch.nn.Embedding, initialised N(0, 1)). Ids may have any shape. */
public final class Embedding extends Module {

    private final Parameter weight;

    public Embedding(int num, int dim, Rng rng) {
        this.weight = param("weight", Creation.randn(rng.next(), num, dim), true);
    }

    public Tensor forward(Tensor ids) {
        return Indexing.embedding(weight.tensor(), ids);
    }

    public Parameter weight() {
        return weight;
    }

    public int num() {
        return weight.shape()[0];
    }

    public int dim() {
        return weight.shape()[1];
    }
}
