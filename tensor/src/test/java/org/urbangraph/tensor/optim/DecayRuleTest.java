package org.urbangraph.tensor.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.urbangraph.tensor.nn.LayerNorm;
import org.urbangraph.tensor.nn.Linear;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.tensor.nn.Parameter;
import org.urbangraph.tensor.nn.RMSNorm;
import org.urbangraph.tensor.nn.Rng;

/**
 * The exempt names are those of transformers 4.57's {@code get_decay_parameter_names} on the same module tree: LayerNorm
 * by type, everything else by name (so an RMSNorm called {@code norm1} or {@code ln_q} decays, as it does there).
 */
class DecayRuleTest {

    static final class Block extends Module {
        Block(Rng rng) {
            child("input_layernorm", new RMSNorm(4, 1e-6));
            child("post_attention_layernorm", new RMSNorm(4, 1e-6));
            child("q_proj", new Linear(4, 4, true, rng));
            child("norm1", new RMSNorm(4, 1e-6));
            child("ln_q", new RMSNorm(4, 1e-6));
            child("layer_norm1", new LayerNorm(4, 1e-5, true));
            child("q_norm", new RMSNorm(4, 1e-6));
        }
    }

    static final class Model extends Module {
        Model(Rng rng) {
            child("block", new Block(rng));
            child("norm", new RMSNorm(4, 1e-6));
            child("lm_head", new Linear(4, 4, false, rng));
        }
    }

    @Test
    void exemptAsTheHuggingFaceTrainerDecides() {
        Model m = new Model(new Rng(1));
        Set<Parameter> exempt = DecayRule.exempt(m);
        Set<String> names = new TreeSet<>();
        m.namedParameters().forEach((name, p) -> {
            if (exempt.contains(p)) {
                names.add(name);
            }
        });
        assertEquals(new TreeSet<>(Set.of("block.input_layernorm.weight", "block.post_attention_layernorm.weight",
                "block.q_proj.bias", "block.layer_norm1.weight", "block.layer_norm1.bias", "block.q_norm.weight",
                "norm.weight")), names);
    }
}
