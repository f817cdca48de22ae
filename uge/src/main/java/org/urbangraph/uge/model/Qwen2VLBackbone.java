package org.urbangraph.uge.model;

import java.util.List;
import org.urbangraph.lora.LoraConfig;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.vlm.chat.ChatMessage;
import org.urbangraph.vlm.embed.EncodedInput;
import org.urbangraph.vlm.embed.Qwen2VLPipeline;
import org.urbangraph.vlm.image.Qwen2VLImageProcessor;

/**
 * Qwen2-VL and Qwen2.5-VL: the input is one user turn of ms-swift's {@code qwen2_vl} template (default system prompt,
 * opened assistant turn), as the authors train; {@link org.urbangraph.vlm.chat.Qwen2VLChatFormat} writes it, graphs
 * included. LoRA on the decoder's {@code q_proj} and {@code v_proj}, the authors' recipe (the vision tower's
 * attention is a fused {@code qkv}, so the names reach the decoder only).
 */
final class Qwen2VLBackbone implements UgeBackbone {

    private final Qwen2VLPipeline pipeline;
    private final ImageCache<Qwen2VLImageProcessor.Output> images;

    Qwen2VLBackbone(Qwen2VLPipeline pipeline) {
        this.pipeline = pipeline;
        this.images = new ImageCache<>(pipeline.processor()::preprocess, f -> pipeline.readImage(f, false), 1024);
    }

    @Override
    public Qwen2VLPipeline pipeline() {
        return pipeline;
    }

    @Override
    public Module module() {
        return pipeline.model();
    }

    @Override
    public LoraConfig loraConfig(String baseModel) {
        return LoraConfig.uge(baseModel);
    }

    @Override
    public EncodedInput encode(UgeInput input, int[] graphNodes) {
        Qwen2VLImageProcessor.Output px = input.images().isEmpty() ? null : images.preprocess(input.images());
        return pipeline.encodeMessages(List.of(ChatMessage.user(input.content())), px, graphNodes);
    }
}
