package org.urbangraph.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.urbangraph.tensor.Functional;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.io.SafetensorsFile;
import org.urbangraph.tensor.nn.Parameter;
import org.urbangraph.tensor.optim.AdamW;
import org.urbangraph.tensor.optim.GradClip;
import org.urbangraph.tensor.optim.ParamGroup;
import org.urbangraph.testkit.Approx;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.vlm.GoldenCases;
import org.urbangraph.vlm.MultimodalBatch;
import org.urbangraph.vlm.Pooling;
import org.urbangraph.vlm.qwen2vl.Qwen2VLForConditionalGeneration;

/**
 * The PEFT LoRA golden (../golden/lora_qwen2_vl): the adapter written by PEFT 0.21 loads here, gives the reference
 * outputs, merges to the reference weights, and one InfoNCE training step reproduces the loss, every LoRA gradient
 * and the AdamW update. Tolerances are the golden README's.
 */
class LoraGoldenTest {

    static final Path DIR = Fixtures.golden("lora_qwen2_vl");

    static Qwen2VLForConditionalGeneration modelWithAdapter() {
        Qwen2VLForConditionalGeneration model = Qwen2VLForConditionalGeneration.load(Fixtures.golden("qwen2_vl"));
        Lora.load(model, DIR);
        return model;
    }

    @Test
    void adapterTargetsExactlyTheLanguageModelsQueryAndValueProjections() {
        Qwen2VLForConditionalGeneration model = Qwen2VLForConditionalGeneration.load(Fixtures.golden("qwen2_vl"));
        Lora lora = Lora.load(model, DIR);
        assertEquals(List.of("model.language_model.layers.0.self_attn.q_proj",
                "model.language_model.layers.0.self_attn.v_proj", "model.language_model.layers.1.self_attn.q_proj",
                "model.language_model.layers.1.self_attn.v_proj"), List.copyOf(lora.layers().keySet()));
        assertEquals(2.0, lora.config().scaling());
        assertEquals(8, model.trainableParameters().size(), "only lora_A / lora_B train");
    }

    @Test
    void adapterOutputsMatchPeft() {
        Qwen2VLForConditionalGeneration model = modelWithAdapter();
        model.eval();
        SafetensorsFile ref = SafetensorsFile.open(DIR.resolve("reference.safetensors"));
        try (NoGrad g = NoGrad.enter()) {
            for (String c : List.of("single", "textonly")) {
                MultimodalBatch b = GoldenCases.batch(ref, c + ".", "pixel_values", "image_grid_thw",
                        model.config().imageTokenId());
                Qwen2VLForConditionalGeneration.Output out = model.forward(b, true);
                int h = model.config().text().hiddenSize();
                long[][] mask = b.attentionMask();
                Approx.assertClose(c + " hidden_states", GoldenCases.realRows(ref.tensor(c + ".text.hidden_states")
                        .toFloatArray(), mask, 3, h), GoldenCases.realRows(GoldenCases.concat(out.hiddenStates()), mask,
                        3, h), 1e-4, 1e-4);
                Approx.assertClose(c + " logits_last3", ref.tensor(c + ".logits_last3").toFloatArray(),
                        model.logits(out.lastHiddenState().narrow(1, b.length() - 3, 3)).toFloatArray(), 1e-4, 1e-4);
                Approx.assertClose(c + " embedding", ref.tensor(c + ".embedding_last_token_l2").toFloatArray(),
                        Pooling.lastTokenL2(out.lastHiddenState(), b.lastTokenIndex()).toFloatArray(), 1e-5, 0);
            }
        }
    }

    @Test
    void mergedWeightsMatchPeftAndUnmergeRestoresTheBase() {
        Qwen2VLForConditionalGeneration model = modelWithAdapter();
        Lora lora = Lora.load(Qwen2VLForConditionalGeneration.load(Fixtures.golden("qwen2_vl")), DIR);
        SafetensorsFile ref = SafetensorsFile.open(DIR.resolve("reference.safetensors"));
        for (String[] pair : new String[][] {{"layers.0.self_attn.q_proj", "merge.layers.0.self_attn.q_proj."},
                {"layers.1.self_attn.v_proj", "merge.layers.1.self_attn.v_proj."}}) {
            LoraLinear l = lora.layers().get("model.language_model." + pair[0]);
            String p = pair[1];
            Approx.assertClose(p + "delta_weight", ref.tensor(p + "delta_weight").toFloatArray(),
                    l.deltaWeight().toFloatArray(), 1e-6, 1e-5);
            float[] base = l.base().weight().tensor().toFloatArray();
            assertArrayEquals(ref.tensor(p + "base_weight").toFloatArray(), base);
            l.merge();
            Approx.assertClose(p + "merged_weight", ref.tensor(p + "merged_weight").toFloatArray(),
                    l.base().weight().tensor().toFloatArray(), 1e-6, 1e-5);
            assertArrayEquals(ref.tensor(p + "base_bias").toFloatArray(), l.base().bias().tensor().toFloatArray());
            l.unmerge();
            assertArrayEquals(base, l.base().weight().tensor().toFloatArray());
        }
        // a merged model gives the adapter's outputs (PEFT measured 1.7e-6 between the two)
        model.eval();
        try (NoGrad g = NoGrad.enter()) {
            MultimodalBatch b = GoldenCases.batch(ref, "single.", "pixel_values", "image_grid_thw",
                    model.config().imageTokenId());
            float[] adapter = model.embed(b).toFloatArray();
            Lora merged = Lora.load(Qwen2VLForConditionalGeneration.load(Fixtures.golden("qwen2_vl")), DIR);
            assertEquals(4, merged.layers().size());
            Qwen2VLForConditionalGeneration m2 = Qwen2VLForConditionalGeneration.load(Fixtures.golden("qwen2_vl"));
            Lora l2 = Lora.load(m2, DIR);
            l2.merge();
            m2.eval();
            Approx.assertClose("merged vs adapter embedding", adapter, m2.embed(b).toFloatArray(), 1e-5, 0);
        }
    }

