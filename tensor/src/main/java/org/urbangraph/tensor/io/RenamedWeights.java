package org.urbangraph.tensor.io;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.urbangraph.tensor.Tensor;

/**
 * A checkpoint seen under other names: {@code rename} maps each stored name to the name a module expects (for
 * example the hub's {@code visual.*} to the {@code model.visual.*} of newer transformers layouts). Error messages
 * name tensors as the file stores them ({@link #storedName}).
 */
public final class RenamedWeights implements WeightSource {

    private final WeightSource inner;
    private final UnaryOperator<String> restore;
    private final Map<String, String> toStored = new LinkedHashMap<>();
    private boolean renamedLayout;

    public RenamedWeights(WeightSource inner, UnaryOperator<String> rename) {
        this(inner, rename, UnaryOperator.identity());
    }

    /**
     * @param restore the inverse of {@code rename}, which names a tensor the file lacks the way this file would
     *                store it; used only when the file is in the layout {@code rename} maps from (at least one of
     *                its names is renamed), so a file already in the module's layout keeps the module's names
     */
    public RenamedWeights(WeightSource inner, UnaryOperator<String> rename, UnaryOperator<String> restore) {
        this.inner = inner;
        this.restore = restore;
        for (String stored : inner.names()) {
            String mapped = rename.apply(stored);
            renamedLayout |= !mapped.equals(stored);
            String previous = toStored.put(mapped, stored);
            if (previous != null) {
                throw new SafetensorsException(inner.path(), "tensors '" + previous + "' and '" + stored
                        + "' both map to '" + mapped + "'");
            }
        }
    }

    private String stored(String name) {
        String s = toStored.get(name);
        if (s == null) {
            throw new SafetensorsException(inner.path(), "no tensor for '" + name + "'");
        }
        return s;
    }

    @Override
    public List<String> names() {
        return new ArrayList<>(toStored.keySet());
    }

    @Override
    public boolean contains(String name) {
        return toStored.containsKey(name);
    }

    @Override
    public TensorInfo info(String name) {
        return inner.info(stored(name));
    }

    @Override
    public Tensor tensor(String name) {
        return inner.tensor(stored(name));
    }

    @Override
    public Map<String, String> metadata() {
        return inner.metadata();
    }

    @Override
    public Path path() {
        return inner.path();
    }

    @Override
    public String storedName(String name) {
        String s = toStored.get(name);
        if (s != null) {
            return inner.storedName(s);
        }
        return inner.storedName(renamedLayout ? restore.apply(name) : name);
    }

    @Override
    public Path fileOf(String name) {
        String s = toStored.get(name);
        return s != null ? inner.fileOf(s) : inner.path();
    }
}
