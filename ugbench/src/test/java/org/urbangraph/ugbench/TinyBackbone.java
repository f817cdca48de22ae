package org.urbangraph.ugbench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.urbangraph.kernels.DType;
import org.urbangraph.tensor.Meta;
import org.urbangraph.tensor.io.SafetensorsWriter;
import org.urbangraph.tensor.nn.Init;
import org.urbangraph.tensor.nn.Rng;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.vlm.qwen2vl.Qwen2VLConfig;
import org.urbangraph.vlm.qwen2vl.Qwen2VLForConditionalGeneration;

/**
 * A Hugging Face model directory of a tiny random Qwen2-VL (the golden test architecture: hidden size 64, two text
 * and two vision layers) with the real Qwen2 tokenizer, so that the backbone embedder runs end to end in seconds.
 */
public final class TinyBackbone {
    private TinyBackbone() {}

    /** Writes the model into {@code dir} with weights drawn from {@code seed}. */
    public static Path write(Path dir, long seed) throws IOException {
        Files.createDirectories(dir);
        ObjectMapper m = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) m.readTree(Fixtures.golden("qwen2_vl", "config.json").toFile());
        cfg.put("vocab_size", 151936);
        ((ObjectNode) cfg.get("text_config")).put("vocab_size", 151936);
        cfg.put("image_token_id", 151655);
        cfg.put("video_token_id", 151656);
        cfg.put("vision_start_token_id", 151652);
        cfg.put("vision_end_token_id", 151653);
        Files.writeString(dir.resolve("config.json"), m.writeValueAsString(cfg));
        Files.copy(Fixtures.path("tokenizer", "qwen2", "tokenizer.json"), dir.resolve("tokenizer.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(Fixtures.path("tokenizer", "qwen2", "tokenizer_config.json"), dir.resolve("tokenizer_config.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        // few pixels: 160 x 120 views become a handful of patches
        Files.writeString(dir.resolve("preprocessor_config.json"),
                "{\"min_pixels\": 3136, \"max_pixels\": 20000, \"image_processor_type\": \"Qwen2VLImageProcessor\"}");
        Qwen2VLForConditionalGeneration net;
        try (Meta meta = Meta.scope()) {
            net = new Qwen2VLForConditionalGeneration(Qwen2VLConfig.read(dir.resolve("config.json")), new Rng(0));
        }
        net.setTrainable(false);
        Init.randomize(net, seed, DType.F32);
        SafetensorsWriter.write(dir.resolve("model.safetensors"), net.stateDict(), Map.of("format", "pt"));
        return dir;
    }
}
