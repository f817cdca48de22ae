package org.urbangraph.vlm.phi3v;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.testkit.Approx;
import org.urbangraph.vlm.GoldenCases;
import org.urbangraph.vlm.MultimodalBatch;

/**
 * The Phi-3 decoder against a plain double-precision implementation of the reference code's mathematics, written
 * here from modeling_phi3_v.py: the fused qkv_proj split (q, k, v rows), grouped-query attention (kv head j serves
 * q heads j*g..j*g+g-1), rotary on half-split dimensions with inv_freq_i = 1 / (ext_i * theta^(2i/d)), the su /
 * longrope / yarn magnitude on cos and sin, the factor switch when a sequence is longer than
 * original_max_position_embeddings, the fused gate_up_proj (gate first) with SiLU, RMSNorm. Left padding is masked
 * (3 pads in row 1); padded query rows are not compared.
 *
 * <p>The reference code switches factors for the whole batch, on its largest position (max(position_ids) + 1, the
 * padded length); the decoder switches per row, on the row's real tokens, so that a row embeds as it does alone. The
 * two agree when every row is on one side of the 16-token limit, and only such cases are compared with the reference
 * ({@link #decoderMatchesThePlainReference}); rows on either side of it check the per-row rule on its own
 * ({@link #eachRowTakesTheFactorsOfItsOwnLength}).
 */
class Phi3DecoderReferenceTest {

    @TempDir
    Path tmp;

    static final double[] SHORT = {1.0, 1.5, 2.0, 3.0};
    static final double[] LONG = {2.0, 3.0, 5.0, 8.0};

    /** original_max_position_embeddings of the tiny config, and the pads at the start of row 1. */
    static final int LIMIT = 16;
    static final int PADS = 3;

    /**
     * The reference code's whole-batch switch, on the padded length, in cases where each row's own length is on the
     * same side of the limit as the padded length (so the decoder's per-row switch picks the same factors).
     */
    @ParameterizedTest(name = "{0}, length {1}")
    @CsvSource({"su,10", "su,20", "longrope,20", "yarn,12", "yarn,20", "none,20", "longrope_factor,12"})
    void decoderMatchesThePlainReference(String scaling, int length) {
        assertEquals(length > LIMIT, length - PADS > LIMIT, "every row is on one side of the limit");
        assertMatches(scaling, length, new int[] {length, length});
    }

    /**
     * The decoder's own rule, which the reference code does not have: with lengths 18 (row 0) and 15 (row 1, after
     * its pads), or 17 and 14, row 0 takes the long factors and row 1 the short ones, as each would alone; the
     * reference's whole-batch switch would give both rows the long factors.
     */
    @ParameterizedTest(name = "{0}, length {1}")
    @CsvSource({"su,18", "yarn,17"})
    void eachRowTakesTheFactorsOfItsOwnLength(String scaling, int length) {
        assertTrue(length > LIMIT && length - PADS <= LIMIT, "the rows are on either side of the limit");
        assertMatches(scaling, length, new int[] {length, length - PADS});
    }

