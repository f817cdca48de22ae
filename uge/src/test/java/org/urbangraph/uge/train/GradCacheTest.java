package org.urbangraph.uge.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.urbangraph.lora.Lora;
import org.urbangraph.lora.LoraConfig;
import org.urbangraph.tensor.Layout;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.io.SafetensorsFile;
import org.urbangraph.tensor.nn.Parameter;
import org.urbangraph.tensor.nn.Rng;
import org.urbangraph.testkit.Approx;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.vlm.GoldenCases;
import org.urbangraph.vlm.MultimodalBatch;
import org.urbangraph.vlm.qwen2vl.Qwen2VLForConditionalGeneration;

/** GradCache gives the gradients of one big batch, and replays dropout exactly in its second pass. */
class GradCacheTest {

    /** One row of the golden LoRA training batch, with its image rows if it has an image. */
    record Row(long[] ids, long[] mask, Tensor pixels, int[] grid) {}

    static List<Row> rows(SafetensorsFile ref, int imageToken) {
        long[][] ids = GoldenCases.rows(ref.tensor("train.input_ids"));
        long[][] mask = GoldenCases.rows(ref.tensor("train.attention_mask"));
        int[][] grids = GoldenCases.grids(ref.tensor("train.image_grid_thw"));
        Tensor pixels = ref.tensor("train.pixel_values");
        List<Row> out = new ArrayList<>();
        int image = 0;
        int at = 0;
        for (int r = 0; r < ids.length; r++) {
            boolean has = false;
            for (long id : ids[r]) {
                has |= id == imageToken;
            }
            if (has) {
                int n = grids[image][0] * grids[image][1] * grids[image][2];
                out.add(new Row(ids[r], mask[r], pixels.narrow(0, at, n), grids[image]));
                at += n;
                image++;
            } else {
                out.add(new Row(ids[r], mask[r], null, null));
            }
        }
        return out;
    }

    static Tensor encode(Qwen2VLForConditionalGeneration model, List<Row> chunk) {
        long[][] ids = new long[chunk.size()][];
        long[][] mask = new long[chunk.size()][];
        List<Tensor> pix = new ArrayList<>();
        List<int[]> grids = new ArrayList<>();
        for (int i = 0; i < chunk.size(); i++) {
            ids[i] = chunk.get(i).ids();
            mask[i] = chunk.get(i).mask();
            if (chunk.get(i).pixels() != null) {
                pix.add(chunk.get(i).pixels());
                grids.add(chunk.get(i).grid());
            }
        }
        MultimodalBatch b = pix.isEmpty() ? MultimodalBatch.textOnly(ids, mask)
                : new MultimodalBatch(ids, mask, pix.size() == 1 ? pix.get(0) : Layout.cat(pix, 0),
                grids.toArray(new int[0][]));
        return model.embed(b, null);
    }

