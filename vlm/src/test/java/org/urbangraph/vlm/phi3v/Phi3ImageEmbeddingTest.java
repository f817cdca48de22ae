package org.urbangraph.vlm.phi3v;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.kernels.ref.RefMath;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.testkit.Approx;
import org.urbangraph.vlm.clip.ClipReference;
import org.urbangraph.vlm.image.Phi3VImageProcessor;

/**
 * Phi-3-V's image embedding against the mathematics of image_embedding_phi3_v.py: the HD layout's ordering on
 * features that name their own crop, patch and channel (exact), and the whole path (CLIP hidden_states[-2] without
 * CLS, 2x2 merge, sub-crop map with sub_GN per row, glb_GN, global map, Linear -> exact GELU -> Linear) against a
 * plain double-precision implementation.
 */
class Phi3ImageEmbeddingTest {

    @TempDir
    Path tmp;

    Phi3VForCausalLM model;
    Phi3ImageEmbedding emb;
    Map<String, Tensor> w;

    static final int S = 56;
    static final int G = 4;
    static final int C = 16;
    static final int HALF = 2;

    @BeforeEach
    void build() {
        model = Phi3VTiny.random(tmp, 3);
        emb = model.visionEmbedTokens();
        w = model.stateDict();
    }

    /**
     * The expected HD layout [tokens][4C] of one image, written from the reference's reshape / permute chain as
     * explicit indices: {@code feature.apply(k)} is crop k's [G*G][C] features (k = 0 the global crop).
     */
    static double[][] expectedLayout(IntFunction<double[][]> feature, int hc, int wc, double[] subGn, double[] glbGn) {
        int rows = hc * HALF * (wc * HALF + 1) + 1 + HALF * (HALF + 1);
        double[][] out = new double[rows][];
        int at = 0;
        at = map(out, at, feature, 1, hc, wc, subGn);
        out[at++] = glbGn;
        at = map(out, at, feature, 0, 1, 1, subGn);
        assertEquals(rows, at);
        return out;
    }

    static int map(double[][] out, int at, IntFunction<double[][]> feature, int first, int hc, int wc, double[] subGn) {
        for (int r = 0; r < hc * HALF; r++) {
            for (int q = 0; q <= wc * HALF; q++) {
                if (q == wc * HALF) {
                    out[at++] = subGn;
                    continue;
                }
                double[][] f = feature.apply(first + (r / HALF) * wc + q / HALF);
                int a = r % HALF;
                int b = q % HALF;
                double[] cell = new double[4 * C];
                int[][] order = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
                for (int j = 0; j < 4; j++) {
                    int p = (2 * a + order[j][0]) * G + 2 * b + order[j][1];
                    System.arraycopy(f[p], 0, cell, j * C, C);
                }
                out[at++] = cell;
            }
        }
        return at;
    }

    double[] param(String name) {
        float[] f = w.get(name).toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    static float[] flatten(double[][] rows) {
        float[] out = new float[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < rows[i].length; j++) {
                out[i * rows[i].length + j] = (float) rows[i][j];
            }
        }
        return out;
    }

    @Test
    void hdLayoutOrdersCropsPatchesAndSeparatorsAsTheReference() {
        int hc = 2;
        int wc = 3;
        int crops = 1 + hc * wc;
        float[] f = new float[crops * G * G * C];
        for (int k = 0; k < crops; k++) {
            for (int p = 0; p < G * G; p++) {
                for (int c = 0; c < C; c++) {
                    f[(k * G * G + p) * C + c] = k * 10000 + p * 100 + c;
                }
            }
        }
        Tensor layout;
        try (NoGrad g = NoGrad.enter()) {
            layout = emb.hdLayout(Tensor.of(f, crops, G * G, C), new int[] {hc * S, wc * S});
        }
        double[][] expected = expectedLayout(k -> {
            double[][] out = new double[G * G][C];
            for (int p = 0; p < G * G; p++) {
                for (int c = 0; c < C; c++) {
                    out[p][c] = k * 10000 + p * 100 + c;
                }
            }
            return out;
        }, hc, wc, param("model.vision_embed_tokens.sub_GN"), param("model.vision_embed_tokens.glb_GN"));
        assertEquals(emb.tokens(new int[] {hc * S, wc * S}), layout.size(0));
        assertEquals(Phi3VImageProcessor.imageTokens(hc * S, wc * S, S, HALF), layout.size(0));
        assertArrayEquals(flatten(expected), layout.toFloatArray());
    }

