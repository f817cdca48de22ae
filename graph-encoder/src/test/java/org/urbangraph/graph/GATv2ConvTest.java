package org.urbangraph.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.urbangraph.tensor.Functional;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Rng;
import org.urbangraph.testkit.Approx;

/**
 * The GATv2 layer against a plain loop-by-loop implementation of PyG's definition on a random odd-sized graph
 * (self-loops in the data, a repeated edge, a node without incoming edges, an isolated node), with and without edge
 * features and with attention dropout; its gradients against finite differences in double precision.
 */
class GATv2ConvTest {

    static final int N = 7;
    static final int IN = 6;
    static final int HEADS = 3;
    static final int C = 5;
    static final int EDGE_DIM = 4;
    /** 0 -> 1, 0 -> 2, 1 -> 2, 2 -> 2 (loop), 3 -> 1, 3 -> 1 (repeated), 4 -> 4 (loop), 1 -> 5, 2 -> 5, 5 -> 3. */
    static final int[] SRC = {0, 0, 1, 2, 3, 3, 4, 1, 2, 5};
    static final int[] DST = {1, 2, 2, 2, 1, 1, 4, 5, 5, 3};
    // node 0 has no incoming edge, node 6 has none at all, node 4 only a self-loop

    record Params(double[] x, double[] wl, double[] bl, double[] wr, double[] br, double[] we, double[] att,
                  double[] bias, double[] edgeAttr) {
        static Params random(long seed) {
            return new Params(FiniteDifferences.values(seed, N * IN), FiniteDifferences.values(seed + 1, HEADS * C * IN),
                    FiniteDifferences.values(seed + 2, HEADS * C), FiniteDifferences.values(seed + 3, HEADS * C * IN),
                    FiniteDifferences.values(seed + 4, HEADS * C), FiniteDifferences.values(seed + 5, HEADS * C * EDGE_DIM),
                    FiniteDifferences.values(seed + 6, HEADS * C), FiniteDifferences.values(seed + 7, C),
                    FiniteDifferences.values(seed + 8, SRC.length * EDGE_DIM));
        }
    }

