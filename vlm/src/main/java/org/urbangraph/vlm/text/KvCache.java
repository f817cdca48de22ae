package org.urbangraph.vlm.text;

import java.util.ArrayList;
import java.util.List;
import org.urbangraph.kernels.DType;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;

/**
 * Keys and values of earlier positions, per decoder layer, for incremental decoding. Storage is preallocated
 * [B, Hk, capacity, D] and doubled when full, so a step writes its new columns in place and attention reads a
 * narrowed view; no per-step concatenation.
 */
public final class KvCache {

    private final List<Tensor[]> layers = new ArrayList<>();
    private int length;

    /** Number of cached positions. */
    public int length() {
        return length;
    }

    /**
     * Appends this step's keys and values for one layer and returns views over all cached positions. Layers are
     * appended in order within a step; the length advances when the last layer of a step has been appended
     * ({@link #advance}).
     */
    public Tensor[] append(int layer, Tensor k, Tensor v) {
        try (NoGrad g = NoGrad.enter()) {
            int add = k.size(2);
            while (layers.size() <= layer) {
                layers.add(null);
            }
            Tensor[] store = layers.get(layer);
            int needed = length + add;
            if (store == null || store[0].size(2) < needed) {
                int cap = Math.max(needed, store == null ? needed : store[0].size(2) * 2);
                Tensor nk = Tensor.empty(k.backend(), DType.F32, k.size(0), k.size(1), cap, k.size(3));
                Tensor nv = Tensor.empty(v.backend(), DType.F32, v.size(0), v.size(1), cap, v.size(3));
                if (store != null && length > 0) {
                    nk.narrow(2, 0, length).copyFrom(store[0].narrow(2, 0, length));
                    nv.narrow(2, 0, length).copyFrom(store[1].narrow(2, 0, length));
                }
                store = new Tensor[] {nk, nv};
                layers.set(layer, store);
            }
            store[0].narrow(2, length, add).copyFrom(k);
            store[1].narrow(2, length, add).copyFrom(v);
            return new Tensor[] {store[0].narrow(2, 0, needed), store[1].narrow(2, 0, needed)};
        }
    }

    /** Marks {@code n} new positions as cached (called once per step, after every layer). */
    public void advance(int n) {
        length += n;
    }
}
