package org.urbangraph.tensor.nn;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.io.CheckpointMismatchException;
import org.urbangraph.tensor.io.TensorInfo;
import org.urbangraph.tensor.io.WeightSource;

/**
 * A tree of named submodules and parameters. Dotted names ({@code model.layers.0.self_attn.q_proj.weight}) equal the
 * checkpoint names of the Hugging Face model the module mirrors, so {@link #load} needs no name mapping.
 * Subclasses register children and parameters in their constructor and implement their own forward method.
 */
public abstract class Module {

    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** Registers a child module under a local name (no dots). */
    protected <M extends Module> M child(String name, M module) {
        checkLocalName(name);
        if (children.containsKey(name) || params.containsKey(name)) {
            throw new IllegalArgumentException("duplicate member '" + name + "' in " + getClass().getSimpleName());
        }
        children.put(name, module);
        module.train(training);
        return module;
    }

    /** Registers a parameter under a local name (no dots). */
    protected Parameter param(String name, Tensor value, boolean trainable) {
        checkLocalName(name);
        if (children.containsKey(name) || params.containsKey(name)) {
            throw new IllegalArgumentException("duplicate member '" + name + "' in " + getClass().getSimpleName());
        }
        Parameter p = new Parameter(name, value, trainable);
        params.put(name, p);
        return p;
    }

    private static void checkLocalName(String name) {
        if (name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("member names are local and non-empty, got '" + name + "'");
        }
    }