    /** The decoder against the plain implementation, row r's rotary factors chosen by {@code switchLength[r]}. */
    void assertMatches(String scaling, int length, int[] switchLength) {
        String json = Phi3VTiny.CONFIG;
        double magnitude;
        double[][] ext = new double[2][];
        switch (scaling) {
            case "su" -> magnitude = Math.sqrt(1 + Math.log(64.0 / 16) / Math.log(16));
            case "longrope" -> {
                json = json.replace("\"type\": \"su\"", "\"type\": \"longrope\"");
                magnitude = Math.sqrt(1 + Math.log(64.0 / 16) / Math.log(16));
            }
            case "longrope_factor" -> {
                json = json.replace("\"type\": \"su\"", "\"rope_type\": \"longrope\", \"attention_factor\": 1.25");
                magnitude = 1.25;
            }
            case "yarn" -> {
                json = json.replace("\"type\": \"su\"", "\"type\": \"yarn\"");
                magnitude = 0.1 * Math.log(64.0 / 16) + 1;
            }
            default -> {
                json = json.replaceAll("\"rope_scaling\": \\{[^}]*\\},", "");
                magnitude = 1.0;
            }
        }
        for (int r = 0; r < 2; r++) {
            ext[r] = scaling.equals("none") ? new double[] {1, 1, 1, 1} : switchLength[r] > LIMIT ? LONG : SHORT;
        }
        Phi3VForCausalLM model = Phi3VTiny.random(tmp, json, 11);
        assertEquals(scaling.equals("none"), model.config().text().ropeScaling() == null);
        SplittableRandom rnd = new SplittableRandom(5);
        long[][] ids = new long[2][length];
        long[][] mask = new long[2][length];
        for (int r = 0; r < 2; r++) {
            for (int i = 0; i < length; i++) {
                ids[r][i] = rnd.nextInt(64);
                mask[r][i] = r == 1 && i < PADS ? 0 : 1;
            }
        }
        MultimodalBatch b = MultimodalBatch.textOnly(ids, mask);
        float[] hidden;
        float[] logits;
        try (NoGrad g = NoGrad.enter()) {
            Tensor h = model.forward(b, false).lastHiddenState();
            hidden = h.toFloatArray();
            logits = model.logits(h).toFloatArray();
        }
        Reference ref = new Reference(model.stateDict(), 32, 48, 4, 2, 8, 2, 1e-5, 10000.0, ext, magnitude);
        double[][][] expected = ref.forward(ids, mask);
        double[] flatE = new double[2 * length * 32];
        double[] flatL = new double[2 * length * 64];
        for (int r = 0; r < 2; r++) {
            for (int i = 0; i < length; i++) {
                System.arraycopy(expected[r][i], 0, flatE, (r * length + i) * 32, 32);
                double[] lg = ref.logits(expected[r][i]);
                System.arraycopy(lg, 0, flatL, (r * length + i) * 64, 64);
            }
        }
        float[] e32 = toFloat(flatE);
        Approx.assertClose(scaling + " last_hidden_state", GoldenCases.realRows(e32, mask, 1, 32),
                GoldenCases.realRows(hidden, mask, 1, 32), 1e-4, 1e-4);
        Approx.assertClose(scaling + " logits", GoldenCases.realRows(toFloat(flatL), mask, 1, 64),
                GoldenCases.realRows(logits, mask, 1, 64), 1e-4, 1e-4);
    }

    static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    /** The Phi-3 decoder in double precision, from the checkpoint tensors. */
    static final class Reference {
        final Map<String, Tensor> w;
        final int hidden;
        final int inter;
        final int heads;
        final int kv;
        final int d;
        final int layers;
        final double eps;
        final double theta;
        final double[][] ext;
        final double magnitude;

        Reference(Map<String, Tensor> w, int hidden, int inter, int heads, int kv, int d, int layers, double eps,
                  double theta, double[][] ext, double magnitude) {
            this.w = w;
            this.hidden = hidden;
            this.inter = inter;
            this.heads = heads;
            this.kv = kv;
            this.d = d;
            this.layers = layers;
            this.eps = eps;
            this.theta = theta;
            this.ext = ext;
            this.magnitude = magnitude;
        }

        double[] p(String name) {
            Tensor t = w.get(name);
            assertNotNull(t, name);
            float[] f = t.toFloatArray();
            double[] out = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                out[i] = f[i];
            }
            return out;
        }

