package org.urbangraph.vlm.qwen2vl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.io.SafetensorsFile;
import org.urbangraph.tensor.io.WeightSource;
import org.urbangraph.tensor.nn.Rng;
import org.urbangraph.tensor.Meta;
import org.urbangraph.testkit.Approx;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.vlm.GoldenCases;
import org.urbangraph.vlm.MultimodalBatch;
import org.urbangraph.vlm.Pooling;
import org.urbangraph.vlm.text.RotaryTables;

/**
 * Qwen2-VL and Qwen2.5-VL against Hugging Face transformers 4.57.6 on the tiny random models: every case and every
 * recorded intermediate, with F32 weights and with BF16 weights (against the BF16-weight reference).
 * Tolerances are the golden README's: 1e-4 for hidden states, logits and vision outputs, 1e-5 for the embedding,
 * exact for integer tensors. Rows whose attention mask is 0 are not compared (their value is implementation noise).
 */
class Qwen2VLGoldenTest {

    static final String[] CASES = {"single", "batch", "textonly"};

    static MultimodalBatch batch(SafetensorsFile ref, String c, Qwen2VLConfig cfg) {
        return GoldenCases.batch(ref, c + ".", "pixel_values", "image_grid_thw", cfg.imageTokenId());
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen2_vl", "qwen2_5_vl"})
    void f32WeightsMatchEveryCaseAndIntermediate(String folder) {
        Path dir = Fixtures.golden(folder);
        Qwen2VLForConditionalGeneration model = Qwen2VLForConditionalGeneration.load(dir);
        SafetensorsFile ref = SafetensorsFile.open(dir.resolve("reference.safetensors"));
        Qwen2VLConfig cfg = model.config();
        try (NoGrad g = NoGrad.enter()) {
            Map<String, Tensor> trace = new HashMap<>();
            model.imageFeatures(ref.tensor("pixel_values"), GoldenCases.grids(ref.tensor("image_grid_thw")), trace);
            for (String name : List.of("vision.patch_embed", "vision.rotary_pos_emb", "vision.block0", "vision.block1",
                    "vision_embeds")) {
                Approx.assertClose(folder + " " + name, ref.tensor(name).toFloatArray(), trace.get(name).toFloatArray(),
                        1e-4, 1e-4);
            }
            if (cfg.variant() == Qwen2VLConfig.Variant.QWEN2_5_VL) {
                assertArrayEquals(ref.tensor("vision.window_index").toLongArray(),
                        trace.get("vision.window_index").toLongArray());
                assertArrayEquals(ref.tensor("vision.cu_window_seqlens").toLongArray(),
                        trace.get("vision.cu_window_seqlens").toLongArray());
                Approx.assertClose(folder + " merger (window order)",
                        ref.tensor("vision.merger_out_window_order").toFloatArray(),
                        trace.get("vision.merger_out_window_order").toFloatArray(), 1e-4, 1e-4);
            }
            for (String c : CASES) {
                checkCase(folder, model, ref, c, true);
            }
        }
    }

    static void checkCase(String folder, Qwen2VLForConditionalGeneration model, SafetensorsFile ref, String c,
                          boolean intermediates) {
        Qwen2VLConfig cfg = model.config();
        MultimodalBatch b = batch(ref, c, cfg);
        String what = folder + " " + c + " ";
        Tensor feats = model.imageFeatures(b.pixelValues(), b.imageGrids(), null);
        Tensor embeds = model.inputEmbeddings(b.inputIds(), feats);
        Qwen2VLForConditionalGeneration.Output out = model.forwardEmbeddings(b.inputIds(), b.attentionMask(),
                b.imageGrids(), embeds, null, true);
        int h = cfg.text().hiddenSize();
        long[][] mask = b.attentionMask();
        if (intermediates) {
            Approx.assertClose(what + "inputs_embeds", ref.tensor(c + ".text.inputs_embeds").toFloatArray(),
                    embeds.toFloatArray(), 1e-4, 1e-4);
            long[] pos = ref.tensor(c + ".text.position_ids").toLongArray();
            long[] mine = GoldenCases.flatten(out.positionIds());
            assertArrayEquals(pos, mine, what + "position_ids");
            long[] deltas = ref.tensor(c + ".text.rope_deltas").toLongArray();
            assertArrayEquals(deltas, out.ropeDeltas(), what + "rope_deltas");
            checkRotary(what, ref, c, out.positionIds(), cfg);
            float[] hs = ref.tensor(c + ".text.hidden_states").toFloatArray();
            float[] myHs = GoldenCases.concat(out.hiddenStates());
            Approx.assertClose(what + "hidden_states", GoldenCases.realRows(hs, mask, 3, h), GoldenCases.realRows(myHs, mask, 3, h), 1e-4, 1e-4);
        }
        Approx.assertClose(what + "last_hidden_state", GoldenCases.realRows(ref.tensor(c + ".last_hidden_state").toFloatArray(),
                mask, 1, h), GoldenCases.realRows(out.lastHiddenState().toFloatArray(), mask, 1, h), 1e-4, 1e-4);
        int l = b.length();
        Tensor last3 = out.lastHiddenState().narrow(1, l - 3, 3);
        Approx.assertClose(what + "logits_last3", ref.tensor(c + ".logits_last3").toFloatArray(),
                model.logits(last3).toFloatArray(), 1e-4, 1e-4);
        Tensor emb = Pooling.lastTokenL2(out.lastHiddenState(), b.lastTokenIndex());
        Approx.assertClose(what + "embedding_last_token_l2", ref.tensor(c + ".embedding_last_token_l2").toFloatArray(),
                emb.toFloatArray(), 1e-5, 0);
    }

    /** The golden stores the rotary tables per axis, before the section mix: check each axis's table. */
    static void checkRotary(String what, SafetensorsFile ref, String c, long[][][] positions, Qwen2VLConfig cfg) {
        float[] cos = ref.tensor(c + ".text.rotary_cos").toFloatArray();
        float[] sin = ref.tensor(c + ".text.rotary_sin").toFloatArray();
        int per = cos.length / 3;
        for (int axis = 0; axis < 3; axis++) {
            Tensor[] t = RotaryTables.oneD(positions[axis], cfg.text().headDim(), cfg.text().ropeTheta());
            Approx.assertClose(what + "rotary_cos axis " + axis, java.util.Arrays.copyOfRange(cos, axis * per,
                    (axis + 1) * per), t[0].toFloatArray(), 1e-5, 1e-5);
            Approx.assertClose(what + "rotary_sin axis " + axis, java.util.Arrays.copyOfRange(sin, axis * per,
                    (axis + 1) * per), t[1].toFloatArray(), 1e-5, 1e-5);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen2_vl", "qwen2_5_vl"})
    void bf16WeightsMatchTheBf16Reference(String folder) {
        Path dir = Fixtures.golden(folder);
        Qwen2VLConfig cfg = Qwen2VLConfig.read(dir.resolve("config.json"));
        Qwen2VLForConditionalGeneration model;
        try (Meta m = Meta.scope()) {
            model = new Qwen2VLForConditionalGeneration(cfg, new Rng(0));
        }
        model.setTrainable(false);
        model.eval();
        model.loadWeights(WeightSource.open(dir.resolve("model.bf16.safetensors")));
        assertEquals(org.urbangraph.kernels.DType.BF16,
                model.languageModel().embedTokens().weight().tensor().dtype(), "weights stay BF16");
        for (var e : model.namedParameters().entrySet()) {
            var buf = e.getValue().tensor().buffer();
            org.junit.jupiter.api.Assertions.assertTrue(buf instanceof org.urbangraph.kernels.HostBuffer hb
                    && hb.segment().isNative() && hb.segment().isMapped(), e.getKey()
                    + " is a view of the memory-mapped file, not a heap copy");
        }
        SafetensorsFile ref = SafetensorsFile.open(dir.resolve("reference.safetensors"));
        SafetensorsFile bf = SafetensorsFile.open(dir.resolve("reference_bf16_weights.safetensors"));
        try (NoGrad g = NoGrad.enter()) {
            Tensor vis = model.imageFeatures(ref.tensor("pixel_values"), GoldenCases.grids(ref.tensor("image_grid_thw")), null);
            Approx.assertClose(folder + " bf16 vision_embeds", bf.tensor("vision_embeds").toFloatArray(),
                    vis.toFloatArray(), 1e-4, 1e-4);
            for (String c : CASES) {
                MultimodalBatch b = batch(ref, c, cfg);
                Qwen2VLForConditionalGeneration.Output out = model.forward(b, false);
                int h = cfg.text().hiddenSize();
                Approx.assertClose(folder + " bf16 " + c + " last_hidden_state",
                        GoldenCases.realRows(bf.tensor(c + ".last_hidden_state").toFloatArray(), b.attentionMask(), 1, h),
                        GoldenCases.realRows(out.lastHiddenState().toFloatArray(), b.attentionMask(), 1, h), 1e-4, 1e-4);
                Approx.assertClose(folder + " bf16 " + c + " logits_last3", bf.tensor(c + ".logits_last3").toFloatArray(),
                        model.logits(out.lastHiddenState().narrow(1, b.length() - 3, 3)).toFloatArray(), 1e-4, 1e-4);
                Approx.assertClose(folder + " bf16 " + c + " embedding", bf.tensor(c + ".embedding_last_token_l2")
                        .toFloatArray(), Pooling.lastTokenL2(out.lastHiddenState(), b.lastTokenIndex()).toFloatArray(),
                        1e-5, 0);
            }
        }
    }
}
