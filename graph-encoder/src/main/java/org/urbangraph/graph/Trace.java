package org.urbangraph.graph;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.urbangraph.tensor.Tensor;

/**
 * Named intermediates of one encoder pass, under the names of the reference's golden file ({@code text_features},
 * {@code spatial.sinusoidal}, {@code edge.distance_m}, {@code conv0.alpha}, {@code norm1.out}, {@code output}, ...),
 * for parity tests and for studying the model. Differentiable intermediates keep their gradient after backward
 * ({@link Tensor#grad()}), so {@code text_features} gives d loss / d text features.
 *
 * <p>Passing no trace ({@link #NONE}) costs nothing.
 */
public final class Trace {

    /** A trace that records nothing. */
    public static final Trace NONE = new Trace(false);

    private final boolean on;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    private Trace(boolean on) {
        this.on = on;
    }

    public static Trace recording() {
        return new Trace(true);
    }

    public boolean enabled() {
        return on;
    }

    /** Records t under name (keeping its gradient when it is on the tape) and returns t. */
    Tensor put(String name, Tensor t) {
        if (on) {
            if (t.requiresGrad() && !t.isLeaf()) {
                t.retainGrad();
            }
            tensors.put(name, t);
        }
        return t;
    }

    public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no intermediate '" + name + "' in this trace; recorded: "
                    + tensors.keySet());
        }
        return t;
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    public Map<String, Tensor> all() {
        return Collections.unmodifiableMap(tensors);
    }
}