        static double[] matvec(double[] wt, double[] x, int out) {
            int in = x.length;
            double[] y = new double[out];
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int i = 0; i < in; i++) {
                    s += wt[o * in + i] * x[i];
                }
                y[o] = s;
            }
            return y;
        }

        double[] rms(double[] x, double[] g) {
            double ss = 0;
            for (double v : x) {
                ss += v * v;
            }
            double inv = 1 / Math.sqrt(ss / x.length + eps);
            double[] y = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                y[i] = x[i] * inv * g[i];
            }
            return y;
        }

        void rope(double[] v, int off, long pos, double[] e) {
            int half = d / 2;
            for (int i = 0; i < half; i++) {
                double inv = 1.0 / (e[i] * Math.pow(theta, 2.0 * i / d));
                double c = Math.cos(pos * inv) * magnitude;
                double s = Math.sin(pos * inv) * magnitude;
                double a = v[off + i];
                double b = v[off + i + half];
                v[off + i] = a * c - b * s;
                v[off + i + half] = b * c + a * s;
            }
        }

        double[][][] forward(long[][] ids, long[][] mask) {
            int b = ids.length;
            int l = ids[0].length;
            double[] emb = p("model.embed_tokens.weight");
            double[][][] x = new double[b][l][hidden];
            for (int r = 0; r < b; r++) {
                for (int t = 0; t < l; t++) {
                    System.arraycopy(emb, (int) ids[r][t] * hidden, x[r][t], 0, hidden);
                }
            }
            for (int layer = 0; layer < layers; layer++) {
                String pre = "model.layers." + layer + ".";
                double[] qkvW = p(pre + "self_attn.qkv_proj.weight");
                double[] oW = p(pre + "self_attn.o_proj.weight");
                double[] n1 = p(pre + "input_layernorm.weight");
                double[] n2 = p(pre + "post_attention_layernorm.weight");
                double[] guW = p(pre + "mlp.gate_up_proj.weight");
                double[] downW = p(pre + "mlp.down_proj.weight");
                for (int r = 0; r < b; r++) {
                    double[][] q = new double[l][];
                    double[][] k = new double[l][];
                    double[][] v = new double[l][];
                    for (int t = 0; t < l; t++) {
                        double[] qkv = matvec(qkvW, rms(x[r][t], n1), (heads + 2 * kv) * d);
                        q[t] = java.util.Arrays.copyOfRange(qkv, 0, heads * d);
                        k[t] = java.util.Arrays.copyOfRange(qkv, heads * d, (heads + kv) * d);
                        v[t] = java.util.Arrays.copyOfRange(qkv, (heads + kv) * d, (heads + 2 * kv) * d);
                        for (int h = 0; h < heads; h++) {
                            rope(q[t], h * d, t, ext[r]);
                        }
                        for (int h = 0; h < kv; h++) {
                            rope(k[t], h * d, t, ext[r]);
                        }
                    }
                    double[][] attn = new double[l][heads * d];
                    for (int t = 0; t < l; t++) {
                        for (int h = 0; h < heads; h++) {
                            int kh = h / (heads / kv);
                            double[] sc = new double[t + 1];
                            double max = Double.NEGATIVE_INFINITY;
                            for (int j = 0; j <= t; j++) {
                                if (mask[r][j] == 0) {
                                    sc[j] = Double.NEGATIVE_INFINITY;
                                    continue;
                                }
                                double s = 0;
                                for (int i = 0; i < d; i++) {
                                    s += q[t][h * d + i] * k[j][kh * d + i];
                                }
                                sc[j] = s / Math.sqrt(d);
                                max = Math.max(max, sc[j]);
                            }
                            double z = 0;
                            for (int j = 0; j <= t; j++) {
                                sc[j] = sc[j] == Double.NEGATIVE_INFINITY ? 0 : Math.exp(sc[j] - max);
                                z += sc[j];
                            }
                            for (int j = 0; j <= t && z > 0; j++) {
                                for (int i = 0; i < d; i++) {
                                    attn[t][h * d + i] += sc[j] / z * v[j][kh * d + i];
                                }
                            }
                        }
                    }
                    for (int t = 0; t < l; t++) {
                        double[] o = matvec(oW, attn[t], hidden);
                        for (int i = 0; i < hidden; i++) {
                            x[r][t][i] += o[i];
                        }
                        double[] gu = matvec(guW, rms(x[r][t], n2), 2 * inter);
                        double[] act = new double[inter];
                        for (int i = 0; i < inter; i++) {
                            double gate = gu[i];
                            act[i] = gu[inter + i] * gate / (1 + Math.exp(-gate));
                        }
                        double[] m = matvec(downW, act, hidden);
                        for (int i = 0; i < hidden; i++) {
                            x[r][t][i] += m[i];
                        }
                    }
                }
            }
            double[] fn = p("model.norm.weight");
            for (int r = 0; r < b; r++) {
                for (int t = 0; t < l; t++) {
                    x[r][t] = rms(x[r][t], fn);
                }
            }
            return x;
        }

        double[] logits(double[] h) {
            return matvec(p("lm_head.weight"), h, 64);
        }
    }
}
