package org.urbangraph.vlm.text;

import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Activation;
import org.urbangraph.tensor.nn.Layer;
import org.urbangraph.tensor.nn.Linear;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.tensor.nn.Rng;

/** down_proj(act(gate_proj(x)) * up_proj(x)), with or without biases (the Qwen2.5-VL vision MLP has them). */
public final class SwiGluMlp extends Module implements Layer {

    private final Activation act;

    public SwiGluMlp(int hidden, int intermediate, Activation act, boolean bias, Rng rng) {
        this.act = act;
        child("gate_proj", new Linear(hidden, intermediate, bias, rng));
        child("up_proj", new Linear(hidden, intermediate, bias, rng));
        child("down_proj", new Linear(intermediate, hidden, bias, rng));
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor gate = act.apply(projection("gate_proj").forward(x));
        return projection("down_proj").forward(gate.mul(projection("up_proj").forward(x)));
    }
}