    /** Every parameter with its full dotted name, depth first in registration order. */
    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", out);
        return out;
    }

    private void collect(String prefix, Map<String, Parameter> out) {
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            out.put(prefix + e.getKey(), e.getValue());
        }
        for (Map.Entry<String, Module> e : children.entrySet()) {
            e.getValue().collect(prefix + e.getKey() + ".", out);
        }
    }

    /** The trainable parameters, with their full names. */
    public Map<String, Parameter> trainableParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        namedParameters().forEach((n, p) -> {
            if (p.trainable()) {
                out.put(n, p);
            }
        });
        return out;
    }

    /** Direct children by local name. */
    public Map<String, Module> children() {
        return java.util.Collections.unmodifiableMap(children);
    }

    /** Every submodule (this one included, under "") with its dotted path. */
    public Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        walk("", out);
        return out;
    }

    private void walk(String path, Map<String, Module> out) {
        out.put(path, this);
        for (Map.Entry<String, Module> e : children.entrySet()) {
            e.getValue().walk(path.isEmpty() ? e.getKey() : path + "." + e.getKey(), out);
        }
    }

    /** Replaces a direct child (LoRA wraps a Linear this way). */
    public void replaceChild(String name, Module replacement) {
        if (!children.containsKey(name)) {
            throw new IllegalArgumentException("no child '" + name + "' in " + getClass().getSimpleName());
        }
        children.put(name, replacement);
        replacement.train(training);
    }

    public Module getChild(String name) {
        return children.get(name);
    }

    /** A child with a one-tensor forward, looked up at call time. */
    protected Layer layer(String name) {
        Module m = children.get(name);
        if (!(m instanceof Layer l)) {
            throw new IllegalStateException("'" + name + "' in " + getClass().getSimpleName() + " is not a layer");
        }
        return l;
    }

    /** A child that maps features, looked up at call time so a wrapper swapped in by LoRA is used. */
    protected Projection projection(String name) {
        Module m = children.get(name);
        if (!(m instanceof Projection p)) {
            throw new IllegalStateException("'" + name + "' in " + getClass().getSimpleName() + " is not a projection");
        }
        return p;
    }

    public boolean isTraining() {
        return training;
    }

    /** Sets train/eval mode on this module and every descendant (dropout is active only in training). */
    public void train(boolean on) {
        this.training = on;
        for (Module m : children.values()) {
            m.train(on);
        }
    }

    public void eval() {
        train(false);
    }

    /** Freezes or unfreezes every parameter. */
    public void setTrainable(boolean on) {
        for (Parameter p : namedParameters().values()) {
            p.setTrainable(on);
        }
    }

    /** Current tensors by full name (what a checkpoint of this module holds). */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        namedParameters().forEach((n, p) -> out.put(n, p.tensor()));
        return out;
    }

    /**
     * The outcome of {@link #load}: full names (the source's, with the prefix) that were loaded, missing,
     * unexpected, of another shape than the parameter's, or of a dtype that is not a float type.
     */
    public record LoadReport(List<String> loaded, List<String> missing, List<String> unexpected,
                             List<String> misShaped, List<String> wrongDtype) {
        public boolean clean() {
            return missing.isEmpty() && unexpected.isEmpty() && misShaped.isEmpty() && wrongDtype.isEmpty();
        }

        /** This report with another list of unexpected names (a loader that tolerates some extra tensors). */
        public LoadReport withUnexpected(List<String> kept) {
            return new LoadReport(loaded, missing, kept, misShaped, wrongDtype);
        }

        @Override
        public String toString() {
            return loaded.size() + " loaded; missing " + missing + "; unexpected " + unexpected + "; mis-shaped "
                    + misShaped + "; wrong dtype " + wrongDtype;
        }
    }

    /** The dtypes a weight may be stored in: the float types (kernels widen the narrow ones to F32). */
    public static final String WEIGHT_DTYPES = "F32, BF16 or F16 (F64 and F8 are read too)";

    /**
     * Loads every parameter named {@code prefix + name} from the source. Checkpoint tensors whose name starts with
     * {@code prefix} but match no parameter are reported as unexpected; parameters with no tensor as missing; a
     * shape mismatch as mis-shaped; a tensor that is not of a float type (an integer or boolean tensor) as of the
     * wrong dtype. With {@code strict}, any of these is a {@link CheckpointMismatchException} (see
     * {@link #mismatch}). Mis-shaped tensors and tensors of the wrong dtype are never loaded.
     */
    public LoadReport load(WeightSource source, String prefix, boolean strict) {
        List<String> loaded = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        List<String> misShaped = new ArrayList<>();
        List<String> wrongDtype = new ArrayList<>();
        Map<String, Parameter> mine = namedParameters();
        for (Map.Entry<String, Parameter> e : mine.entrySet()) {
            String key = prefix + e.getKey();
            if (!source.contains(key)) {
                missing.add(key);
                continue;
            }
            TensorInfo stored = source.info(key);
            if (!Arrays.equals(stored.shape(), e.getValue().shape())) {
                misShaped.add(key);
                continue;
            }
            if (!stored.dtype().isFloat()) {
                wrongDtype.add(key);
                continue;
            }
            e.getValue().set(source.tensor(key));
            loaded.add(key);
        }
        Set<String> expected = new TreeSet<>();
        mine.keySet().forEach(k -> expected.add(prefix + k));
        List<String> unexpected = new ArrayList<>();
        for (String n : source.names()) {
            if (n.startsWith(prefix) && !expected.contains(n)) {
                unexpected.add(n);
            }
        }
        LoadReport report = new LoadReport(loaded, missing, unexpected, misShaped, wrongDtype);
        if (strict && !report.clean()) {
            throw mismatch(source, prefix, report, null);
        }
        return report;
    }

    /**
     * The error for a {@link #load} that did not fit: one line that names the checkpoint, each tensor as the file
     * stores it (and its shard, for a sharded set), the shapes found and expected, the dtypes found, and a few names
     * per kind of problem. {@code note} (may be null) comes first: what the caller knows about the cause.
     */
    public CheckpointMismatchException mismatch(WeightSource source, String prefix, LoadReport report, String note) {
        Map<String, Parameter> mine = namedParameters();
        List<String> parts = new ArrayList<>();
        if (!report.misShaped().isEmpty()) {
            List<String> items = new ArrayList<>();
            for (String key : report.misShaped()) {
                Parameter p = mine.get(key.substring(prefix.length()));
                items.add(where(source, key) + " is " + Arrays.toString(source.info(key).shape()) + ", expected "
                        + (p == null ? "?" : Arrays.toString(p.shape())));
            }
            parts.add(count(items.size(), "tensor has", "tensors have") + " the wrong shape: "
                    + CheckpointMismatchException.firstFew(items));
        }
        if (!report.wrongDtype().isEmpty()) {
            List<String> items = new ArrayList<>();
            for (String key : report.wrongDtype()) {
                items.add(where(source, key) + " is " + source.info(key).dtype());
            }
            parts.add(count(items.size(), "tensor has", "tensors have") + " a dtype that is not a float type: "
                    + CheckpointMismatchException.firstFew(items) + " (weights must be " + WEIGHT_DTYPES + ")");
        }
        if (!report.missing().isEmpty()) {
            List<String> items = new ArrayList<>();
            for (String key : report.missing()) {
                Parameter p = mine.get(key.substring(prefix.length()));
                items.add(source.storedName(key) + (p == null ? "" : " " + Arrays.toString(p.shape())));
            }
            parts.add(count(items.size(), "tensor is", "tensors are") + " missing: "
                    + CheckpointMismatchException.firstFew(items));
        }
        if (!report.unexpected().isEmpty()) {
            List<String> items = new ArrayList<>();
            for (String key : report.unexpected()) {
                items.add(where(source, key));
            }
            parts.add(count(items.size(), "tensor is", "tensors are") + " not part of the model: "
                    + CheckpointMismatchException.firstFew(items));
        }
        return new CheckpointMismatchException(source.path(), (note == null ? "" : note + "; ")
                + "the weights do not fit " + getClass().getSimpleName() + ": " + String.join("; ", parts));
    }

    /** A tensor's stored name, with its shard when that is not the source's own file. */
    private static String where(WeightSource source, String key) {
        Path file = source.fileOf(key);
        String name = source.storedName(key);
        return file == null || file.equals(source.path()) ? name : name + " (in " + file.getFileName() + ")";
    }

    private static String count(int n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }

    /** Loads tensors given by full name (e.g. an adapter or a state dict in memory); unknown names are an error. */
    public void loadTensors(Map<String, Tensor> tensors) {
        Map<String, Parameter> mine = namedParameters();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Parameter p = mine.get(e.getKey());
            if (p == null) {
                throw new IllegalArgumentException("no parameter named '" + e.getKey() + "' in "
                        + getClass().getSimpleName());
            }
            p.set(e.getValue());
        }
    }

    /** Number of elements over all parameters. */
    public long parameterCount() {
        long n = 0;
        for (Parameter p : namedParameters().values()) {
            n += p.tensor().numel();
        }
        return n;
    }
}
