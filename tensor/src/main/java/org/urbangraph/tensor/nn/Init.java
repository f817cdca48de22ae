package org.urbangraph.tensor.nn;

import java.util.Map;
import org.urbangraph.kernels.DType;
import org.urbangraph.tensor.Creation;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;

/**
 * Seeded random weights for a whole module, parameter by parameter (so a model built on placeholders never holds
 * more than one F32 parameter at a time): 1-D {@code *.weight} (norm scales) 1 + 0.1 N(0, 1), 1-D biases
 * 0.1 N(0, 1), matrices and higher N(0, 1) / sqrt(fan_in). Activations then keep an O(1) scale through a deep
 * stack. Used for untrained backbones and benchmarks.
 */
public final class Init {
    private Init() {}

    public static void randomize(Module module, long seed, DType dtype) {
        Rng rng = new Rng(seed);
        try (NoGrad g = NoGrad.enter()) {
            for (Map.Entry<String, Parameter> e : module.namedParameters().entrySet()) {
                int[] shape = e.getValue().shape();
                Tensor n = Creation.randn(rng.next(), shape);
                Tensor v;
                if (shape.length == 1) {
                    v = e.getKey().endsWith("bias") ? n.mul(0.1) : n.mul(0.1).add(1.0);
                } else {
                    long fanIn = 1;
                    for (int i = 1; i < shape.length; i++) {
                        fanIn *= shape[i];
                    }
                    v = n.mul(1.0 / Math.sqrt(fanIn));
                }
                e.getValue().set(v.dtype() == dtype ? v : v.to(dtype));
            }
        }
    }
}