    /** One contrastive step: forward 6 right-padded rows, InfoNCE (tau 0.02), backward, AdamW. */
    @Test
    void oneTrainingStepMatchesPeftAndTorch() {
        Qwen2VLForConditionalGeneration model = Qwen2VLForConditionalGeneration.load(Fixtures.golden("qwen2_vl"));
        Lora lora = Lora.load(model, DIR);
        model.train(true);
        SafetensorsFile ref = SafetensorsFile.open(DIR.resolve("reference.safetensors"));
        MultimodalBatch b = GoldenCases.batch(ref, "train.", "train.pixel_values", "train.image_grid_thw",
                model.config().imageTokenId());
        Tensor feats = model.imageFeatures(b.pixelValues(), b.imageGrids(), null);
        Tensor embeds = model.inputEmbeddings(b.inputIds(), feats);
        Qwen2VLForConditionalGeneration.Output out = model.forwardEmbeddings(b.inputIds(), b.attentionMask(),
                b.imageGrids(), embeds, null, false);
        assertArrayEquals(ref.tensor("train.position_ids").toLongArray(), GoldenCases.flatten(out.positionIds()));
        int h = model.config().text().hiddenSize();
        Approx.assertClose("train last_hidden_state", GoldenCases.realRows(ref.tensor("train.last_hidden_state")
                .toFloatArray(), b.attentionMask(), 1, h), GoldenCases.realRows(out.lastHiddenState().toFloatArray(),
                b.attentionMask(), 1, h), 1e-4, 1e-4);
        int[] pool = b.lastTokenIndex();
        long[] expectedPool = ref.tensor("train.pool_index").toLongArray();
        for (int i = 0; i < pool.length; i++) {
            assertEquals(expectedPool[i], pool[i]);
        }
        Tensor emb = Pooling.lastTokenL2(out.lastHiddenState(), pool).retainGrad();
        Approx.assertClose("train embeddings", ref.tensor("train.embeddings").toFloatArray(), emb.toFloatArray(), 1e-5, 0);
        Tensor anchors = emb.slice(0, 0, 6, 2);
        Tensor positives = emb.slice(0, 1, 6, 2);
        Tensor sim = anchors.matmul(positives.mT());
        Approx.assertClose("similarity", ref.tensor("train.similarity").toFloatArray(), sim.toFloatArray(), 1e-5, 0);
        Tensor target = Tensor.arange(0, 3);
        Tensor loss = Functional.crossEntropy(sim.div(0.02), target, 0);
        assertEquals(ref.tensor("train.loss").item(), loss.item(), 1e-5);
        try (NoGrad g = NoGrad.enter()) {
            // the loss's sensitivity to float32 rounding of the similarities grows as 1/tau: twice the 1e-5 at 0.01
            assertEquals(ref.tensor("train.loss_tau_0.01").item(),
                    Functional.crossEntropy(sim.detach().div(0.01), target, 0).item(), 2e-5);
        }
        loss.backward();
        Approx.assertClose("embeddings_grad", ref.tensor("train.embeddings_grad").toFloatArray(),
                emb.grad().toFloatArray(), 1e-5, 1e-4);
        Map<String, Parameter> params = lora.parameters();
        // rel 1e-4, with a floor of 1e-5 of the tensor's largest entry: the golden's own float32 noise run moved
        // these gradients by up to 5.8e-6 at |g| <= 3.5
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            Approx.assertCloseToScale("grad " + e.getKey(), ref.tensor("grad." + e.getKey()).toFloatArray(),
                    e.getValue().tensor().grad().toFloatArray(), 1e-4, 1e-5);
        }
        assertEquals(ref.tensor("train.grad_norm").item(), GradClip.globalNorm(params.values()), 1e-4);
        AdamW opt = new AdamW(List.of(new ParamGroup("lora", params, 1e-3, 0.01)));
        opt.step();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            Approx.assertClose("updated " + e.getKey(), ref.tensor("updated." + e.getKey()).toFloatArray(),
                    e.getValue().tensor().toFloatArray(), 1e-7, 0);
        }
    }
}
