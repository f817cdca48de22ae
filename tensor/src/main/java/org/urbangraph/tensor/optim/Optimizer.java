package org.urbangraph.tensor.optim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.io.SafetensorsFile;
import org.urbangraph.tensor.io.SafetensorsWriter;
import org.urbangraph.tensor.nn.Parameter;

/**
 * Base of the optimizers: parameter groups, zeroing gradients, and saving / restoring the per-parameter state
 * (tensors in {@code optimizer.safetensors}, scalars in {@code optimizer.json}, both written atomically) so that a
 * resumed run continues with the same bits.
 */
public abstract class Optimizer {

    protected final List<ParamGroup> groups;
    /** Per-parameter state tensors, keyed "{param name}.{slot}". */
    protected final Map<String, Tensor> state = new LinkedHashMap<>();
    protected final Map<String, Long> steps = new LinkedHashMap<>();

    protected Optimizer(List<ParamGroup> groups) {
        this.groups = List.copyOf(groups);
        Set<String> seen = new HashSet<>();
        for (ParamGroup g : groups) {
            for (String n : g.params().keySet()) {
                if (!seen.add(n)) {
                    throw new IllegalArgumentException("parameter '" + n + "' is in more than one group");
                }
            }
        }
    }

    public List<ParamGroup> groups() {
        return groups;
    }

    /** Applies one update to every parameter that has a gradient. */
    public final void step() {
        try (NoGrad g = NoGrad.enter()) {
            for (ParamGroup group : groups) {
                for (Map.Entry<String, Parameter> e : group.params().entrySet()) {
                    Tensor p = e.getValue().tensor();
                    if (p.grad() != null) {
                        long t = steps.merge(e.getKey(), 1L, Long::sum);
                        update(group, e.getKey(), p, p.grad(), t);
                    }
                }
            }
        }
    }

    /** Updates p in place from its gradient; {@code step} counts this parameter's updates from 1. */
    protected abstract void update(ParamGroup group, String name, Tensor p, Tensor grad, long step);

    public void zeroGrad() {
        for (ParamGroup group : groups) {
            for (Parameter p : group.params().values()) {
                p.tensor().zeroGrad();
            }
        }
    }

    /** State tensor of a slot, created as zeros like p on first use. */
    protected Tensor slot(String name, String slot, Tensor like) {
        return state.computeIfAbsent(name + "." + slot, k -> Tensor.empty(like.backend(), like.dtype(), like.shape()));
    }

    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, Tensor> tensors = new LinkedHashMap<>(state);
        SafetensorsWriter.write(dir.resolve("optimizer.safetensors"), tensors, Map.of("format", "urbangraph-optimizer"));
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("type", getClass().getSimpleName());
        ObjectNode st = root.putObject("steps");
        steps.forEach(st::put);
        ObjectNode lrs = root.putObject("lr");
        for (ParamGroup g : groups) {
            lrs.put(g.name(), g.lr());
        }
        Path tmp = dir.resolve("optimizer.json.tmp");
        Files.writeString(tmp, json.writerWithDefaultPrettyPrinter().writeValueAsString(root));
        Files.move(tmp, dir.resolve("optimizer.json"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public void load(Path dir) throws IOException {
        ObjectNode root = (ObjectNode) new ObjectMapper().readTree(dir.resolve("optimizer.json").toFile());
        if (!getClass().getSimpleName().equals(root.path("type").asText())) {
            throw new IOException(dir.resolve("optimizer.json") + ": state of a " + root.path("type").asText()
                    + ", not of a " + getClass().getSimpleName());
        }
        steps.clear();
        root.path("steps").fields().forEachRemaining(e -> steps.put(e.getKey(), e.getValue().asLong()));
        for (ParamGroup g : groups) {
            if (root.path("lr").has(g.name())) {
                g.setLr(root.path("lr").get(g.name()).asDouble());
            }
        }
        state.clear();
        SafetensorsFile f = SafetensorsFile.open(dir.resolve("optimizer.safetensors"));
        try (NoGrad g = NoGrad.enter()) {
            for (String n : f.names()) {
                state.put(n, f.tensor(n).copy());
            }
        }
    }

    /** Number of updates applied to a parameter so far. */
    public long stepsOf(String name) {
        return steps.getOrDefault(name, 0L);
    }
}
