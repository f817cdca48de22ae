package org.urbangraph.lora;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.io.AtomicFile;
import org.urbangraph.tensor.io.CheckpointLayout;
import org.urbangraph.tensor.io.SafetensorsFile;
import org.urbangraph.tensor.io.SafetensorsWriter;
import org.urbangraph.tensor.nn.Linear;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.tensor.nn.Parameter;
import org.urbangraph.tensor.nn.Rng;

/**
 * LoRA on a model: injection into every Linear whose path matches the config's targets, the trainable parameters,
 * merging, and the PEFT adapter format ({@code adapter_config.json} + {@code adapter_model.safetensors} with keys
 * {@code base_model.model.<module path>.lora_A.weight}).
 */
public final class Lora {

    /** PEFT's prefix of adapter keys: PeftModel.base_model (LoraModel).model (the wrapped model). */
    public static final String KEY_PREFIX = "base_model.model.";

    private final LoraConfig config;
    private final Map<String, LoraLinear> layers;
    private final Rng rng;
    /** Each module path under the name its config's targets were matched against: the layout {@link #save} writes. */
    private final UnaryOperator<String> storedPath;

    private Lora(LoraConfig config, Map<String, LoraLinear> layers, Rng rng, UnaryOperator<String> storedPath) {
        this.config = config;
        this.layers = layers;
        this.rng = rng;
        this.storedPath = storedPath;
    }

    /** The stream the adapters' dropouts draw from (trainers save its position and rewind it for gradient caching). */
    public Rng rng() {
        return rng;
    }

    /**
     * Wraps every matching Linear of {@code root} and freezes everything else. Fails, naming the patterns, if
     * nothing matches (as PEFT does).
     */
    public static Lora apply(Module root, LoraConfig config, Rng rng) {
        return apply(root, config, rng, UnaryOperator.identity());
    }

    /**
     * {@link #apply(Module, LoraConfig, Rng)} with the targets matched against {@code matchedName} of each module
     * path: the name the module had where the adapter's config was written (an older checkpoint layout).
     */
    private static Lora apply(Module root, LoraConfig config, Rng rng, UnaryOperator<String> matchedName) {
        root.setTrainable(false);
        Map<String, LoraLinear> wrapped = new LinkedHashMap<>();
        List<Map.Entry<String, Module>> modules = new ArrayList<>(root.namedModules().entrySet());
        for (Map.Entry<String, Module> e : modules) {
            String path = e.getKey();
            Module parent = e.getValue();
            for (Map.Entry<String, Module> c : new ArrayList<>(parent.children().entrySet())) {
                String childPath = path.isEmpty() ? c.getKey() : path + "." + c.getKey();
                if (c.getValue() instanceof Linear lin && !(parent instanceof LoraLinear)
                        && config.matches(matchedName.apply(childPath))) {
                    LoraLinear l = new LoraLinear(lin, config.r(), config.scaling(), config.dropout(), rng);
                    parent.replaceChild(c.getKey(), l);
                    wrapped.put(childPath, l);
                }
            }
        }
        if (wrapped.isEmpty()) {
            String layout = root instanceof CheckpointLayout
                    ? "; its module paths follow the transformers 4.52+ layout (model.language_model.layers.N...), and "
                    + "patterns written for the older layout match only when an adapter stored in that layout is loaded"
                    : "";
            throw new IllegalArgumentException("LoRA target modules " + (config.targetModules() != null
                    ? config.targetModules() : config.targetRegex()) + " match no Linear layer of "
                    + root.getClass().getSimpleName() + layout);
        }
        return new Lora(config, wrapped, rng, matchedName);
    }

    public LoraConfig config() {
        return config;
    }

    /** The wrapped layers by module path. */
    public Map<String, LoraLinear> layers() {
        return layers;
    }

