package org.urbangraph.tensor.optim;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.urbangraph.tensor.nn.LayerNorm;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.tensor.nn.Parameter;

/**
 * Which parameters weight decay leaves alone, by the rule of Hugging Face's {@code Trainer} (transformers 4.57's
 * {@code get_decay_parameter_names}, which UGE's training scripts use in both stages): the parameters of LayerNorm
 * modules, and every parameter whose full name, lower-cased, contains {@code bias}, {@code layernorm} or
 * {@code rmsnorm}, or a component {@code norm} or ending in {@code _norm}. So an RMSNorm is exempt by its name, as
 * there: the decoders' {@code input_layernorm} and final {@code norm} are, Qwen2.5-VL's vision {@code norm1} /
 * {@code norm2} and merger {@code ln_q} are not. Decaying a norm's gain towards zero, or a bias, only shrinks the
 * signal it scales or shifts; every other weight (projections, LoRA factors, embedding rows, attention vectors)
 * decays.
 */
public final class DecayRule {
    private DecayRule() {}

    /** Hugging Face's name patterns, searched in the lower-cased full parameter name. */
    private static final List<Pattern> NAMES = List.of(Pattern.compile("bias"), Pattern.compile("layernorm"),
            Pattern.compile("rmsnorm"), Pattern.compile("(?:^|\\.)norm(?:$|\\.)"), Pattern.compile("_norm(?:$|\\.)"));

    /** The parameters under these modules that take no weight decay, compared by identity. */
    public static Set<Parameter> exempt(Module... modules) {
        Set<Parameter> out = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Module root : modules) {
            if (root == null) {
                continue;
            }
            for (Module m : root.namedModules().values()) {
                if (m instanceof LayerNorm) {
                    out.addAll(m.namedParameters().values());
                }
            }
            for (Map.Entry<String, Parameter> e : root.namedParameters().entrySet()) {
                String name = e.getKey().toLowerCase(Locale.ROOT);
                if (NAMES.stream().anyMatch(p -> p.matcher(name).find())) {
                    out.add(e.getValue());
                }
            }
        }
        return out;
    }
}
