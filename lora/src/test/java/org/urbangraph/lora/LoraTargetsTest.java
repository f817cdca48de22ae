package org.urbangraph.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.io.SafetensorsFile;
import org.urbangraph.tensor.nn.Rng;
import org.urbangraph.testkit.Approx;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.vlm.GoldenCases;
import org.urbangraph.vlm.MultimodalBatch;
import org.urbangraph.vlm.llava.LlavaNextForConditionalGeneration;
import org.urbangraph.vlm.phi3v.Phi3VForCausalLM;
import org.urbangraph.vlm.phi3v.Phi3VTiny;

/**
 * UGE's LoRA targets on the other backbones, matched by name suffix across the whole model as PEFT matches an
 * explicit {@code target_modules} list: {@code q_proj} / {@code v_proj} hit both the Mistral and the CLIP
 * projections of LLaVA-NeXT, but only the CLIP ones of Phi-3-V, whose text model fuses them into {@code qkv_proj};
 * Phi-3's own names ({@code qkv_proj}, {@code o_proj}, {@code gate_up_proj}) reach its decoder.
 */
class LoraTargetsTest {

    @TempDir
    Path tmp;

    static LoraConfig targets(String... names) {
        return new LoraConfig(4, 8, 0.0, List.of(names), null, false, "test", null);
    }

    static Set<String> expected(String pattern, int layers, String... leaves) {
        Set<String> out = new TreeSet<>();
        for (int i = 0; i < layers; i++) {
            for (String leaf : leaves) {
                out.add(pattern.formatted(i) + leaf);
            }
        }
        return out;
    }

    static void randomiseB(Lora lora, long seed) {
        try (NoGrad g = NoGrad.enter()) {
            long s = seed;
            for (LoraLinear l : lora.layers().values()) {
                l.loraB().weight().tensor().copyFrom(Tensor.randn(s++, l.outFeatures(), 4).mul(0.2));
            }
        }
    }

    @Test
    void qAndVProjectionsOfLlavaNextAreTheMistralAndTheClipOnes() {
        Path dir = Fixtures.golden("llava_next_mistral");
        LlavaNextForConditionalGeneration model = LlavaNextForConditionalGeneration.load(dir);
        Lora lora = Lora.apply(model, targets("q_proj", "v_proj"), new Rng(3));
        Set<String> want = expected("model.language_model.layers.%d.self_attn.", 2, "q_proj", "v_proj");
        want.addAll(expected("model.vision_tower.vision_model.encoder.layers.%d.self_attn.", 3, "q_proj", "v_proj"));
        assertEquals(want, new TreeSet<>(lora.layers().keySet()));
        assertNotNull(lora.parameters().get(
                "base_model.model.model.vision_tower.vision_model.encoder.layers.2.self_attn.v_proj.lora_B.weight"));
        assertArrayEquals(new int[] {32, 4}, lora.layers().get("model.language_model.layers.0.self_attn.v_proj")
                .loraB().weight().shape(), "GQA: v_proj has 2 kv heads of 16");
        assertEquals(lora.parameters().size(), model.trainableParameters().size(), "only the LoRA weights train");

        SafetensorsFile ref = SafetensorsFile.open(dir.resolve("reference.safetensors"));
        MultimodalBatch b = GoldenCases.batch(ref, "single.", "pixel_values", "image_sizes",
                model.config().imageTokenIndex());
        model.eval();
        float[] adapted;
        try (NoGrad g = NoGrad.enter()) {
            // PEFT's init leaves B = 0: the wrapped model is the base model
            Approx.assertClose("zero-B LoRA", ref.tensor("single.embedding_last_token_l2").toFloatArray(),
                    model.embed(b, null).toFloatArray(), 1e-5, 0);
            randomiseB(lora, 40);
            adapted = model.embed(b, null).toFloatArray();
            assertTrue(Approx.maxAbsDiff(adapted, ref.tensor("single.embedding_last_token_l2").toFloatArray()) > 1e-3,
                    "the adapters change the embedding");
            // the vision adapters act: image features move
            LlavaNextForConditionalGeneration base = LlavaNextForConditionalGeneration.load(dir);
            Tensor px = ref.tensor("pixel_values");
            int[][] sizes = GoldenCases.grids(ref.tensor("image_sizes"));
            assertTrue(Approx.maxAbsDiff(base.imageFeatures(px, sizes, null).toFloatArray(),
                    model.imageFeatures(px, sizes, null).toFloatArray()) > 1e-3);
        }
        // gradients reach every adapter, the CLIP ones through the anyres packing and the image splice, except those
        // of the last CLIP layer: the features are read before it (vision_feature_layer -2), so in PEFT too its
        // adapters get no gradient
        model.embed(b, null).mul(Tensor.randn(6, 1, 64)).sum().backward();
        String last = "base_model.model.model.vision_tower.vision_model.encoder.layers.2.self_attn.";
        assertEquals(new TreeSet<>(List.of(last + "q_proj.lora_A.weight", last + "q_proj.lora_B.weight",
                last + "v_proj.lora_A.weight", last + "v_proj.lora_B.weight")), new TreeSet<>(withoutGradient(lora)));
        try (NoGrad g = NoGrad.enter()) {
            lora.merge();
            Approx.assertClose("merged", adapted, model.embed(b, null).toFloatArray(), 1e-5, 0);
        }
    }

