package org.urbangraph.tensor.optim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.io.CheckpointMismatchException;
import org.urbangraph.tensor.io.SafetensorsFile;
import org.urbangraph.tensor.io.SafetensorsWriter;
import org.urbangraph.tensor.io.TensorInfo;
import org.urbangraph.tensor.nn.Parameter;

/**
 * Base of the optimizers: parameter groups, zeroing gradients, and saving / restoring the per-parameter state
 * (tensors and scalars in one {@code optimizer.safetensors}, written atomically) so that a resumed run continues with
 * the same bits.
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

    /** The file {@link #save} writes: the state tensors, with the scalars in its metadata. */
    private static final String FILE = "optimizer.safetensors";
    /** Where checkpoints written before the scalars moved into {@link #FILE} kept them. */
    private static final String OLD_SCALARS = "optimizer.json";
    /** The metadata entry of {@link #FILE} that holds the scalars as JSON. */
    private static final String SCALARS = "optimizer";

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Writes the state to {@code dir/optimizer.safetensors} in one atomic rename: the state tensors, and in the
     * metadata entry {@code optimizer} the type, each parameter's step count and each group's learning rate as JSON.
     * Moments and step counts therefore always come from the same save.
     */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        ObjectNode root = JSON.createObjectNode();
        root.put("type", getClass().getSimpleName());
        ObjectNode st = root.putObject("steps");
        steps.forEach(st::put);
        ObjectNode lrs = root.putObject("lr");
        for (ParamGroup g : groups) {
            lrs.put(g.name(), g.lr());
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "urbangraph-optimizer");
        metadata.put(SCALARS, JSON.writeValueAsString(root));
        SafetensorsWriter.write(dir.resolve(FILE), new LinkedHashMap<>(state), metadata);
        // the scalars of the earlier two-file layout would only mislead now (the file above is read first)
        Files.deleteIfExists(dir.resolve(OLD_SCALARS));
    }

    /**
     * Restores the state {@link #save} wrote; a directory in the earlier layout, with the scalars in
     * {@code optimizer.json} beside the tensors, is read too. The state must fit this optimizer's parameters:
     * every tensor a slot of one of them with its shape and dtype, every parameter that has taken steps with all its
     * slots, every step count for one of them. Anything else is one {@link CheckpointMismatchException} that names
     * the file and lists the problems, and the optimizer is left as it was.
     */
    public void load(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        SafetensorsFile f = SafetensorsFile.open(file);
        Path from = file;
        JsonNode root;
        try {
            if (f.metadata().containsKey(SCALARS)) {
                root = JSON.readTree(f.metadata().get(SCALARS));
            } else if (Files.isRegularFile(dir.resolve(OLD_SCALARS))) {
                from = dir.resolve(OLD_SCALARS);
                root = JSON.readTree(from.toFile());
            } else {
                throw new IOException(file + ": no optimizer state (neither the metadata entry '" + SCALARS
                        + "' nor " + OLD_SCALARS + " beside it)");
            }
        } catch (JsonProcessingException e) {
            throw new IOException(from + ": the optimizer state is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (!getClass().getSimpleName().equals(root.path("type").asText())) {
            throw new IOException(from + ": state of a " + root.path("type").asText() + ", not of a "
                    + getClass().getSimpleName());
        }
        Map<String, Long> stored = new LinkedHashMap<>();
        root.path("steps").fields().forEachRemaining(e -> stored.put(e.getKey(), e.getValue().asLong()));
        checkFits(f, stored);
        steps.clear();
        steps.putAll(stored);
        for (ParamGroup g : groups) {
            if (root.path("lr").has(g.name())) {
                g.setLr(root.path("lr").get(g.name()).asDouble());
            }
        }
        state.clear();
        try (NoGrad g = NoGrad.enter()) {
            for (String n : f.names()) {
                state.put(n, f.tensor(n).copy());
            }
        }
    }

    /** The names of the state tensors this optimizer keeps per parameter ("{param name}.{slot}"). */
    protected abstract List<String> slotNames();

    /** Throws a {@link CheckpointMismatchException} unless the stored state fits this optimizer's parameters. */
    private void checkFits(SafetensorsFile f, Map<String, Long> stored) {
        Map<String, Parameter> params = new LinkedHashMap<>();
        for (ParamGroup g : groups) {
            params.putAll(g.params());
        }
        List<String> misShaped = new ArrayList<>();
        List<String> wrongDtype = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        List<String> noSteps = new ArrayList<>();
        for (String key : f.names()) {
            Parameter p = null;
            for (String slot : slotNames()) {
                if (key.endsWith("." + slot)) {
                    p = params.get(key.substring(0, key.length() - slot.length() - 1));
                    if (p != null) {
                        break;
                    }
                }
            }
            TensorInfo t = f.info(key);
            if (p == null) {
                unknown.add(key);
            } else if (!Arrays.equals(t.shape(), p.shape())) {
                misShaped.add(key + " is " + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(p.shape()));
            } else if (t.dtype() != p.tensor().dtype()) {
                wrongDtype.add(key + " is " + t.dtype() + ", expected " + p.tensor().dtype());
            } else if (stored.getOrDefault(key.substring(0, key.lastIndexOf('.')), 0L) <= 0) {
                noSteps.add(key);
            }
        }
        List<String> missing = new ArrayList<>();
        List<String> unknownSteps = new ArrayList<>();
        for (Map.Entry<String, Long> e : stored.entrySet()) {
            Parameter p = params.get(e.getKey());
            if (p == null) {
                unknownSteps.add(e.getKey());
            } else if (e.getValue() > 0) {
                for (String slot : slotNames()) {
                    if (!f.contains(e.getKey() + "." + slot)) {
                        missing.add(e.getKey() + "." + slot + " " + Arrays.toString(p.shape()));
                    }
                }
            }
        }
        List<String> parts = new ArrayList<>();
        if (!misShaped.isEmpty()) {
            parts.add(count(misShaped.size(), "tensor has", "tensors have") + " the wrong shape: "
                    + CheckpointMismatchException.firstFew(misShaped));
        }
        if (!wrongDtype.isEmpty()) {
            parts.add(count(wrongDtype.size(), "tensor has", "tensors have") + " another dtype: "
                    + CheckpointMismatchException.firstFew(wrongDtype));
        }
        if (!missing.isEmpty()) {
            parts.add(count(missing.size(), "tensor is", "tensors are") + " missing: "
                    + CheckpointMismatchException.firstFew(missing));
        }
        if (!unknown.isEmpty()) {
            parts.add(count(unknown.size(), "tensor is", "tensors are") + " not part of the optimizer: "
                    + CheckpointMismatchException.firstFew(unknown));
        }
        if (!noSteps.isEmpty()) {
            parts.add(count(noSteps.size(), "tensor belongs", "tensors belong") + " to a parameter with no step count: "
                    + CheckpointMismatchException.firstFew(noSteps));
        }
        if (!unknownSteps.isEmpty()) {
            parts.add("step counts of " + count(unknownSteps.size(), "parameter", "parameters")
                    + " the optimizer does not hold: " + CheckpointMismatchException.firstFew(unknownSteps));
        }
        if (!parts.isEmpty()) {
            throw new CheckpointMismatchException(f.path(), "the optimizer state does not fit "
                    + getClass().getSimpleName() + "'s parameters: " + String.join("; ", parts));
        }
    }

    private static String count(int n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }

    /** Number of updates applied to a parameter so far. */
    public long stepsOf(String name) {
        return steps.getOrDefault(name, 0L);
    }
}
