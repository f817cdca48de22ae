package org.urbangraph.tensor.nn;

import java.util.ArrayList;
import java.util.List;
import org.urbangraph.tensor.Tensor;

/**
 * A small feed-forward net in PyTorch's Sequential layout: Linear, activation, dropout, ..., Linear, optionally a
 * final LayerNorm. Children are numbered as torch.nn.Sequential numbers them (Linear at 0, activation 1, dropout
 * 2, Linear 3, LayerNorm 4 for a two-layer net), so checkpoint names such as {@code projection.3.weight} line up.
 */
public final class MLP extends Module implements Layer {

    private final List<Linear> linears = new ArrayList<>();
    private final List<Dropout> dropouts = new ArrayList<>();
    private final Activation activation;
    private final LayerNorm norm;

    /**
     * @param sizes layer widths, input first (at least two)
     * @param finalNorm append LayerNorm(eps 1e-5) over the output
     */
    public MLP(int[] sizes, Activation activation, double dropout, boolean finalNorm, Rng rng) {
        if (sizes.length < 2) {
            throw new IllegalArgumentException("an MLP needs at least an input and an output size");
        }
        this.activation = activation;
        int index = 0;
        for (int i = 0; i + 1 < sizes.length; i++) {
            linears.add(child(Integer.toString(index++), new Linear(sizes[i], sizes[i + 1], true, rng)));
            if (i + 2 < sizes.length) {
                index++; // the activation's slot in Sequential
                dropouts.add(child(Integer.toString(index++), new Dropout(dropout, rng)));
            }
        }
        this.norm = finalNorm ? child(Integer.toString(index), new LayerNorm(sizes[sizes.length - 1], 1e-5, true)) : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor h = x;
        for (int i = 0; i < linears.size(); i++) {
            h = linears.get(i).forward(h);
            if (i < dropouts.size()) {
                h = dropouts.get(i).forward(activation.apply(h));
            }
        }
        return norm == null ? h : norm.forward(h);
    }
}
