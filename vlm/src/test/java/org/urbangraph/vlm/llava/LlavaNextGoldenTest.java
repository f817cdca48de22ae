package org.urbangraph.vlm.llava;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.urbangraph.kernels.DType;
import org.urbangraph.tensor.Meta;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.io.SafetensorsFile;
import org.urbangraph.tensor.io.WeightSource;
import org.urbangraph.tensor.nn.Rng;
import org.urbangraph.testkit.Approx;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.vlm.GoldenCases;
import org.urbangraph.vlm.MultimodalBatch;
import org.urbangraph.vlm.Pooling;
import org.urbangraph.vlm.image.AnyRes;
import org.urbangraph.vlm.image.Images;
import org.urbangraph.vlm.image.LlavaNextImageProcessor;
import org.urbangraph.vlm.image.RgbImage;
import org.urbangraph.vlm.text.RotaryTables;

/**
 * LLaVA-NeXT-Mistral against Hugging Face transformers 4.57.6 on the tiny random model: every case and every recorded
 * intermediate, with F32 weights and with BF16 weights (against the BF16-weight reference), and the image processor
 * feeding the model from the PNG files. Tolerances are the golden README's: 1e-4 for hidden states, logits and
 * vision outputs, 1e-5 for the embedding and the rotary tables, exact for integer tensors. Rows whose attention
 * mask is 0 are not compared.
 */
class LlavaNextGoldenTest {

    static final String[] CASES = {"single", "batch", "textonly"};
    static Path dir;
    static LlavaNextForConditionalGeneration model;
    static SafetensorsFile ref;

    @BeforeAll
    static void load() {
        dir = Fixtures.golden("llava_next_mistral");
        model = LlavaNextForConditionalGeneration.load(dir);
        ref = SafetensorsFile.open(dir.resolve("reference.safetensors"));
    }

    static MultimodalBatch batch(String c) {
        return GoldenCases.batch(ref, c + ".", "pixel_values", "image_sizes", model.config().imageTokenIndex());
    }

    static int[][] imageSizes() {
        long[] s = ref.tensor("image_sizes").toLongArray();
        return new int[][] {{(int) s[0], (int) s[1]}, {(int) s[2], (int) s[3]}};
    }

    @Test
    void visionIntermediatesMatch() {
        try (NoGrad g = NoGrad.enter()) {
            Map<String, Tensor> trace = new HashMap<>();
            model.imageFeatures(ref.tensor("pixel_values"), imageSizes(), trace);
            for (String name : List.of("vision.clip_hidden_states", "vision.projected", "vision_embeds")) {
                assertArrayEquals(ref.tensor(name).shape(), trace.get(name).shape(), name + " shape");
                Approx.assertClose(name, ref.tensor(name).toFloatArray(), trace.get(name).toFloatArray(), 1e-4, 1e-4);
            }
            assertArrayEquals(ref.tensor("vision.feature_lens").toLongArray(),
                    trace.get("vision.feature_lens").toLongArray(), "feature_lens");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"single", "batch", "textonly"})
    void f32WeightsMatchEveryCaseAndIntermediate(String c) {
        try (NoGrad g = NoGrad.enter()) {
            MultimodalBatch b = batch(c);
            String what = "llava " + c + " ";
            Tensor feats = model.imageFeatures(b.pixelValues(), b.imageGrids(), null);
            Tensor embeds = model.inputEmbeddings(b.inputIds(), feats);
            Approx.assertClose(what + "inputs_embeds", ref.tensor(c + ".text.inputs_embeds").toFloatArray(),
                    embeds.toFloatArray(), 1e-4, 1e-4);
            long[][] positions = org.urbangraph.vlm.text.CausalMask.arangePositions(b.batchSize(), b.length());
            LlavaNextForConditionalGeneration.Output out = model.forwardEmbeddings(embeds, positions,
                    b.attentionMask(), null, true);
            // the reference stores one row of positions [1, L], shared by every row of the batch
            assertArrayEquals(ref.tensor(c + ".text.position_ids").toLongArray(), out.positionIds()[0],
                    what + "position_ids");
            Tensor[] cs = RotaryTables.oneD(new long[][] {out.positionIds()[0]}, model.config().text().headDim(),
                    model.config().text().ropeTheta());
            Approx.assertClose(what + "rotary_cos", ref.tensor(c + ".text.rotary_cos").toFloatArray(),
                    cs[0].toFloatArray(), 1e-5, 1e-5);
            Approx.assertClose(what + "rotary_sin", ref.tensor(c + ".text.rotary_sin").toFloatArray(),
                    cs[1].toFloatArray(), 1e-5, 1e-5);
            int h = model.hiddenSize();
            long[][] mask = b.attentionMask();
            Approx.assertClose(what + "hidden_states",
                    GoldenCases.realRows(ref.tensor(c + ".text.hidden_states").toFloatArray(), mask, 3, h),
                    GoldenCases.realRows(GoldenCases.concat(out.hiddenStates()), mask, 3, h), 1e-4, 1e-4);
            Approx.assertClose(what + "last_hidden_state",
                    GoldenCases.realRows(ref.tensor(c + ".last_hidden_state").toFloatArray(), mask, 1, h),
                    GoldenCases.realRows(out.lastHiddenState().toFloatArray(), mask, 1, h), 1e-4, 1e-4);
            Approx.assertClose(what + "logits_last3", ref.tensor(c + ".logits_last3").toFloatArray(),
                    model.logits(out.lastHiddenState().narrow(1, b.length() - 3, 3)).toFloatArray(), 1e-4, 1e-4);
            Approx.assertClose(what + "embedding_last_token_l2",
                    ref.tensor(c + ".embedding_last_token_l2").toFloatArray(),
                    Pooling.lastTokenL2(out.lastHiddenState(), b.lastTokenIndex()).toFloatArray(), 1e-5, 0);
            // the interface UGE uses gives the same embedding
            Approx.assertClose(what + "embed()", ref.tensor(c + ".embedding_last_token_l2").toFloatArray(),
                    model.embed(b, null).toFloatArray(), 1e-5, 0);
        }
    }

