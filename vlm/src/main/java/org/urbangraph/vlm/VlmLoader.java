package org.urbangraph.vlm;

import java.nio.file.Files;
import java.nio.file.Path;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.vlm.config.JsonConfig;
import org.urbangraph.vlm.llava.LlavaNextForConditionalGeneration;
import org.urbangraph.vlm.phi3v.Phi3VForCausalLM;
import org.urbangraph.vlm.qwen2vl.Qwen2VLForConditionalGeneration;

/**
 * Loads any supported backbone from a Hugging Face model directory, choosing the family by {@code config.json}'s
 * {@code model_type}. What the command line and UGE call when they are handed a model folder.
 */
public final class VlmLoader {
    private VlmLoader() {}

    /** The backbone families, by their {@code model_type}. */
    public enum Family {
        QWEN2_VL("qwen2_vl"), QWEN2_5_VL("qwen2_5_vl"), LLAVA_NEXT("llava_next"), PHI3_V("phi3_v");

        private final String modelType;

        Family(String modelType) {
            this.modelType = modelType;
        }

        public String modelType() {
            return modelType;
        }
    }

    /** The family of a model directory, from its {@code config.json}. */
    public static Family family(Path dir) {
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw new IllegalArgumentException(dir + ": no config.json (expected a Hugging Face model directory)");
        }
        JsonConfig c = JsonConfig.read(configFile);
        String type = c.requireString("model_type");
        for (Family f : Family.values()) {
            if (f.modelType.equals(type)) {
                return f;
            }
        }
        StringBuilder known = new StringBuilder();
        for (Family f : Family.values()) {
            known.append(known.isEmpty() ? "" : ", ").append(f.modelType);
        }
        throw c.error("model_type", "unsupported model type '" + type + "' (supported: " + known + ")");
    }

    /**
     * The model of a directory, weights memory-mapped, frozen, in eval mode. The result is also a {@link Module}
     * ({@link #module}), which LoRA wraps.
     */
    public static VisionLanguageModel load(Path dir) {
        return switch (family(dir)) {
            case QWEN2_VL, QWEN2_5_VL -> Qwen2VLForConditionalGeneration.load(dir);
            case LLAVA_NEXT -> LlavaNextForConditionalGeneration.load(dir);
            case PHI3_V -> Phi3VForCausalLM.load(dir);
        };
    }

    /** The module tree of a loaded model (every family is one). */
    public static Module module(VisionLanguageModel model) {
        return (Module) model;
    }
}
