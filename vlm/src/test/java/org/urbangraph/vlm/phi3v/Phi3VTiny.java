package org.urbangraph.vlm.phi3v;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.urbangraph.kernels.DType;
import org.urbangraph.tensor.io.SafetensorsWriter;
import org.urbangraph.tensor.nn.Init;
import org.urbangraph.tensor.nn.Rng;
import org.urbangraph.vlm.image.Normalization;
import org.urbangraph.vlm.image.Phi3VImageProcessor;

/**
 * Tiny random Phi-3-V models for the tests (no numerical reference from the original implementation exists for
 * this family): a 2-layer decoder with grouped-query attention and su rotary scaling whose switch to the long
 * factors happens past 16 positions, and a 2-layer CLIP tower on 56-pixel crops (a 4 x 4 patch grid, so 2 x 2
 * merged tokens per crop).
 */
public final class Phi3VTiny {
    private Phi3VTiny() {}

    public static final String CONFIG = """
            {"model_type": "phi3_v", "architectures": ["Phi3VForCausalLM"], "vocab_size": 64, "hidden_size": 32,
             "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
             "max_position_embeddings": 64, "original_max_position_embeddings": 16, "rms_norm_eps": 1e-05,
             "rope_theta": 10000.0,
             "rope_scaling": {"type": "su", "short_factor": [1.0, 1.5, 2.0, 3.0], "long_factor": [2.0, 3.0, 5.0, 8.0]},
             "embd_layer": {"embedding_cls": "image", "hd_transform_order": "sub_glb", "projection_cls": "mlp",
                            "use_hd_transform": true, "with_learnable_separator": true},
             "img_processor": {"image_dim_out": 16, "model_name": "openai/clip-vit-large-patch14-336",
                               "name": "clip_vision_model", "num_img_tokens": 4,
                               "vision_config": {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 2,
                                                 "num_attention_heads": 2, "image_size": 56, "patch_size": 14,
                                                 "hidden_act": "quick_gelu", "layer_norm_eps": 1e-05}},
             "sliding_window": 131072, "tie_word_embeddings": false, "bos_token_id": 1, "eos_token_id": 2,
             "pad_token_id": 0}""";

    public static Path writeConfig(Path dir, String json) {
        try {
            Files.createDirectories(dir);
            Path f = dir.resolve("config.json");
            Files.writeString(f, json);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A model from {@code json} (written to {@code dir/config.json}) with seeded random F32 weights, in eval mode. */
    public static Phi3VForCausalLM random(Path dir, String json, long seed) {
        Phi3VForCausalLM m = new Phi3VForCausalLM(Phi3VConfig.read(writeConfig(dir, json)), new Rng(seed));
        Init.randomize(m, seed, DType.F32);
        m.eval();
        return m;
    }

    public static Phi3VForCausalLM random(Path dir, long seed) {
        return random(dir, CONFIG, seed);
    }

    /** Writes the weights as {@code dir/model.safetensors}, under the checkpoint's names. */
    public static void save(Phi3VForCausalLM m, Path dir) {
        SafetensorsWriter.write(dir.resolve("model.safetensors"), m.stateDict(), Map.of("format", "pt"));
    }

    /** The image processor paired with the tiny tower: 56-pixel crops, at most 4 of them. */
    public static Phi3VImageProcessor processor() {
        float[] mean = new float[3];
        float[] std = new float[3];
        for (int i = 0; i < 3; i++) {
            mean[i] = (float) Normalization.CLIP_MEAN[i];
            std[i] = (float) Normalization.CLIP_STD[i];
        }
        return new Phi3VImageProcessor(new Phi3VImageProcessor.Config(4, mean, std, 56));
    }
}