    static Map<String, float[]> grads(Lora lora) {
        Map<String, float[]> g = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : lora.parameters().entrySet()) {
            g.put(e.getKey(), e.getValue().tensor().grad().toFloatArray());
            e.getValue().tensor().zeroGrad();
        }
        return g;
    }

    static void assertSame(Map<String, float[]> expected, Map<String, float[]> actual) {
        for (String k : expected.keySet()) {
            Approx.assertCloseToScale(k, expected.get(k), actual.get(k), 1e-4, 1e-5);
        }
    }

    private Object[] setUp(double dropout) {
        Qwen2VLForConditionalGeneration model = Qwen2VLForConditionalGeneration.load(Fixtures.golden("qwen2_vl"));
        Rng rng = new Rng(11);
        Lora lora = Lora.apply(model, new LoraConfig(4, 8, dropout, List.of("q_proj", "v_proj"), null, false, null, null),
                rng);
        try (NoGrad g = NoGrad.enter()) {
            for (var l : lora.layers().values()) {
                l.loraB().weight().tensor().copyFrom(Tensor.randn(3, l.outFeatures(), 4).mul(0.2));
            }
        }
        model.train(true);
        SafetensorsFile ref = SafetensorsFile.open(Fixtures.golden("lora_qwen2_vl", "reference.safetensors"));
        List<Row> all = rows(ref, model.config().imageTokenId());
        List<Row> queries = List.of(all.get(0), all.get(2), all.get(4));
        List<Row> positives = List.of(all.get(1), all.get(3), all.get(5));
        return new Object[] {model, lora, rng, queries, positives};
    }

    @Test
    @SuppressWarnings("unchecked")
    void chunkedGradientsEqualOneBigBatch() {
        Object[] s = setUp(0.0);
        var model = (Qwen2VLForConditionalGeneration) s[0];
        Lora lora = (Lora) s[1];
        List<Row> q = (List<Row>) s[3];
        List<Row> c = (List<Row>) s[4];
        Tensor loss = InfoNce.loss(encode(model, q), encode(model, c), InfoNce.diagonal(3), 0.02);
        loss.backward();
        Map<String, float[]> full = grads(lora);
        GradCache<Row> cache = new GradCache<>(chunk -> encode(model, chunk), 1, List.of((Rng) s[2]));
        double cachedLoss = cache.step(q, c, (a, b) -> InfoNce.loss(a, b, InfoNce.diagonal(3), 0.02));
        org.junit.jupiter.api.Assertions.assertEquals(loss.item(), cachedLoss, 1e-5);
        assertSame(full, grads(lora));
    }

    @Test
    @SuppressWarnings("unchecked")
    void dropoutIsReplayedInTheSecondPass() {
        Object[] s = setUp(0.3);
        var model = (Qwen2VLForConditionalGeneration) s[0];
        Lora lora = (Lora) s[1];
        Rng rng = (Rng) s[2];
        List<Row> q = (List<Row>) s[3];
        List<Row> c = (List<Row>) s[4];
        long start = rng.counter();
        // reference: the same chunking, recorded in one go
        List<Tensor> parts = new ArrayList<>();
        for (int i = 0; i < 3; i += 2) {
            parts.add(encode(model, q.subList(i, Math.min(3, i + 2))));
        }
        Tensor qe = Layout.cat(parts, 0);
        parts.clear();
        for (int i = 0; i < 3; i += 2) {
            parts.add(encode(model, c.subList(i, Math.min(3, i + 2))));
        }
        Tensor ce = Layout.cat(parts, 0);
        InfoNce.loss(qe, ce, InfoNce.diagonal(3), 0.02).backward();
        Map<String, float[]> expected = grads(lora);
        long end = rng.counter();
        rng.setCounter(start);
        GradCache<Row> cache = new GradCache<>(chunk -> encode(model, chunk), 2, List.of(rng));
        cache.step(q, c, (a, b) -> InfoNce.loss(a, b, InfoNce.diagonal(3), 0.02));
        assertSame(expected, grads(lora));
        org.junit.jupiter.api.Assertions.assertEquals(end, rng.counter(), "the stream ends where one pass ends");
    }

    /** A loss that is not finite comes back after the first pass alone: nothing is backpropagated or encoded again. */
    @Test
    void aNonFiniteLossReturnsBeforeAnyBackwardPass() {
        Tensor w = Tensor.randn(3, 1, 4).requiresGrad(true);
        int[] encodes = {0};
        GradCache<Tensor> gc = new GradCache<>(rows -> {
            encodes[0]++;
            return Layout.cat(rows, 0).mul(w);
        }, 1, List.of());
        List<Tensor> queries = List.of(Tensor.randn(4, 1, 4), Tensor.randn(5, 1, 4));
        List<Tensor> candidates = List.of(Tensor.randn(6, 1, 4), Tensor.randn(7, 1, 4));
        double loss = gc.step(queries, candidates, (q, c) -> q.matmul(c.mT()).sum().mul(Double.NaN));
        org.junit.jupiter.api.Assertions.assertTrue(Double.isNaN(loss));
        org.junit.jupiter.api.Assertions.assertEquals(4, encodes[0], "the first pass only: four chunks of one");
        org.junit.jupiter.api.Assertions.assertNull(w.grad(), "no gradient written");

        double finite = gc.step(queries, candidates, (q, c) -> q.matmul(c.mT()).sum());
        org.junit.jupiter.api.Assertions.assertTrue(Double.isFinite(finite));
        org.junit.jupiter.api.Assertions.assertEquals(12, encodes[0], "both passes for a finite loss");
        org.junit.jupiter.api.Assertions.assertTrue(Approx.maxAbsDiff(w.grad().toFloatArray(), new float[4]) > 0);
    }
}
