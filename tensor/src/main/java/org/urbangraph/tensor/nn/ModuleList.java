package org.urbangraph.tensor.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Children named 0, 1, 2 ... (torch.nn.ModuleList), so checkpoint names read {@code layers.3.mlp...}. */
public final class ModuleList<M extends Module> extends Module {

    private final List<M> items = new ArrayList<>();

    public M add(M m) {
        child(Integer.toString(items.size()), m);
        items.add(m);
        return m;
    }

    public M get(int i) {
        return items.get(i);
    }

    public int size() {
        return items.size();
    }

    public List<M> items() {
        return Collections.unmodifiableList(items);
    }
}
