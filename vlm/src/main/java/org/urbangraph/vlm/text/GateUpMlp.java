package org.urbangraph.vlm.text;

import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Activation;
import org.urbangraph.tensor.nn.Layer;
import org.urbangraph.tensor.nn.Linear;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.tensor.nn.Rng;

/**
 * Phi-3's MLP: one {@code gate_up_proj} whose output is split in half (gate first, then up), then
 * {@code down_proj(up * act(gate))}. The same function as {@link SwiGluMlp} with the two projections fused, kept
 * fused so that checkpoint names and LoRA targets ({@code gate_up_proj}) are Phi-3's.
 */
public final class GateUpMlp extends Module implements Layer {

    private final Activation act;
    private final int intermediate;

    public GateUpMlp(int hidden, int intermediate, Activation act, Rng rng) {
        this.act = act;
        this.intermediate = intermediate;
        child("gate_up_proj", new Linear(hidden, 2 * intermediate, false, rng));
        child("down_proj", new Linear(intermediate, hidden, false, rng));
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor gu = projection("gate_up_proj").forward(x);
        int last = gu.rank() - 1;
        Tensor gate = gu.narrow(last, 0, intermediate);
        Tensor up = gu.narrow(last, intermediate, intermediate);
        return projection("down_proj").forward(up.mul(act.apply(gate)));
    }
}