    static List<String> withoutGradient(Lora lora) {
        List<String> without = new ArrayList<>();
        lora.parameters().forEach((k, p) -> {
            Tensor grad = p.tensor().grad();
            if (grad == null || Approx.maxAbsDiff(grad.toFloatArray(), new float[grad.toFloatArray().length]) == 0) {
                without.add(k);
            }
        });
        return without;
    }

    @Test
    void phi3VisionTargetsClipForQvAndTheDecoderForItsFusedNames() {
        Phi3VForCausalLM model = Phi3VTiny.random(tmp, 8);
        Lora qv = Lora.apply(model, targets("q_proj", "v_proj"), new Rng(3));
        assertEquals(expected("model.vision_embed_tokens.img_processor.vision_model.encoder.layers.%d.self_attn.", 2,
                "q_proj", "v_proj"), new TreeSet<>(qv.layers().keySet()));

        Phi3VForCausalLM phi = Phi3VTiny.random(tmp.resolve("b"), 8);
        Lora fused = Lora.apply(phi, targets("qkv_proj", "o_proj", "gate_up_proj"), new Rng(4));
        Set<String> want = expected("model.layers.%d.self_attn.", 2, "qkv_proj", "o_proj");
        want.addAll(expected("model.layers.%d.mlp.", 2, "gate_up_proj"));
        assertEquals(want, new TreeSet<>(fused.layers().keySet()), "o_proj does not reach CLIP's out_proj");
        assertArrayEquals(new int[] {(4 + 2 * 2) * 8, 4},
                fused.layers().get("model.layers.0.self_attn.qkv_proj").loraB().weight().shape());

        long[][] ids = new long[2][20];
        long[][] mask = new long[2][20];
        for (int r = 0; r < 2; r++) {
            for (int i = 0; i < 20; i++) {
                ids[r][i] = 1 + (i * 5 + r * 11) % 60;
                mask[r][i] = r == 1 && i < 4 ? 0 : 1;
            }
        }
        MultimodalBatch b = MultimodalBatch.textOnly(ids, mask);
        randomiseB(fused, 70);
        float[] adapted;
        try (NoGrad g = NoGrad.enter()) {
            adapted = phi.embed(b, null).toFloatArray();
        }
        // gradients reach every adapter through the fused projections' splits
        Tensor loss = phi.embed(b, null).mul(Tensor.randn(5, 2, 32)).sum();
        loss.backward();
        assertEquals(List.of(), withoutGradient(fused), "adapters without a gradient");
        try (NoGrad g = NoGrad.enter()) {
            fused.merge();
            Approx.assertClose("merged Phi-3 adapters", adapted, phi.embed(b, null).toFloatArray(), 1e-5, 0);
        }
    }
}
