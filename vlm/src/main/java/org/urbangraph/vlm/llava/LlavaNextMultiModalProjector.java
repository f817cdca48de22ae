package org.urbangraph.vlm.llava;

import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Activation;
import org.urbangraph.tensor.nn.Layer;
import org.urbangraph.tensor.nn.Linear;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.tensor.nn.Rng;

/** {@code multi_modal_projector}: {@code linear_1} (vision features -> text hidden), activation, {@code linear_2}. */
public final class LlavaNextMultiModalProjector extends Module implements Layer {

    private final Activation act;

    public LlavaNextMultiModalProjector(int in, int hidden, Activation act, boolean bias, Rng rng) {
        this.act = act;
        child("linear_1", new Linear(in, hidden, bias, rng));
        child("linear_2", new Linear(hidden, hidden, bias, rng));
    }

    @Override
    public Tensor forward(Tensor x) {
        return projection("linear_2").forward(act.apply(projection("linear_1").forward(x)));
    }
}