    /**
     * The trainable LoRA weights under their PEFT adapter keys in the current module layout ({@link #save} writes an
     * adapter loaded in the older layout under that layout's keys instead).
     */
    public Map<String, Parameter> parameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        layers.forEach((path, l) -> {
            out.put(KEY_PREFIX + path + ".lora_A.weight", l.loraA().weight());
            out.put(KEY_PREFIX + path + ".lora_B.weight", l.loraB().weight());
        });
        return out;
    }

    public void merge() {
        layers.values().forEach(LoraLinear::merge);
    }

    public void unmerge() {
        layers.values().forEach(LoraLinear::unmerge);
    }

    /**
     * Writes the adapter in PEFT's format (both files atomically), its keys in the layout its config's targets were
     * matched in: an adapter that {@link #load} read in the older checkpoint layout is written back in that layout
     * (its {@code target_modules}, which may be a regex or prefixed names, are written for those names), so the
     * written adapter loads again exactly as the original did; any other is written under this model's module paths,
     * the names of {@link #parameters()}.
     */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        layers.forEach((path, l) -> {
            String stored = KEY_PREFIX + storedPath.apply(path);
            tensors.put(stored + ".lora_A.weight", l.loraA().weight().tensor());
            tensors.put(stored + ".lora_B.weight", l.loraB().weight().tensor());
        });
        SafetensorsWriter.write(dir.resolve("adapter_model.safetensors"), tensors, Map.of("format", "pt"));
        AtomicFile.writeString(dir.resolve("adapter_config.json"), config.toJson(), false);
    }

    /**
     * Applies an adapter directory written by PEFT (or by {@link #save}) to {@code root}: injects the layers its
     * config names and loads its weights. Every adapter tensor must find its layer and shape. When {@code root} is a
     * {@link CheckpointLayout} (the backbones whose names changed in transformers 4.52), an adapter saved in the
     * older layout ({@code language_model.model.layers.N}, {@code vision_tower.*}, {@code visual.*},
     * {@code model.layers.N}, ...) is mapped with the model's own renaming, and its {@code target_modules} are
     * matched against the older names, as PEFT matched them when it saved the adapter. {@link #save} writes such an
     * adapter back in the older layout, the one its {@code target_modules} were written for.
     */
    public static Lora load(Module root, Path dir) {
        return load(root, dir, new Rng(0));
    }

    /** {@link #load(Module, Path)} with the stream the adapters' dropouts will draw from. */
    public static Lora load(Module root, Path dir, Rng rng) {
        LoraConfig cfg = LoraConfig.read(dir.resolve("adapter_config.json"));
        Path file = dir.resolve("adapter_model.safetensors");
        SafetensorsFile f = SafetensorsFile.open(file);
        // each stored key under the name of this model's parameter (null: not a LoRA weight key)
        Map<String, String> keys = new LinkedHashMap<>();
        boolean olderLayout = false;
        CheckpointLayout layout = root instanceof CheckpointLayout cl ? cl : null;
        for (String key : f.names()) {
            String k = key.replace(".lora_A.default.weight", ".lora_A.weight")
                    .replace(".lora_B.default.weight", ".lora_B.weight");
            String suffix = k.endsWith(".lora_A.weight") ? ".lora_A.weight"
                    : k.endsWith(".lora_B.weight") ? ".lora_B.weight" : null;
            if (suffix == null || !k.startsWith(KEY_PREFIX)) {
                keys.put(key, null);
                continue;
            }
            String module = k.substring(KEY_PREFIX.length(), k.length() - suffix.length());
            String mapped = layout == null ? module : moduleName(layout, module);
            olderLayout |= !mapped.equals(module);
            keys.put(key, KEY_PREFIX + mapped + suffix);
        }
        Lora lora = olderLayout ? apply(root, cfg, rng, path -> storedName(layout, path)) : apply(root, cfg, rng);
        Map<String, Parameter> params = lora.parameters();
        List<String> unknown = new ArrayList<>();
        int loaded = 0;
        for (Map.Entry<String, String> e : keys.entrySet()) {
            String key = e.getKey();
            Parameter p = e.getValue() == null ? null : params.get(e.getValue());
            if (p == null) {
                unknown.add(key);
                continue;
            }
            if (!java.util.Arrays.equals(p.shape(), f.info(key).shape())) {
                throw new IllegalArgumentException(file + ": tensor '" + key + "' has shape "
                        + java.util.Arrays.toString(f.info(key).shape()) + ", the layer needs "
                        + java.util.Arrays.toString(p.shape()));
            }
            if (!f.info(key).dtype().isFloat()) {
                throw new IllegalArgumentException(file + ": tensor '" + key + "' is " + f.info(key).dtype()
                        + ", LoRA weights must be " + Module.WEIGHT_DTYPES);
            }
            p.set(f.tensor(key));
            loaded++;
        }
        if (!unknown.isEmpty() || loaded != params.size()) {
            throw new IllegalArgumentException(file + ": " + loaded + " of " + params.size()
                    + " LoRA weights loaded; tensors with no matching layer: " + unknown);
        }
        return lora;
    }

    /** A module path through a layout's parameter renaming (which maps parameter names: path + ".weight"). */
    private static String moduleName(CheckpointLayout layout, String module) {
        return stripWeight(layout.moduleName(module + ".weight"), module);
    }

    private static String storedName(CheckpointLayout layout, String module) {
        return stripWeight(layout.storedName(module + ".weight"), module);
    }

    private static String stripWeight(String name, String module) {
        return name.endsWith(".weight") ? name.substring(0, name.length() - ".weight".length()) : module;
    }
}
