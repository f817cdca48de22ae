package org.urbangraph.kernels.cpu;

import static org.urbangraph.kernels.cpu.CpuMem.F;
import static org.urbangraph.kernels.cpu.CpuMem.LANES;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import org.urbangraph.kernels.View;

/**
 * The fused edge kernels of graph attention: GATv2 logits and their gradients, and the weighted aggregation of
 * messages over edges and its gradients. The [E, H, C] edge tensors of a composed implementation (gathered node rows,
 * their sum, the activation, the messages) are never built: each edge's rows are combined in registers, and the
 * backward recomputes them.
 *
 * <p>Deterministic without atomics: a node's sum runs over its edges in increasing edge order (a stable counting
 * sort of the edges by node, {@link Csr}), tasks are blocks of nodes or edges fixed by the shape, and the attention
 * vector's gradient adds per-task partial sums in task order. Every vector operation used is exact lane-wise IEEE
 * arithmetic with an ordered lane sum ({@link VecMath#sumLanes}), and the scalar tails perform the same operations,
 * so the bits do not depend on the thread count or on whether the JIT has compiled a loop.
 */
final class CpuGraph {

    /** Edge-channel products per task: enough work to amortise the hand-out of a task. */
    private static final long WORK_PER_TASK = 1 << 16;
    /** Most tasks of a node-blocked pass: enough to balance the threads, few partial sums of the attention gradient. */
    private static final int MAX_NODE_TASKS = 64;

    private final CpuPool pool;

    CpuGraph(CpuPool pool) {
        this.pool = pool;
    }

    /** Edges grouped by node: node n's edges are {@code order[start[n] .. start[n + 1])}, in increasing edge order. */
    record Csr(int[] start, int[] order) {
        static Csr of(int[] node, int nodes) {
            int[] start = new int[nodes + 1];
            for (int n : node) {
                start[n + 1]++;
            }
            for (int n = 0; n < nodes; n++) {
                start[n + 1] += start[n];
            }
            int[] next = Arrays.copyOf(start, nodes);
            int[] order = new int[node.length];
            for (int e = 0; e < node.length; e++) {
                order[next[node[e]]++] = e;
            }
            return new Csr(start, order);
        }
    }

    /** Nodes per task of a node-blocked pass: a function of the shape only, never of the thread count. */
    private static int nodesPerBlock(int nodes, long work) {
        int tasks = (int) Math.max(1, Math.min(Math.min(nodes, MAX_NODE_TASKS), work / WORK_PER_TASK));
        return Math.max(1, (nodes + tasks - 1) / tasks);
    }

    /** Number of tasks that {@link #forNodeBlocks} runs for this shape. */
    private static int nodeBlocks(int nodes, long work) {
        int per = nodesPerBlock(nodes, work);
        return (nodes + per - 1) / per;
    }

    /** Runs {@code body} over blocks of nodes [from, to). */
    private void forNodeBlocks(int nodes, long work, Block body) {
        int per = nodesPerBlock(nodes, work);
        pool.run(nodeBlocks(nodes, work), t -> body.run(t, t * per, Math.min(nodes, (t + 1) * per)));
    }

    @FunctionalInterface
    /** A task over the blocks [from, to) of nodes or edges. */
    private interface Block {
        void run(int task, int from, int to);
    }

    /** Runs {@code body} over blocks of edges [from, to). */
    private void forEdgeBlocks(int edges, int width, Block body) {
        int per = (int) Math.max(1, WORK_PER_TASK / Math.max(1, width));
        pool.run((edges + per - 1) / per, t -> body.run(t, t * per, Math.min(edges, (t + 1) * per)));
    }

    // ---- GATv2 logits --------------------------------------------------------------------------------------

