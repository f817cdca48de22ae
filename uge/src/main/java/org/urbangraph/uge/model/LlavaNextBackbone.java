package org.urbangraph.uge.model;

import org.urbangraph.lora.LoraConfig;
import org.urbangraph.vlm.embed.LlavaNextPipeline;
import org.urbangraph.vlm.image.LlavaNextImageProcessor;

/**
 * LLaVA-NeXT (LLaVA-1.6 with Mistral): {@code [INST] {content} [/INST]} with each image as {@code <image>\n}
 * (ms-swift's {@code llava1_6_mistral} template and llava-hf's chat template), each {@code <image>} expanded to the
 * image's anyres feature count by the pipeline. The pipeline accepts only a Mistral text model, so a Llama-based
 * LLaVA-1.6 (Vicuna, 34B: other chat layouts) is refused before training rather than trained in this layout.
 *
 * <p>LoRA on {@code q_proj} and {@code v_proj} of the Mistral decoder only. PEFT matches a plain name list as a
 * suffix anywhere in the model, and the CLIP tower names its attention projections {@code q_proj} / {@code v_proj}
 * too; UGE's recipe adapts the language model's attention (on Qwen2-VL those names exist only there), so the targets
 * are a full-match expression over the decoder's layers.
 */
final class LlavaNextBackbone extends PromptBackbone<LlavaNextImageProcessor.Output> {

    static final String LORA_TARGETS = "model\\.language_model\\.layers\\.\\d+\\.self_attn\\.(q_proj|v_proj)";

    LlavaNextBackbone(LlavaNextPipeline pipeline) {
        super(pipeline, pipeline::preprocess, pipeline::encodePrompt);
    }

    @Override
    public LoraConfig loraConfig(String baseModel) {
        return LoraConfig.uge(baseModel).withTargets(null, LORA_TARGETS);
    }
}