    /** PyG's GATv2Conv written out with loops, in double. {@code keep} multiplies alpha (dropout mask) or is null. */
    static double[] plainGatv2(Params p, boolean withEdges, double[] keep) {
        List<int[]> edges = new ArrayList<>();
        List<double[]> attrs = new ArrayList<>();
        double[][] sum = new double[N][EDGE_DIM];
        int[] count = new int[N];
        for (int e = 0; e < SRC.length; e++) {
            if (SRC[e] != DST[e]) {
                edges.add(new int[] {SRC[e], DST[e]});
                double[] a = new double[EDGE_DIM];
                System.arraycopy(p.edgeAttr(), e * EDGE_DIM, a, 0, EDGE_DIM);
                attrs.add(a);
                count[DST[e]]++;
                for (int k = 0; k < EDGE_DIM; k++) {
                    sum[DST[e]][k] += a[k];
                }
            }
        }
        for (int n = 0; n < N; n++) {
            edges.add(new int[] {n, n});
            double[] a = new double[EDGE_DIM];
            for (int k = 0; k < EDGE_DIM; k++) {
                a[k] = count[n] == 0 ? 0 : sum[n][k] / count[n];
            }
            attrs.add(a);
        }
        int hc = HEADS * C;
        double[][] xl = linear(p.x(), p.wl(), p.bl(), N, IN, hc);
        double[][] xr = linear(p.x(), p.wr(), p.br(), N, IN, hc);
        int m = edges.size();
        double[][] logit = new double[m][HEADS];
        for (int e = 0; e < m; e++) {
            int s = edges.get(e)[0];
            int t = edges.get(e)[1];
            for (int h = 0; h < HEADS; h++) {
                for (int c = 0; c < C; c++) {
                    int j = h * C + c;
                    double v = xl[s][j] + xr[t][j];
                    if (withEdges) {
                        for (int k = 0; k < EDGE_DIM; k++) {
                            v += p.we()[j * EDGE_DIM + k] * attrs.get(e)[k];
                        }
                    }
                    v = v > 0 ? v : 0.2 * v;
                    logit[e][h] += v * p.att()[j];
                }
            }
        }
        double[] out = new double[N * C];
        for (int h = 0; h < HEADS; h++) {
            for (int t = 0; t < N; t++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int e = 0; e < m; e++) {
                    if (edges.get(e)[1] == t) {
                        max = Math.max(max, logit[e][h]);
                    }
                }
                double den = 0;
                for (int e = 0; e < m; e++) {
                    if (edges.get(e)[1] == t) {
                        den += Math.exp(logit[e][h] - max);
                    }
                }
                for (int e = 0; e < m; e++) {
                    if (edges.get(e)[1] == t) {
                        double alpha = Math.exp(logit[e][h] - max) / (den + 1e-16);
                        if (keep != null) {
                            alpha *= keep[e * HEADS + h];
                        }
                        int s = edges.get(e)[0];
                        for (int c = 0; c < C; c++) {
                            out[t * C + c] += alpha * xl[s][h * C + c] / HEADS;
                        }
                    }
                }
            }
        }
        for (int t = 0; t < N; t++) {
            for (int c = 0; c < C; c++) {
                out[t * C + c] += p.bias()[c];
            }
        }
        return out;
    }

    static double[][] linear(double[] x, double[] w, double[] b, int rows, int in, int out) {
        double[][] y = new double[rows][out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double acc = b[o];
                for (int i = 0; i < in; i++) {
                    acc += x[r * in + i] * w[o * in + i];
                }
                y[r][o] = acc;
            }
        }
        return y;
    }

    static Tensor f32(double[] v, int... shape) {
        return Tensor.of(toFloat(v), shape);
    }

    static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    static GATv2Conv.Weights weights(Tensor[] t, boolean withEdges) {
        return new GATv2Conv.Weights(t[1], t[2], t[3], t[4], withEdges ? t[5] : null, t[6], t[7]);
    }

    static Tensor[] tensors(Params p) {
        return new Tensor[] {f32(p.x(), N, IN), f32(p.wl(), HEADS * C, IN), f32(p.bl(), HEADS * C),
            f32(p.wr(), HEADS * C, IN), f32(p.br(), HEADS * C), f32(p.we(), HEADS * C, EDGE_DIM),
            f32(p.att(), 1, HEADS, C), f32(p.bias(), C), f32(p.edgeAttr(), SRC.length, EDGE_DIM)};
    }

    @Test
    void matchesAPlainImplementationWithAndWithoutEdgeFeatures() {
        Params p = Params.random(11);
        LoopedEdgeIndex edges = new LoopedEdgeIndex(N, SRC, DST);
        assertEquals(SRC.length - 2 + N, edges.numMessages(), "two data self-loops dropped, one loop per node added");
        for (boolean withEdges : new boolean[] {true, false}) {
            Tensor[] t = tensors(p);
            Tensor out;
            try (NoGrad g = NoGrad.enter()) {
                out = GATv2Conv.propagate(weights(t, withEdges), HEADS, C, t[0], edges, withEdges ? t[8] : null, 0, 0,
                        Trace.NONE, "conv");
            }
            Approx.assertClose("GATv2 " + (withEdges ? "with" : "without") + " edge features",
                    plainGatv2(p, withEdges, null), out.toFloatArray(), 1e-5, 1e-5);
        }
    }

    @Test
    void attentionDropoutDropsAlphaWithTheSeededMaskInTrainingOnly() {
        Params p = Params.random(21);
        LoopedEdgeIndex edges = new LoopedEdgeIndex(N, SRC, DST);
        Tensor[] t = tensors(p);
        double dropout = 0.4;
        long seed = 1234;
        Tensor out;
        double[] keep;
        try (NoGrad g = NoGrad.enter()) {
            out = GATv2Conv.propagate(weights(t, true), HEADS, C, t[0], edges, t[8], dropout, seed, Trace.NONE, "c");
            Tensor ones = Tensor.ones(edges.numMessages(), HEADS);
            keep = Approx.toDouble(Functional.dropout(ones, dropout, true, seed).toFloatArray());
        }
        int dropped = 0;
        for (double k : keep) {
            dropped += k == 0 ? 1 : 0;
        }
        assertFalse(dropped == 0 || dropped == keep.length, "the mask drops some attention weights and keeps some");
        Approx.assertClose("GATv2 with attention dropout", plainGatv2(p, true, keep), out.toFloatArray(), 1e-5, 1e-5);

        // As a module: dropout only in training; evaluation is deterministic and equals the plain layer.
        GATv2Conv layer = new GATv2Conv(IN, C, HEADS, EDGE_DIM, dropout, new Rng(3));
        layer.loadTensors(java.util.Map.of("lin_l.weight", t[1], "lin_l.bias", t[2], "lin_r.weight", t[3],
                "lin_r.bias", t[4], "lin_edge.weight", t[5], "att", t[6], "bias", t[7]));
        try (NoGrad g = NoGrad.enter()) {
            layer.eval();
            float[] a = layer.forward(t[0], edges, t[8], Trace.NONE, "c").toFloatArray();
            float[] b = layer.forward(t[0], edges, t[8], Trace.NONE, "c").toFloatArray();
            assertArrayEquals(a, b);
            Approx.assertClose("GATv2 module in eval", plainGatv2(p, true, null), a, 1e-5, 1e-5);
            layer.train(true);
            float[] c = layer.forward(t[0], edges, t[8], Trace.NONE, "c").toFloatArray();
            assertFalse(java.util.Arrays.equals(a, c), "training mode applies attention dropout");
        }
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        Params p = Params.random(31);
        LoopedEdgeIndex edges = new LoopedEdgeIndex(N, SRC, DST);
        double[][] data = {p.x(), p.wl(), p.bl(), p.wr(), p.br(), p.we(), p.att(), p.bias(), p.edgeAttr()};
        int[][] shapes = {{N, IN}, {HEADS * C, IN}, {HEADS * C}, {HEADS * C, IN}, {HEADS * C}, {HEADS * C, EDGE_DIM},
            {1, HEADS, C}, {C}, {SRC.length, EDGE_DIM}};
        FiniteDifferences.check("GATv2 with edge features", t -> GATv2Conv.propagate(weights(t, true), HEADS, C, t[0],
                edges, t[8], 0, 0, Trace.NONE, "conv"), data, shapes);
        double[][] noEdge = {p.x(), p.wl(), p.bl(), p.wr(), p.br(), p.att(), p.bias()};
        int[][] noEdgeShapes = {{N, IN}, {HEADS * C, IN}, {HEADS * C}, {HEADS * C, IN}, {HEADS * C}, {1, HEADS, C}, {C}};
        FiniteDifferences.check("GATv2 without edge features", t -> GATv2Conv.propagate(
                new GATv2Conv.Weights(t[1], t[2], t[3], t[4], null, t[5], t[6]), HEADS, C, t[0], edges, null, 0, 0,
                Trace.NONE, "conv"), noEdge, noEdgeShapes);
    }

    @Test
    void aLayerWithEdgeWeightsRefusesToRunWithoutEdgeFeatures() {
        GATv2Conv layer = new GATv2Conv(IN, C, HEADS, EDGE_DIM, 0.1, new Rng(1));
        LoopedEdgeIndex edges = new LoopedEdgeIndex(N, SRC, DST);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> layer.forward(Tensor.ones(N, IN), edges, null, Trace.NONE, "convs.0"));
        assertEquals("convs.0: this GATv2 layer needs edge features, got none", e.getMessage());
    }
}