    @Test
    void bf16WeightsMatchTheBf16Reference() {
        LlavaNextConfig cfg = LlavaNextConfig.read(dir.resolve("config.json"));
        LlavaNextForConditionalGeneration bfModel;
        try (Meta m = Meta.scope()) {
            bfModel = new LlavaNextForConditionalGeneration(cfg, new Rng(0));
        }
        bfModel.setTrainable(false);
        bfModel.eval();
        bfModel.loadWeights(WeightSource.open(dir.resolve("model.bf16.safetensors")));
        assertEquals(DType.BF16, bfModel.tokenEmbeddings().weight().tensor().dtype(), "weights stay BF16");
        SafetensorsFile bf = SafetensorsFile.open(dir.resolve("reference_bf16_weights.safetensors"));
        try (NoGrad g = NoGrad.enter()) {
            Approx.assertClose("bf16 vision_embeds", bf.tensor("vision_embeds").toFloatArray(),
                    bfModel.imageFeatures(ref.tensor("pixel_values"), imageSizes(), null).toFloatArray(), 1e-4, 1e-4);
            for (String c : CASES) {
                MultimodalBatch b = batch(c);
                LlavaNextForConditionalGeneration.Output out = bfModel.forward(b, false);
                int h = cfg.text().hiddenSize();
                Approx.assertClose("bf16 " + c + " last_hidden_state",
                        GoldenCases.realRows(bf.tensor(c + ".last_hidden_state").toFloatArray(), b.attentionMask(), 1, h),
                        GoldenCases.realRows(out.lastHiddenState().toFloatArray(), b.attentionMask(), 1, h), 1e-4, 1e-4);
                Approx.assertClose("bf16 " + c + " logits_last3", bf.tensor(c + ".logits_last3").toFloatArray(),
                        bfModel.logits(out.lastHiddenState().narrow(1, b.length() - 3, 3)).toFloatArray(), 1e-4, 1e-4);
                Approx.assertClose("bf16 " + c + " embedding", bf.tensor(c + ".embedding_last_token_l2").toFloatArray(),
                        Pooling.lastTokenL2(out.lastHiddenState(), b.lastTokenIndex()).toFloatArray(), 1e-5, 0);
            }
        }
    }

    /** PNG -> LlavaNextImageProcessor -> model: the pixels, the token counts and the packed features. */
    @Test
    void processorFeedsTheModelFromThePngs() {
        RgbImage a = Images.read(dir.resolve("image_a_gradient_100x80.png"));
        RgbImage b = Images.read(dir.resolve("image_b_checker_300x200.png"));
        var proc = new LlavaNextImageProcessor(LlavaNextImageProcessor.Config.read(
                dir.resolve("preprocessor_config.json")));
        LlavaNextImageProcessor.Output out = proc.preprocess(List.of(a, b));
        Approx.assertClose("pixel_values", ref.tensor("pixel_values").toFloatArray(), out.pixelValues(), 1e-6, 0);
        assertArrayEquals(imageSizes(), out.imageSizes());
        long[] lens = ref.tensor("vision.feature_lens").toLongArray();
        LlavaNextConfig cfg = model.config();
        int s = cfg.vision().imageSize();
        for (int i = 0; i < 2; i++) {
            int[] hw = out.imageSizes()[i];
            assertEquals(lens[i], AnyRes.imageTokens(hw[0], hw[1], cfg.imageGridPinpoints(), s, s,
                    cfg.vision().patchSize(), false), "image tokens of image " + i);
            assertEquals(out.tiles()[i], cfg.tiles(hw[0], hw[1]), "tiles of image " + i);
        }
        try (NoGrad g = NoGrad.enter()) {
            Tensor feats = model.imageFeatures(out.pixelValuesTensor(), out.imageSizes(), null);
            Approx.assertClose("vision_embeds from the PNGs", ref.tensor("vision_embeds").toFloatArray(),
                    feats.toFloatArray(), 1e-4, 1e-4);
        }
        // the golden prompt is the text ids with one <image> per image, expanded by the feature counts
        long[] ids = ref.tensor("single.input_ids").toLongArray();
        long[] collapsed = java.util.stream.LongStream.range(0, ids.length)
                .filter(i -> ids[(int) i] != 500 || ids[(int) i - 1] != 500).map(i -> ids[(int) i]).toArray();
        assertArrayEquals(ids, LlavaNextProcessor.expandImageTokens(collapsed, 500,
                new int[] {(int) lens[0], (int) lens[1]}));
    }
}
