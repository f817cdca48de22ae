package org.urbangraph.uge.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.testkit.Approx;
import org.urbangraph.uge.TinyWorld;
import org.urbangraph.uge.embed.EmbedInput;
import org.urbangraph.uge.embed.UgeEmbedder;
import org.urbangraph.ugdata.dataset.UgDataset;
import org.urbangraph.ugdata.dataset.UgeSample;

/**
 * Each sample gets its own graph, in evaluation as in training: changing one sample's graph changes only that
 * sample's embedding, and an embedding with a graph differs from one without.
 */
class GraphInjectionTest {

    static UgeModel model;
    static List<UgeSample> rows;

    @BeforeAll
    static void stageTwoModel(@TempDir Path dir) throws Exception {
        UgeModels.stage1(TinyWorld.backbone(), false, 1, 24).save(dir.resolve("s1"));
        model = UgeModels.stage2(dir.resolve("s1"), null, 3);
        model.train(false);
        rows = UgDataset.open(TinyWorld.monaco()).stage2();
        assertTrue(rows.size() >= 2);
    }

    static UgeInput input(UgeSample s, Path graph) {
        return new UgeInput(s.query(), s.images(), List.of(graph));
    }

    @Test
    void changingOneSamplesGraphChangesOnlyThatSample() {
        UgeSample a = rows.get(0);
        UgeSample b = rows.stream().filter(r -> !r.graphs().get(0).equals(a.graphs().get(0))).findFirst().orElseThrow();
        try (NoGrad g = NoGrad.enter()) {
            float[] before = model.embed(List.of(input(a, a.graphs().get(0)), input(b, b.graphs().get(0)))).toFloatArray();
            float[] after = model.embed(List.of(input(a, a.graphs().get(0)), input(b, a.graphs().get(0)))).toFloatArray();
            int h = model.model().hiddenSize();
            Approx.assertClose("sample 0 keeps its embedding", java.util.Arrays.copyOfRange(before, 0, h),
                    java.util.Arrays.copyOfRange(after, 0, h), 1e-6, 0);
            double diff = Approx.maxAbsDiff(java.util.Arrays.copyOfRange(before, h, 2 * h),
                    java.util.Arrays.copyOfRange(after, h, 2 * h));
            assertTrue(diff > 1e-4, "sample 1's embedding moved with its graph (max change " + diff + ")");
        }
    }

    @Test
    void anEmbeddingWithAGraphDiffersFromOneWithout() {
        UgeSample a = rows.get(0);
        UgeEmbedder e = new UgeEmbedder(model, "test", 8);
        EmbedInput with = EmbedInput.imageWithGraph(a.images().get(0), a.graphs().get(0), "Where was this taken?");
        EmbedInput without = EmbedInput.image(a.images().get(0), "Where was this taken?");
        float[][] v = e.embed(List.of(with, without, with));
        assertEquals(model.model().hiddenSize(), v[0].length);
        assertNotEquals(java.util.Arrays.toString(v[0]), java.util.Arrays.toString(v[1]));
        assertTrue(Approx.maxAbsDiff(v[0], v[1]) > 1e-4, "the graph changes the embedding");
        Approx.assertClose("the same input twice in a batch", v[0], v[2], 1e-6, 0);
        assertTrue(e.toUgeInput(with).content().startsWith("<graph><image>"), e.toUgeInput(with).content());
    }
}