    void gatv2Logits(View xl, View xr, View p, View src, View dst, View att, float slope, View logits) {
        int[] s = CpuIndexing.ids(src, xl.size(0), "gatv2_logits source");
        int[] d = CpuIndexing.ids(dst, xr.size(0), "gatv2_logits target");
        int heads = att.size(0);
        int ch = att.size(1);
        int hc = heads * ch;
        NodeRows l = NodeRows.of(xl);
        NodeRows r = NodeRows.of(xr);
        NodeRows pr = p == null ? null : NodeRows.of(p);
        float[] w = matrix(att);
        float[] zeros = new float[p == null ? hc : 0];
        float[] out = new float[s.length * heads];
        forEdgeBlocks(s.length, hc, (t, from, to) -> {
            float[] bl = Scratch.get(Scratch.A, hc);
            float[] br = Scratch.get(Scratch.B, hc);
            float[] bp = Scratch.get(Scratch.C, hc);
            for (int e = from; e < to; e++) {
                float[] a = l.read(s[e], bl);
                int ao = l.at(s[e]);
                float[] b = r.read(d[e], br);
                int bo = r.at(d[e]);
                float[] c = pr == null ? zeros : pr.read(e, bp);
                int co = pr == null ? 0 : pr.at(e);
                for (int h = 0; h < heads; h++) {
                    int j = h * ch;
                    out[e * heads + h] = logit(a, ao + j, b, bo + j, c, co + j, w, j, ch, slope);
                }
            }
        });
        storeMatrix(out, logits);
    }

    void gatv2LogitsBackward(View xl, View xr, View p, View src, View dst, View att, float slope, View dLogits,
                             View dxl, View dxr, View dp, View dAtt) {
        int[] s = CpuIndexing.ids(src, xl.size(0), "gatv2_logits source");
        int[] d = CpuIndexing.ids(dst, xr.size(0), "gatv2_logits target");
        int heads = att.size(0);
        int ch = att.size(1);
        int hc = heads * ch;
        long work = (long) s.length * hc;
        NodeRows l = NodeRows.of(xl);
        NodeRows r = NodeRows.of(xr);
        NodeRows pr = p == null ? null : NodeRows.of(p);
        float[] w = matrix(att);
        float[] gl = matrix(dLogits);
        float[] zeros = new float[p == null ? hc : 0];
        // Pass 1, by target: dxr, dp and the partial sums of dAtt; each edge is visited once, at its target.
        if (dxr != null || dp != null || dAtt != null) {
            int nt = xr.size(0);
            Csr in = Csr.of(d, nt);
            NodeRows gr = dxr == null ? null : NodeRows.of(dxr);
            NodeRows gp = dp == null ? null : NodeRows.of(dp);
            float[][] partial = new float[nodeBlocks(nt, work)][];
            forNodeBlocks(nt, work, (task, from, to) -> {
                float[] bl = Scratch.get(Scratch.A, hc);
                float[] br = Scratch.get(Scratch.B, hc);
                float[] bp = Scratch.get(Scratch.C, hc);
                float[] bacc = Scratch.get(Scratch.D, hc);
                float[] bg = Scratch.get(Scratch.E, hc);
                float[] part = dAtt == null ? null : (partial[task] = new float[hc]);
                for (int node = from; node < to; node++) {
                    float[] b = r.read(node, br);
                    int bo = r.at(node);
                    float[] acc = gr == null ? null : gr.target(bacc);
                    int acco = gr == null ? 0 : gr.at(node);
                    if (acc != null) {
                        Arrays.fill(acc, acco, acco + hc, 0f);
                    }
                    for (int k = in.start()[node]; k < in.start()[node + 1]; k++) {
                        int e = in.order()[k];
                        float[] a = l.read(s[e], bl);
                        int ao = l.at(s[e]);
                        float[] c = pr == null ? zeros : pr.read(e, bp);
                        int co = pr == null ? 0 : pr.at(e);
                        float[] g = gp == null ? null : gp.target(bg);
                        int go = gp == null ? 0 : gp.at(e);
                        for (int h = 0; h < heads; h++) {
                            int j = h * ch;
                            edgeGrad(a, ao + j, b, bo + j, c, co + j, w, j, ch, slope, gl[e * heads + h], g, go + j,
                                    acc, acco + j, part, j);
                        }
                        if (gp != null) {
                            gp.write(e, bg);
                        }
                    }
                    if (gr != null) {
                        gr.write(node, bacc);
                    }
                }
            });
            if (dAtt != null) {
                double[] sum = new double[hc];
                for (float[] part : partial) {
                    for (int j = 0; j < hc; j++) {
                        sum[j] += part[j];
                    }
                }
                float[] out = new float[hc];
                for (int j = 0; j < hc; j++) {
                    out[j] = (float) sum[j];
                }
                storeMatrix(out, dAtt);
            }
        }
        // Pass 2, by source: dxl, the same edge gradients recomputed (the same bits as in pass 1).
        if (dxl != null) {
            Csr out = Csr.of(s, xl.size(0));
            NodeRows gx = NodeRows.of(dxl);
            forNodeBlocks(xl.size(0), work, (task, from, to) -> {
                float[] br = Scratch.get(Scratch.B, hc);
                float[] bl = Scratch.get(Scratch.A, hc);
                float[] bp = Scratch.get(Scratch.C, hc);
                float[] bacc = Scratch.get(Scratch.D, hc);
                for (int node = from; node < to; node++) {
                    float[] a = l.read(node, bl);
                    int ao = l.at(node);
                    float[] acc = gx.target(bacc);
                    int acco = gx.at(node);
                    Arrays.fill(acc, acco, acco + hc, 0f);
                    for (int k = out.start()[node]; k < out.start()[node + 1]; k++) {
                        int e = out.order()[k];
                        float[] b = r.read(d[e], br);
                        int bo = r.at(d[e]);
                        float[] c = pr == null ? zeros : pr.read(e, bp);
                        int co = pr == null ? 0 : pr.at(e);
                        for (int h = 0; h < heads; h++) {
                            int j = h * ch;
                            edgeGrad(a, ao + j, b, bo + j, c, co + j, w, j, ch, slope, gl[e * heads + h], null, 0,
                                    acc, acco + j, null, 0);
                        }
                    }
                    gx.write(node, bacc);
                }
            });
        }
    }

