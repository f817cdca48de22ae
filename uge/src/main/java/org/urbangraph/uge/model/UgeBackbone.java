package org.urbangraph.uge.model;

import java.io.IOException;
import java.nio.file.Path;
import org.urbangraph.lora.LoraConfig;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.vlm.VisionLanguageModel;
import org.urbangraph.vlm.VlmLoader;
import org.urbangraph.vlm.embed.EmbeddingPipeline;
import org.urbangraph.vlm.embed.EmbeddingPipelines;
import org.urbangraph.vlm.embed.EncodedInput;
import org.urbangraph.vlm.embed.LlavaNextPipeline;
import org.urbangraph.vlm.embed.Phi3VPipeline;
import org.urbangraph.vlm.embed.Qwen2VLPipeline;

/**
 * What UGE needs from a backbone family beyond its {@link EmbeddingPipeline}: a UGE input laid out in the family's
 * chat format (its image placeholders expanded as its processor expands them, each {@code <graph>} as
 * {@code <|graph_start|>} + one {@code <|graph_pad|>} per node + {@code <|graph_end|>}), and the modules LoRA adapts.
 * One implementation per family; everything else in UGE (graph-token rows, injection, pooling, training,
 * checkpoints) is the same for all of them.
 */
public interface UgeBackbone {

    EmbeddingPipeline pipeline();

    /** The model's module tree, which LoRA wraps and a trained base is saved from. */
    Module module();

    /** UGE's LoRA settings (r 16, alpha 32, dropout 0.1) on this family's targets. */
    LoraConfig loraConfig(String baseModel);

    /**
     * The ids and pixels of one input: its text in the family's user turn, the images in order of their tags (images
     * without a tag go in front), graph g as a span of {@code graphNodes[g]} pads.
     */
    EncodedInput encode(UgeInput input, int[] graphNodes);

    default VisionLanguageModel model() {
        return pipeline().model();
    }

    default VlmLoader.Family family() {
        return pipeline().family();
    }

    /** The backbone of a Hugging Face model directory, its family from {@code config.json}. */
    static UgeBackbone load(Path dir) throws IOException {
        return of(EmbeddingPipelines.load(dir));
    }

    static UgeBackbone of(EmbeddingPipeline pipeline) {
        return switch (pipeline) {
            case Qwen2VLPipeline q -> new Qwen2VLBackbone(q);
            case LlavaNextPipeline l -> new LlavaNextBackbone(l);
            case Phi3VPipeline p -> new Phi3VBackbone(p);
            default -> throw new IllegalArgumentException("UGE has no layout for the " + pipeline.family().modelType()
                    + " family");
        };
    }
}
