package org.urbangraph.vlm.embed;

import java.io.IOException;
import java.nio.file.Path;
import org.urbangraph.vlm.VlmLoader;

/** Opens any supported model directory as an {@link EmbeddingPipeline}, choosing the family as {@link VlmLoader} does. */
public final class EmbeddingPipelines {
    private EmbeddingPipelines() {}

    /**
     * The pipeline of a Hugging Face model directory (config.json, safetensors, tokenizer.json, and
     * preprocessor_config.json where the family reads one), by {@code config.json}'s {@code model_type}.
     */
    public static EmbeddingPipeline load(Path dir) throws IOException {
        return switch (VlmLoader.family(dir)) {
            case QWEN2_VL, QWEN2_5_VL -> Qwen2VLPipeline.load(dir);
            case LLAVA_NEXT -> LlavaNextPipeline.load(dir);
            case PHI3_V -> Phi3VPipeline.load(dir);
        };
    }
}
