package org.urbangraph.tensor.optim;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.urbangraph.tensor.nn.LayerNorm;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.tensor.nn.Parameter;
import org.urbangraph.tensor.nn.RMSNorm;

/**
 * Which parameters weight decay leaves alone, by the rule of Hugging Face's {@code Trainer} (which UGE's training
 * scripts use in both stages): biases and the weights of normalisation layers (LayerNorm, RMSNorm). Decaying a norm's
 * gain towards zero, or a bias, only shrinks the signal it scales or shifts; every other weight (projections, LoRA
 * factors, embedding rows, attention vectors) decays.
 */
public final class DecayRule {
    private DecayRule() {}

    /** The parameters under these modules that take no weight decay, compared by identity. */
    public static Set<Parameter> exempt(Module... modules) {
        Set<Parameter> out = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Module root : modules) {
            if (root == null) {
                continue;
            }
            for (Module m : root.namedModules().values()) {
                if (m instanceof LayerNorm || m instanceof RMSNorm) {
                    out.addAll(m.namedParameters().values());
                }
            }
            for (Map.Entry<String, Parameter> e : root.namedParameters().entrySet()) {
                String name = e.getKey();
                if (name.substring(name.lastIndexOf('.') + 1).contains("bias")) {
                    out.add(e.getValue());
                }
            }
        }
        return out;
    }
}
