package org.urbangraph.uge.model;

import java.util.List;
import org.urbangraph.lora.LoraConfig;
import org.urbangraph.vlm.embed.Phi3VPipeline;
import org.urbangraph.vlm.image.Phi3VImageProcessor;

/**
 * Phi-3-Vision: {@code <|user|>\n{content}<|end|>\n<|assistant|>\n} with the k-th image as {@code <|image_k|>\n}
 * (the model card's and ms-swift's {@code phi3_vision} layout), each tag expanded by the HD transform's token count.
 *
 * <p>LoRA on the decoder's fused {@code qkv_proj}. Phi-3 computes query, key and value in one Linear, so the recipe's
 * {@code q_proj} + {@code v_proj} has no separate modules here (those names exist only in the CLIP tower); a PEFT
 * adapter cannot cover part of a Linear, and adapting the fused projection is what PEFT and ms-swift do for Phi-3.
 */
final class Phi3VBackbone extends PromptBackbone<Phi3VImageProcessor.Output> {

    static final List<String> LORA_TARGETS = List.of("qkv_proj");

    Phi3VBackbone(Phi3VPipeline pipeline) {
        super(pipeline, pipeline::preprocess, pipeline::encodePrompt);
    }

    @Override
    public LoraConfig loraConfig(String baseModel) {
        return LoraConfig.uge(baseModel).withTargets(LORA_TARGETS, null);
    }
}
