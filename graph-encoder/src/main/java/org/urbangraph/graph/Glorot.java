package org.urbangraph.graph;

import org.urbangraph.tensor.Creation;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Rng;

/** PyG's {@code glorot}: uniform in +-sqrt(6 / (size(-2) + size(-1))), seeded. */
final class Glorot {
    private Glorot() {}

    static Tensor uniform(Rng rng, int... shape) {
        int r = shape.length;
        double bound = Math.sqrt(6.0 / (shape[r - 2] + shape[r - 1]));
        return Creation.uniform(rng.next(), -bound, bound, shape);
    }
}
