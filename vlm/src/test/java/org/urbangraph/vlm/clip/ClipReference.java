package org.urbangraph.vlm.clip;

import java.util.Map;
import org.urbangraph.tensor.Tensor;

/**
 * CLIP's vision transformer in plain double precision, written from transformers' modeling_clip.py, as an
 * independent reference for tests: the stride-P convolution as explicit sums, class and position embeddings,
 * pre_layrnorm, pre-norm encoder layers with full multi-head attention and a quick-GELU MLP.
 */
public final class ClipReference {

    private final Map<String, Tensor> w;
    private final String prefix;
    private final ClipVisionConfig c;

    /** {@code prefix} is the path of the {@code vision_model} node, with its trailing dot. */
    public ClipReference(Map<String, Tensor> weights, String prefix, ClipVisionConfig config) {
        this.w = weights;
        this.prefix = prefix;
        this.c = config;
    }

    double[] p(String name) {
        Tensor t = w.get(prefix + name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor " + prefix + name);
        }
        float[] f = t.toFloatArray();
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = f[i];
        }
        return out;
    }

    /** hidden_states[state] of one image: [1 + G*G][E]; pixels [3][S][S] flattened. */
    public double[][] hiddenState(float[] pixels, int offset, int state) {
        int e = c.hiddenSize();
        int s = c.imageSize();
        int pp = c.patchSize();
        int g = c.gridSize();
        int ch = c.numChannels();
        double[] conv = p("embeddings.patch_embedding.weight");
        double[] cls = p("embeddings.class_embedding");
        double[] pos = p("embeddings.position_embedding.weight");
        int n = g * g + 1;
        double[][] x = new double[n][e];
        for (int k = 0; k < e; k++) {
            x[0][k] = cls[k] + pos[k];
        }
        for (int gy = 0; gy < g; gy++) {
            for (int gx = 0; gx < g; gx++) {
                int t = 1 + gy * g + gx;
                for (int k = 0; k < e; k++) {
                    double acc = 0;
                    for (int cc = 0; cc < ch; cc++) {
                        for (int py = 0; py < pp; py++) {
                            for (int px = 0; px < pp; px++) {
                                acc += conv[((k * ch + cc) * pp + py) * pp + px]
                                        * pixels[offset + (cc * s + gy * pp + py) * s + gx * pp + px];
                            }
                        }
                    }
                    x[t][k] = acc + pos[t * e + k];
                }
            }
        }
        x = layerNorm(x, p("pre_layrnorm.weight"), p("pre_layrnorm.bias"));
        for (int layer = 0; layer < state; layer++) {
            x = layer(x, "encoder.layers." + layer + ".");
        }
        return x;
    }

    double[][] layerNorm(double[][] x, double[] g, double[] b) {
        double[][] out = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            double mean = 0;
            for (double v : x[t]) {
                mean += v;
            }
            mean /= x[t].length;
            double var = 0;
            for (double v : x[t]) {
                var += (v - mean) * (v - mean);
            }
            var /= x[t].length;
            out[t] = new double[x[t].length];
            for (int i = 0; i < x[t].length; i++) {
                out[t][i] = (x[t][i] - mean) / Math.sqrt(var + c.layerNormEps()) * g[i] + b[i];
            }
        }
        return out;
    }

    static double[] linear(double[] wt, double[] bias, double[] x) {
        int out = bias.length;
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double s = bias[o];
            for (int i = 0; i < x.length; i++) {
                s += wt[o * x.length + i] * x[i];
            }
            y[o] = s;
        }
        return y;
    }

    double[][] layer(double[][] x, String pre) {
        int n = x.length;
        int e = c.hiddenSize();
        int heads = c.numHeads();
        int d = c.headDim();
        double[][] h = layerNorm(x, p(pre + "layer_norm1.weight"), p(pre + "layer_norm1.bias"));
        double[] qw = p(pre + "self_attn.q_proj.weight");
        double[] qb = p(pre + "self_attn.q_proj.bias");
        double[] kw = p(pre + "self_attn.k_proj.weight");
        double[] kb = p(pre + "self_attn.k_proj.bias");
        double[] vw = p(pre + "self_attn.v_proj.weight");
        double[] vb = p(pre + "self_attn.v_proj.bias");
        double[][] q = new double[n][];
        double[][] k = new double[n][];
        double[][] v = new double[n][];
        for (int t = 0; t < n; t++) {
            q[t] = linear(qw, qb, h[t]);
            k[t] = linear(kw, kb, h[t]);
            v[t] = linear(vw, vb, h[t]);
        }
        double[][] out = new double[n][];
        double[] ow = p(pre + "self_attn.out_proj.weight");
        double[] ob = p(pre + "self_attn.out_proj.bias");
        for (int t = 0; t < n; t++) {
            double[] a = new double[e];
            for (int hh = 0; hh < heads; hh++) {
                double[] sc = new double[n];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int i = 0; i < d; i++) {
                        s += q[t][hh * d + i] * k[j][hh * d + i];
                    }
                    sc[j] = s / Math.sqrt(d);
                    max = Math.max(max, sc[j]);
                }
                double z = 0;
                for (int j = 0; j < n; j++) {
                    sc[j] = Math.exp(sc[j] - max);
                    z += sc[j];
                }
                for (int j = 0; j < n; j++) {
                    for (int i = 0; i < d; i++) {
                        a[hh * d + i] += sc[j] / z * v[j][hh * d + i];
                    }
                }
            }
            double[] o = linear(ow, ob, a);
            out[t] = new double[e];
            for (int i = 0; i < e; i++) {
                out[t][i] = x[t][i] + o[i];
            }
        }
        double[][] h2 = layerNorm(out, p(pre + "layer_norm2.weight"), p(pre + "layer_norm2.bias"));
        double[] f1w = p(pre + "mlp.fc1.weight");
        double[] f1b = p(pre + "mlp.fc1.bias");
        double[] f2w = p(pre + "mlp.fc2.weight");
        double[] f2b = p(pre + "mlp.fc2.bias");
        for (int t = 0; t < n; t++) {
            double[] m = linear(f1w, f1b, h2[t]);
            for (int i = 0; i < m.length; i++) {
                m[i] = m[i] / (1 + Math.exp(-1.702 * m[i])); // quick GELU: x * sigmoid(1.702 x)
            }
            double[] o = linear(f2w, f2b, m);
            for (int i = 0; i < e; i++) {
                out[t][i] += o[i];
            }
        }
        return out;
    }
}
