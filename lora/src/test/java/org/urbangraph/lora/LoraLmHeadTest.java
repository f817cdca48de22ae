package org.urbangraph.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.tensor.nn.Rng;
import org.urbangraph.testkit.Approx;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.vlm.VisionLanguageModel;
import org.urbangraph.vlm.llava.LlavaNextForConditionalGeneration;
import org.urbangraph.vlm.phi3v.Phi3VTiny;
import org.urbangraph.vlm.qwen2vl.Qwen2VLForConditionalGeneration;

/**
 * A LoRA on {@code lm_head} acts on the logits of every family with an untied head: the adapter replaces the child
 * module, so {@code logits} must reach the head through the module tree, not through a reference kept at
 * construction. Qwen2-VL's golden model ties its head to the embedding table (no {@code lm_head}), so the Qwen family
 * is checked on the Qwen2.5-VL golden model, which has one and runs through the same class.
 */
class LoraLmHeadTest {

    @TempDir
    Path tmp;

    static void adapterOnLmHeadActsOnTheLogits(Module model) {
        model.eval();
        VisionLanguageModel vlm = (VisionLanguageModel) model;
        Tensor h = Tensor.randn(21, 2, 3, vlm.hiddenSize());
        float[] base;
        try (NoGrad g = NoGrad.enter()) {
            base = vlm.logits(h).toFloatArray();
        }
        Lora lora = Lora.apply(model, new LoraConfig(4, 8, 0.0, List.of("lm_head"), null, false, "test", null),
                new Rng(3));
        assertEquals(List.of("lm_head"), List.copyOf(lora.layers().keySet()));
        LoraTargetsTest.randomiseB(lora, 17);
        LoraLinear head = lora.layers().get("lm_head");
        try (NoGrad g = NoGrad.enter()) {
            float[] got = vlm.logits(h).toFloatArray();
            Tensor update = h.matmul(head.loraA().weight().tensor().mT()).matmul(head.loraB().weight().tensor().mT())
                    .mul(head.scaling());
            float[] delta = update.toFloatArray();
            float[] want = new float[base.length];
            for (int i = 0; i < want.length; i++) {
                want[i] = base[i] + delta[i];
            }
            assertTrue(Approx.maxAbsDiff(base, got) > 1e-3, model.getClass().getSimpleName()
                    + ": the adapter on lm_head changes the logits");
            Approx.assertClose(model.getClass().getSimpleName() + " logits with LoRA on lm_head", want, got, 1e-5, 1e-5);
            // merged, the head's own weight carries the update
            lora.merge();
            Approx.assertClose("merged", want, vlm.logits(h).toFloatArray(), 1e-4, 1e-4);
            lora.unmerge();
        }
    }

    @Test
    void qwen25VlLogitsGoThroughTheAdaptedHead() {
        Qwen2VLForConditionalGeneration m = Qwen2VLForConditionalGeneration.load(Fixtures.golden("qwen2_5_vl"));
        assertFalse(m.config().text().tieWordEmbeddings());
        adapterOnLmHeadActsOnTheLogits(m);
    }

    @Test
    void llavaNextLogitsGoThroughTheAdaptedHead() {
        LlavaNextForConditionalGeneration m = LlavaNextForConditionalGeneration.load(Fixtures.golden("llava_next_mistral"));
        assertFalse(m.config().text().tieWordEmbeddings());
        adapterOnLmHeadActsOnTheLogits(m);
    }

    @Test
    void phi3VisionLogitsGoThroughTheAdaptedHead() {
        adapterOnLmHeadActsOnTheLogits(Phi3VTiny.random(tmp, 8));
    }
}