    private static FloatVector leaky(FloatVector z, float slope, VectorMask<Float> positive) {
        return z.mul(slope).blend(z, positive);
    }

    /** sum_c leaky(a[c] + b[c] + p[c]) * w[c] over n channels: one GATv2 logit. */
    static float logit(float[] a, int ao, float[] b, int bo, float[] p, int po, float[] w, int wo, int n, float slope) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int c = 0;
        for (; c + 2 * LANES <= n; c += 2 * LANES) {
            FloatVector z0 = FloatVector.fromArray(F, a, ao + c).add(FloatVector.fromArray(F, b, bo + c))
                    .add(FloatVector.fromArray(F, p, po + c));
            FloatVector z1 = FloatVector.fromArray(F, a, ao + c + LANES)
                    .add(FloatVector.fromArray(F, b, bo + c + LANES)).add(FloatVector.fromArray(F, p, po + c + LANES));
            acc0 = leaky(z0, slope, z0.compare(VectorOperators.GT, 0f)).fma(FloatVector.fromArray(F, w, wo + c), acc0);
            acc1 = leaky(z1, slope, z1.compare(VectorOperators.GT, 0f))
                    .fma(FloatVector.fromArray(F, w, wo + c + LANES), acc1);
        }
        for (; c + LANES <= n; c += LANES) {
            FloatVector z = FloatVector.fromArray(F, a, ao + c).add(FloatVector.fromArray(F, b, bo + c))
                    .add(FloatVector.fromArray(F, p, po + c));
            acc0 = leaky(z, slope, z.compare(VectorOperators.GT, 0f)).fma(FloatVector.fromArray(F, w, wo + c), acc0);
        }
        float sum = VecMath.sumLanes(acc0.add(acc1));
        for (; c < n; c++) {
            float z = a[ao + c] + b[bo + c] + p[po + c];
            sum = Math.fma(z > 0 ? z : z * slope, w[wo + c], sum);
        }
        return sum;
    }

    /**
     * The gradient of one edge's logit for one head, g[c] = dl * w[c] * leaky'(z[c]), z = a + b + p: written to
     * {@code g} and added into {@code acc} where those are not null, and {@code dl * leaky(z)} added into {@code part}
     * (the attention vector's gradient) where that is not null.
     */
    static void edgeGrad(float[] a, int ao, float[] b, int bo, float[] p, int po, float[] w, int wo, int n, float slope,
                         float dl, float[] g, int go, float[] acc, int acco, float[] part, int pto) {
        int c = 0;
        for (; c + LANES <= n; c += LANES) {
            FloatVector z = FloatVector.fromArray(F, a, ao + c).add(FloatVector.fromArray(F, b, bo + c))
                    .add(FloatVector.fromArray(F, p, po + c));
            VectorMask<Float> positive = z.compare(VectorOperators.GT, 0f);
            FloatVector scaled = FloatVector.fromArray(F, w, wo + c).mul(dl);
            FloatVector grad = scaled.mul(slope).blend(scaled, positive);
            if (g != null) {
                grad.intoArray(g, go + c);
            }
            if (acc != null) {
                FloatVector.fromArray(F, acc, acco + c).add(grad).intoArray(acc, acco + c);
            }
            if (part != null) {
                leaky(z, slope, positive).fma(FloatVector.broadcast(F, dl), FloatVector.fromArray(F, part, pto + c))
                        .intoArray(part, pto + c);
            }
        }
        for (; c < n; c++) {
            float z = a[ao + c] + b[bo + c] + p[po + c];
            float scaled = w[wo + c] * dl;
            float grad = z > 0 ? scaled : scaled * slope;
            if (g != null) {
                g[go + c] = grad;
            }
            if (acc != null) {
                acc[acco + c] += grad;
            }
            if (part != null) {
                part[pto + c] = Math.fma(z > 0 ? z : z * slope, dl, part[pto + c]);
            }
        }
    }

    // ---- weighted aggregation over edges ---------------------------------------------------------------------

    void edgeAggregate(View x, View weight, View src, View dst, boolean meanHeads, View out) {
        int ns = x.size(0);
        int heads = x.size(1);
        int ch = x.size(2);
        int hc = heads * ch;
        int nt = out.size(0);
        int[] s = CpuIndexing.ids(src, ns, "edge_aggregate source");
        int[] d = CpuIndexing.ids(dst, nt, "edge_aggregate target");
        float[] wv = matrix(weight);
        NodeRows xs = NodeRows.of(x);
        NodeRows o = NodeRows.of(out);
        Csr in = Csr.of(d, nt);
        forNodeBlocks(nt, (long) s.length * hc, (task, from, to) -> {
            float[] bx = Scratch.get(Scratch.A, hc);
            float[] bacc = Scratch.get(Scratch.D, hc);
            float[] bo = Scratch.get(Scratch.E, hc);
            for (int node = from; node < to; node++) {
                // without the head mean the sum goes straight into the output row
                float[] acc = meanHeads ? bacc : o.target(bo);
                int acco = meanHeads ? 0 : o.at(node);
                Arrays.fill(acc, acco, acco + hc, 0f);
                for (int k = in.start()[node]; k < in.start()[node + 1]; k++) {
                    int e = in.order()[k];
                    float[] a = xs.read(s[e], bx);
                    int ao = xs.at(s[e]);
                    for (int h = 0; h < heads; h++) {
                        CpuMath.axpy(wv[e * heads + h], a, ao + h * ch, acc, acco + h * ch, ch);
                    }
                }
                if (meanHeads) {
                    float[] mean = o.target(bo);
                    meanOfHeads(bacc, heads, ch, mean, o.at(node));
                }
                o.write(node, bo);
            }
        });
    }

    /** out[oo + c] = (sum over h of acc[h * ch + c]) / heads, heads added in order. */
    private static void meanOfHeads(float[] acc, int heads, int ch, float[] out, int oo) {
        int c = 0;
        for (; c + LANES <= ch; c += LANES) {
            FloatVector sum = FloatVector.fromArray(F, acc, c);
            for (int h = 1; h < heads; h++) {
                sum = sum.add(FloatVector.fromArray(F, acc, h * ch + c));
            }
            sum.div((float) heads).intoArray(out, oo + c);
        }
        for (; c < ch; c++) {
            float sum = acc[c];
            for (int h = 1; h < heads; h++) {
                sum += acc[h * ch + c];
            }
            out[oo + c] = sum / heads;
        }
    }

    void edgeAggregateBackward(View x, View weight, View src, View dst, boolean meanHeads, View dOut, View dx,
                               View dWeight) {
        int ns = x.size(0);
        int heads = x.size(1);
        int ch = x.size(2);
        int hc = heads * ch;
        int nt = dOut.size(0);
        int[] s = CpuIndexing.ids(src, ns, "edge_aggregate source");
        int[] d = CpuIndexing.ids(dst, nt, "edge_aggregate target");
        NodeRows xs = NodeRows.of(x);
        NodeRows gout = NodeRows.of(dOut);
        int gw = gout.width();
        if (dWeight != null) {
            float[] out = new float[s.length * heads];
            forEdgeBlocks(s.length, hc, (t, from, to) -> {
                float[] bx = Scratch.get(Scratch.A, hc);
                float[] bg = Scratch.get(Scratch.B, gw);
                for (int e = from; e < to; e++) {
                    float[] a = xs.read(s[e], bx);
                    int ao = xs.at(s[e]);
                    float[] g = gout.read(d[e], bg);
                    int go = gout.at(d[e]);
                    for (int h = 0; h < heads; h++) {
                        float dot = CpuMath.dot(g, go + (meanHeads ? 0 : h * ch), a, ao + h * ch, ch);
                        out[e * heads + h] = meanHeads ? dot / heads : dot;
                    }
                }
            });
            storeMatrix(out, dWeight);
        }
        if (dx != null) {
            float[] wv = matrix(weight);
            Csr out = Csr.of(s, ns);
            NodeRows gx = NodeRows.of(dx);
            forNodeBlocks(ns, (long) s.length * hc, (task, from, to) -> {
                float[] bg = Scratch.get(Scratch.B, gw);
                float[] bacc = Scratch.get(Scratch.D, hc);
                for (int node = from; node < to; node++) {
                    float[] acc = gx.target(bacc);
                    int acco = gx.at(node);
                    Arrays.fill(acc, acco, acco + hc, 0f);
                    for (int k = out.start()[node]; k < out.start()[node + 1]; k++) {
                        int e = out.order()[k];
                        float[] g = gout.read(d[e], bg);
                        int go = gout.at(d[e]);
                        for (int h = 0; h < heads; h++) {
                            float coef = meanHeads ? wv[e * heads + h] / heads : wv[e * heads + h];
                            CpuMath.axpy(coef, g, go + (meanHeads ? 0 : h * ch), acc, acco + h * ch, ch);
                        }
                    }
                    gx.write(node, bacc);
                }
            });
        }
    }

    // ---- small per-edge matrices ------------------------------------------------------------------------------

    /** A 2-D view [R, K] (logits, attention weights, the attention vector) as a row-major float array. */
    private static float[] matrix(View v) {
        int rows = v.size(0);
        int cols = v.size(1);
        float[] out = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            CpuMem.load(CpuMem.seg(v), v.dtype(), v.offset() + i * v.stride(0), v.stride(1), cols, out, i * cols);
        }
        return out;
    }

    private static void storeMatrix(float[] values, View v) {
        int rows = v.size(0);
        int cols = v.size(1);
        for (int i = 0; i < rows; i++) {
            CpuMem.store(values, i * cols, cols, CpuMem.seg(v), v.dtype(), v.offset() + i * v.stride(0), v.stride(1));
        }
    }
}