    static float[] randomPixels(int images, int slots, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] px = new float[images * slots * 3 * S * S];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) (r.nextDouble() * 4 - 2);
        }
        return px;
    }

    @Test
    void imageEmbeddingMatchesThePlainReference() {
        int slots = 5;
        int[][] sizes = {{2 * S, S}, {S, 2 * S}};
        float[] px = randomPixels(2, slots, 9);
        Map<String, Tensor> trace = new HashMap<>();
        Tensor out;
        try (NoGrad g = NoGrad.enter()) {
            out = model.imageFeatures(Tensor.of(px, 2, slots, 3, S, S), sizes, trace);
        }
        ClipReference clip = new ClipReference(w, "model.vision_embed_tokens.img_processor.vision_model.",
                model.config().vision());
        double[] w0 = param("model.vision_embed_tokens.img_projection.0.weight");
        double[] b0 = param("model.vision_embed_tokens.img_projection.0.bias");
        double[] w2 = param("model.vision_embed_tokens.img_projection.2.weight");
        double[] b2 = param("model.vision_embed_tokens.img_projection.2.bias");
        int hidden = model.hiddenSize();
        java.util.List<double[]> rows = new java.util.ArrayList<>();
        java.util.List<double[]> cropFeatures = new java.util.ArrayList<>();
        for (int i = 0; i < 2; i++) {
            double[][][] perCrop = new double[3][][];
            for (int k = 0; k < 3; k++) {
                // hidden_states[-2] of a 2-layer tower is state 1; CLS dropped
                double[][] hs = clip.hiddenState(px, (i * slots + k) * 3 * S * S, 1);
                perCrop[k] = java.util.Arrays.copyOfRange(hs, 1, hs.length);
                for (double[] row : perCrop[k]) {
                    cropFeatures.add(row);
                }
            }
            IntFunction<double[][]> feature = k -> perCrop[k];
            double[][] layout = expectedLayout(feature, sizes[i][0] / S, sizes[i][1] / S,
                    param("model.vision_embed_tokens.sub_GN"), param("model.vision_embed_tokens.glb_GN"));
            for (double[] x : layout) {
                double[] h = new double[hidden];
                for (int o = 0; o < hidden; o++) {
                    double s = b0[o];
                    for (int j = 0; j < x.length; j++) {
                        s += w0[o * x.length + j] * x[j];
                    }
                    h[o] = 0.5 * s * (1 + RefMath.erf(s / Math.sqrt(2)));
                }
                double[] y = new double[hidden];
                for (int o = 0; o < hidden; o++) {
                    double s = b2[o];
                    for (int j = 0; j < hidden; j++) {
                        s += w2[o * hidden + j] * h[j];
                    }
                    y[o] = s;
                }
                rows.add(y);
            }
        }
        Approx.assertClose("CLIP features of the real crops", flatten(cropFeatures.toArray(new double[0][])),
                trace.get("vision.crop_features").toFloatArray(), 1e-4, 1e-4);
        assertEquals(rows.size(), out.size(0));
        Approx.assertClose("projected image features", flatten(rows.toArray(new double[0][])), out.toFloatArray(),
                1e-4, 1e-4);
    }

    @Test
    void padCropsDoNotMatterAndCountsAreChecked() {
        int slots = 5;
        int[][] sizes = {{2 * S, S}};
        float[] px = randomPixels(1, slots, 4);
        float[] other = px.clone();
        float[] noise = randomPixels(1, slots, 5);
        int real = 3 * 3 * S * S;
        System.arraycopy(noise, real, other, real, other.length - real);
        try (NoGrad g = NoGrad.enter()) {
            Tensor a = model.imageFeatures(Tensor.of(px, 1, slots, 3, S, S), sizes, null);
            Tensor b = model.imageFeatures(Tensor.of(other, 1, slots, 3, S, S), sizes, null);
            // pads hold values of order 1, which would move the features by as much if they were used; 1e-6 allows
            // for the last-bit differences a Vector API reduction may show between a cold and a compiled kernel
            Approx.assertClose("pad crops are ignored", a.toFloatArray(), b.toFloatArray(), 1e-6, 0);
            long[][] ids = new long[1][a.size(0) + 2];
            java.util.Arrays.fill(ids[0], -1);
            ids[0][0] = 1;
            ids[0][ids[0].length - 1] = 5;
            Tensor embeds = model.inputEmbeddings(ids, a);
            Approx.assertClose("features spliced at the placeholders", a.toFloatArray(),
                    embeds.narrow(1, 1, a.size(0)).reshape(a.size(0), a.size(1)).toFloatArray(), 0, 0);
            long[][] wrong = {java.util.Arrays.copyOf(ids[0], ids[0].length - 3)};
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.inputEmbeddings(wrong, a));
            assertTrue(e.getMessage().contains("placeholder") && e.getMessage().contains(String.valueOf(a.size(0))),
                    e.getMessage());
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                    () -> model.imageFeatures(Tensor.of(px, 1, slots, 3, S, S), new int[][] {{100, 56}}, null));
            assertTrue(bad.getMessage().contains("multiples of 56"), bad.getMessage());
        }
    }
}
