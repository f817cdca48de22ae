package org.urbangraph.graph;

import org.junit.jupiter.api.Test;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.testkit.Approx;

/** The GCN layer against PyG's definition written out with loops, and its gradients against finite differences. */
class GCNConvTest {

    static final int N = GATv2ConvTest.N;
    static final int IN = 6;
    static final int OUT = 5;

    static double[] plainGcn(double[] x, double[] w, double[] bias) {
        int[] src = GATv2ConvTest.SRC;
        int[] dst = GATv2ConvTest.DST;
        // add_remaining_self_loops: the data's loops are replaced by one loop per node, all with weight 1
        java.util.List<int[]> edges = new java.util.ArrayList<>();
        for (int e = 0; e < src.length; e++) {
            if (src[e] != dst[e]) {
                edges.add(new int[] {src[e], dst[e]});
            }
        }
        for (int n = 0; n < N; n++) {
            edges.add(new int[] {n, n});
        }
        double[] deg = new double[N];
        for (int[] e : edges) {
            deg[e[1]] += 1;
        }
        double[][] xw = GATv2ConvTest.linear(x, w, new double[OUT], N, IN, OUT);
        double[] out = new double[N * OUT];
        for (int[] e : edges) {
            double norm = 1 / Math.sqrt(deg[e[0]] * deg[e[1]]);
            for (int c = 0; c < OUT; c++) {
                out[e[1] * OUT + c] += norm * xw[e[0]][c];
            }
        }
        for (int n = 0; n < N; n++) {
            for (int c = 0; c < OUT; c++) {
                out[n * OUT + c] += bias[c];
            }
        }
        return out;
    }

    @Test
    void matchesAPlainImplementation() {
        double[] x = FiniteDifferences.values(41, N * IN);
        double[] w = FiniteDifferences.values(42, OUT * IN);
        double[] b = FiniteDifferences.values(43, OUT);
        LoopedEdgeIndex edges = new LoopedEdgeIndex(N, GATv2ConvTest.SRC, GATv2ConvTest.DST);
        Tensor out;
        try (NoGrad g = NoGrad.enter()) {
            out = GCNConv.propagate(GATv2ConvTest.f32(w, OUT, IN), GATv2ConvTest.f32(b, OUT),
                    GATv2ConvTest.f32(x, N, IN), edges, Trace.NONE, "conv");
        }
        Approx.assertClose("GCN", plainGcn(x, w, b), out.toFloatArray(), 1e-5, 1e-5);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        LoopedEdgeIndex edges = new LoopedEdgeIndex(N, GATv2ConvTest.SRC, GATv2ConvTest.DST);
        double[][] data = {FiniteDifferences.values(51, N * IN), FiniteDifferences.values(52, OUT * IN),
            FiniteDifferences.values(53, OUT)};
        int[][] shapes = {{N, IN}, {OUT, IN}, {OUT}};
        FiniteDifferences.check("GCN", t -> GCNConv.propagate(t[1], t[2], t[0], edges, Trace.NONE, "conv"), data,
                shapes);
    }
}
