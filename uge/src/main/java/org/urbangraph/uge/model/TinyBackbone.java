package org.urbangraph.uge.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.urbangraph.kernels.DType;
import org.urbangraph.tensor.Meta;
import org.urbangraph.tensor.io.SafetensorsWriter;
import org.urbangraph.tensor.nn.Init;
import org.urbangraph.tensor.nn.Rng;
import org.urbangraph.vlm.qwen2vl.Qwen2VLConfig;
import org.urbangraph.vlm.qwen2vl.Qwen2VLForConditionalGeneration;

/**
 * An untrained Qwen2-VL-architecture backbone small enough to train on a laptop CPU in minutes: the real Qwen2
 * tokenizer and vocabulary, a 2-layer 128-wide decoder, a 2-block 64-wide vision tower, and 112x112 images
 * (16 image tokens). Written as a Hugging Face model directory, so everything downstream loads it like a real model.
 * It knows nothing yet: UGE trains its base weights too, and says so.
 */
public final class TinyBackbone {
    private TinyBackbone() {}

    public static final int HIDDEN = 128;
    public static final int IMAGE_SIDE = 112;

    /** Writes the model directory (overwriting it). {@code tokenizerDir} holds the Qwen2 tokenizer files. */
    public static Path create(Path dir, Path tokenizerDir, long seed) throws IOException {
        Files.createDirectories(dir);
        ObjectMapper json = new ObjectMapper();
        ObjectNode c = json.createObjectNode();
        c.putArray("architectures").add("Qwen2VLForConditionalGeneration");
        c.put("model_type", "qwen2_vl");
        c.put("hidden_size", HIDDEN);
        c.put("intermediate_size", 2 * HIDDEN);
        c.put("num_hidden_layers", 2);
        c.put("num_attention_heads", 4);
        c.put("num_key_value_heads", 2);
        c.put("hidden_act", "silu");
        c.put("rms_norm_eps", 1e-6);
        c.put("rope_theta", 1000000.0);
        ObjectNode rope = c.putObject("rope_scaling");
        rope.put("type", "mrope");
        ArrayNode sec = rope.putArray("mrope_section");
        sec.add(4).add(6).add(6);
        c.put("max_position_embeddings", 32768);
        c.put("vocab_size", 151936);
        c.put("tie_word_embeddings", true);
        c.put("image_token_id", 151655);
        c.put("video_token_id", 151656);
        c.put("vision_start_token_id", 151652);
        c.put("vision_end_token_id", 151653);
        c.put("bos_token_id", 151643);
        c.put("eos_token_id", 151645);
        ObjectNode v = c.putObject("vision_config");
        v.put("depth", 2);
        v.put("embed_dim", 64);
        v.put("num_heads", 2);
        v.put("mlp_ratio", 4);
        v.put("hidden_act", "quick_gelu");
        v.put("hidden_size", HIDDEN);
        v.put("in_chans", 3);
        v.put("patch_size", 14);
        v.put("spatial_merge_size", 2);
        v.put("temporal_patch_size", 2);
        c.put("urbangraph_note", "untrained tiny backbone written by UrbanGraph (random weights, seed " + seed + ")");
        Files.writeString(dir.resolve("config.json"), json.writerWithDefaultPrettyPrinter().writeValueAsString(c));
        ObjectNode p = json.createObjectNode();
        p.put("image_processor_type", "Qwen2VLImageProcessor");
        p.put("min_pixels", IMAGE_SIDE * IMAGE_SIDE);
        p.put("max_pixels", IMAGE_SIDE * IMAGE_SIDE);
        p.put("patch_size", 14);
        p.put("merge_size", 2);
        p.put("temporal_patch_size", 2);
        Files.writeString(dir.resolve("preprocessor_config.json"),
                json.writerWithDefaultPrettyPrinter().writeValueAsString(p));
        for (String f : new String[] {"tokenizer.json", "tokenizer_config.json"}) {
            if (!Files.isRegularFile(tokenizerDir.resolve(f))) {
                throw new IOException("the Qwen2 tokenizer file " + tokenizerDir.resolve(f) + " is missing");
            }
            Files.copy(tokenizerDir.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        Qwen2VLForConditionalGeneration m;
        try (Meta meta = Meta.scope()) {
            m = new Qwen2VLForConditionalGeneration(Qwen2VLConfig.read(dir.resolve("config.json")), new Rng(0));
        }
        m.setTrainable(false);
        Init.randomize(m, seed, DType.F32);
        SafetensorsWriter.write(dir.resolve("model.safetensors"), m.stateDict(), Map.of("format", "pt"));
        return dir;
    }
}
