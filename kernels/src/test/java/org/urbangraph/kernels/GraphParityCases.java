package org.urbangraph.kernels;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.urbangraph.kernels.ParityChecks.abs;
import static org.urbangraph.kernels.ParityChecks.values;
import static org.urbangraph.kernels.ParityData.REF;

import org.urbangraph.kernels.ParityData.Layout;
import org.urbangraph.kernels.ParityData.Pair;

/**
 * The graph-attention cases of {@link BackendParityTest} (kept apart so that the suite's file stays readable): the
 * fused GATv2 logits and the weighted aggregation over edges, forward and backward, on random graphs with odd sizes,
 * self-loops, repeated edges, nodes without incoming and without outgoing edges, separate source and target node
 * sets, non-contiguous and narrow inputs. Every result is checked with the suite's summation rule: its scale is the
 * reference kernel applied to the magnitudes of the inputs, which bounds the magnitudes of the terms summed.
 */
final class GraphParityCases {

    private final BackendParityTest suite;
    private final Backend dev;

    GraphParityCases(BackendParityTest suite) {
        this.suite = suite;
        this.dev = suite.backend();
    }

    /** One shape of the cases: source and target nodes, edges before the special ones, heads, channels, layouts. */
    record Shape(int sources, int targets, int edges, int heads, int channels, DType nodeType, Layout xlLayout,
                 Layout xrLayout, Layout pLayout, boolean withP) {
        @Override
        public String toString() {
            return sources + "->" + targets + " nodes, " + edges + "+ edges, " + heads + "x" + channels + " "
                    + nodeType + " " + xlLayout + "/" + xrLayout + "/" + (withP ? pLayout : "no p");
        }
    }

    static final Shape[] SHAPES = {
        new Shape(13, 13, 41, 3, 33, DType.F32, Layout.CONTIGUOUS, Layout.PADDED, Layout.STEPPED, true),
        new Shape(11, 17, 29, 1, 7, DType.F32, Layout.SEQ_MAJOR, Layout.CONTIGUOUS, Layout.CONTIGUOUS, false),
        new Shape(9, 9, 23, 4, 65, DType.BF16, Layout.CONTIGUOUS, Layout.CONTIGUOUS, Layout.SEQ_MAJOR, true),
        new Shape(1, 1, 0, 2, 16, DType.F32, Layout.CONTIGUOUS, Layout.CONTIGUOUS, Layout.CONTIGUOUS, true),
    };

    /**
     * A random graph: random edges, then self-loops on nodes 1, 4, 7, ..., then two repeats of edge 0. No edge enters
     * nodes 0 and 3 (with more than 4 targets) and none leaves the last source node (with more than 2 sources).
     */
    record Graph(long[] src, long[] dst) {
        static Graph random(ParityData d, int sources, int targets, int edges) {
            int last = Math.min(sources, targets) - 1;
            int loops = 0;
            while (3 * loops + 1 < last) {
                loops++;
            }
            int repeats = edges > 0 ? 2 : 0;
            long[] src = new long[edges + loops + repeats];
            long[] dst = new long[src.length];
            for (int e = 0; e < edges; e++) {
                src[e] = d.nextInt(sources > 2 ? sources - 1 : sources);
                long t = d.nextInt(targets);
                dst[e] = targets > 4 && (t == 0 || t == 3) ? t + 1 : t;
            }
            for (int i = 0; i < loops; i++) {
                src[edges + i] = 3 * i + 1;
                dst[edges + i] = 3 * i + 1;
            }
            for (int i = 0; i < repeats; i++) {
                src[edges + loops + i] = src[0];
                dst[edges + loops + i] = dst[0];
            }
            return new Graph(src, dst);
        }

        int edges() {
            return src.length;
        }
    }

    void gatv2Logits() {
        ParityData d = new ParityData(dev, 74);
        float slope = 0.2f;
        for (Shape s : SHAPES) {
            Graph g = Graph.random(d, s.sources(), s.targets(), s.edges());
            int e = g.edges();
            int h = s.heads();
            int c = s.channels();
            Pair xl = d.normal(s.nodeType(), s.xlLayout(), 1, s.sources(), h, c);
            Pair xr = d.normal(DType.F32, s.xrLayout(), 1, s.targets(), h, c);
            Pair p = s.withP() ? d.normal(DType.F32, s.pLayout(), 1, e, h, c) : null;
            Pair src = d.ints(DType.I64, g.src(), e);
            Pair dst = d.ints(DType.I32, g.dst(), e);
            Pair att = d.normal(DType.F32, Layout.TRANSPOSED, 0.5, h, c);
            String what = "gatv2_logits " + s;

            Pair logits = d.output(DType.F32, Layout.PADDED, e, h);
            REF.gatv2Logits(xl.ref(), xr.ref(), ref(p), src.ref(), dst.ref(), att.ref(), slope, logits.ref());
            dev.gatv2Logits(xl.dev(), xr.dev(), dev(p), src.dev(), dst.dev(), att.dev(), slope, logits.dev());
            View logitScale = fresh(e, h);
            REF.gatv2Logits(abs(xl.ref()), abs(xr.ref()), p == null ? null : abs(p.ref()), src.ref(), dst.ref(),
                    abs(att.ref()), slope, logitScale);
            suite.checkScaled(what, logits, values(logitScale));

            Pair dLogits = d.normal(DType.F32, Layout.TRANSPOSED, 1, e, h);
            Pair dxl = d.output(DType.F32, s.sources(), h, c);
            Pair dxr = d.output(DType.F32, Layout.PADDED, s.targets(), h, c);
            Pair dp = s.withP() ? d.output(DType.F32, e, h, c) : null;
            Pair dAtt = d.output(DType.F32, h, c);
            REF.gatv2LogitsBackward(xl.ref(), xr.ref(), ref(p), src.ref(), dst.ref(), att.ref(), slope, dLogits.ref(),
                    dxl.ref(), dxr.ref(), ref(dp), dAtt.ref());
            dev.gatv2LogitsBackward(xl.dev(), xr.dev(), dev(p), src.dev(), dst.dev(), att.dev(), slope, dLogits.dev(),
                    dxl.dev(), dxr.dev(), dev(dp), dAtt.dev());
            View[] scale = {fresh(s.sources(), h, c), fresh(s.targets(), h, c), s.withP() ? fresh(e, h, c) : null,
                fresh(h, c)};
            REF.gatv2LogitsBackward(abs(xl.ref()), abs(xr.ref()), p == null ? null : abs(p.ref()), src.ref(),
                    dst.ref(), abs(att.ref()), slope, abs(dLogits.ref()), scale[0], scale[1], scale[2], scale[3]);
            suite.checkScaled(what + " backward dxl", dxl, values(scale[0]));
            suite.checkScaled(what + " backward dxr", dxr, values(scale[1]));
            if (dp != null) {
                suite.checkScaled(what + " backward dp", dp, values(scale[2]));
            }
            suite.checkScaled(what + " backward dAtt", dAtt, values(scale[3]));

            // only the gradients a caller asks for: the others stay untouched (null views)
            Pair dxlOnly = d.output(DType.F32, s.sources(), h, c);
            dev.gatv2LogitsBackward(xl.dev(), xr.dev(), dev(p), src.dev(), dst.dev(), att.dev(), slope, dLogits.dev(),
                    dxlOnly.dev(), null, null, null);
            suite.checkScaled(what + " backward dxl alone", new Pair(dxl.ref(), dxlOnly.dev()), values(scale[0]));
        }
        Pair xl = d.normal(DType.F32, 5, 2, 3);
        Pair bad = d.ints(DType.I64, new long[] {0, 5}, 2);
        Pair fine = d.ints(DType.I64, new long[] {1, 2}, 2);
        Pair att = d.normal(DType.F32, 2, 3);
        Pair out = d.output(DType.F32, 2, 2);
        assertThrows(IndexOutOfBoundsException.class, () -> {
            dev.gatv2Logits(xl.dev(), xl.dev(), null, fine.dev(), bad.dev(), att.dev(), slope, out.dev());
            dev.toHost(out.dev().buffer(), 0, java.lang.foreign.MemorySegment.ofArray(new byte[4]));
        }, "a target id equal to the node count must be rejected");
    }

    void edgeAggregate() {
        ParityData d = new ParityData(dev, 75);
        for (Shape s : SHAPES) {
            Graph g = Graph.random(d, s.sources(), s.targets(), s.edges());
            int e = g.edges();
            int h = s.heads();
            int c = s.channels();
            Pair x = d.normal(s.nodeType(), s.xlLayout(), 1, s.sources(), h, c);
            Pair w = d.tensor(DType.F32, Layout.TRANSPOSED, () -> d.uniform(0, 1), e, h);
            Pair src = d.ints(DType.I32, g.src(), e);
            Pair dst = d.ints(DType.I64, g.dst(), e);
            for (boolean mean : new boolean[] {false, true}) {
                String what = "edge_aggregate " + (mean ? "mean of heads " : "") + s;
                int[] outShape = mean ? new int[] {s.targets(), c} : new int[] {s.targets(), h, c};
                Pair out = d.output(DType.F32, Layout.PADDED, outShape);
                REF.edgeAggregate(x.ref(), w.ref(), src.ref(), dst.ref(), mean, out.ref());
                dev.edgeAggregate(x.dev(), w.dev(), src.dev(), dst.dev(), mean, out.dev());
                View outScale = fresh(outShape);
                REF.edgeAggregate(abs(x.ref()), abs(w.ref()), src.ref(), dst.ref(), mean, outScale);
                suite.checkScaled(what, out, values(outScale));

                Pair dOut = d.normal(DType.F32, s.xrLayout(), 1, outShape);
                Pair dx = d.output(DType.F32, Layout.PADDED, s.sources(), h, c);
                Pair dw = d.output(DType.F32, e, h);
                REF.edgeAggregateBackward(x.ref(), w.ref(), src.ref(), dst.ref(), mean, dOut.ref(), dx.ref(), dw.ref());
                dev.edgeAggregateBackward(x.dev(), w.dev(), src.dev(), dst.dev(), mean, dOut.dev(), dx.dev(), dw.dev());
                View dxScale = fresh(s.sources(), h, c);
                View dwScale = fresh(e, h);
                REF.edgeAggregateBackward(abs(x.ref()), abs(w.ref()), src.ref(), dst.ref(), mean, abs(dOut.ref()),
                        dxScale, dwScale);
                suite.checkScaled(what + " backward dx", dx, values(dxScale));
                suite.checkScaled(what + " backward dWeight", dw, values(dwScale));
            }
        }
        Pair x = d.normal(DType.F32, 5, 2, 3);
        Pair bad = d.ints(DType.I32, new long[] {-1, 2}, 2);
        Pair fine = d.ints(DType.I32, new long[] {1, 2}, 2);
        Pair w = d.normal(DType.F32, 2, 2);
        Pair out = d.output(DType.F32, 5, 3);
        assertThrows(IndexOutOfBoundsException.class, () -> {
            dev.edgeAggregate(x.dev(), w.dev(), bad.dev(), fine.dev(), true, out.dev());
            dev.toHost(out.dev().buffer(), 0, java.lang.foreign.MemorySegment.ofArray(new byte[4]));
        }, "a negative source id must be rejected");
    }

    /** A zero-filled contiguous F32 view on the reference backend (tolerance scales). */
    private static View fresh(int... shape) {
        long n = ParityData.numel(shape);
        return View.contiguous(REF.allocate(DType.F32, Math.max(1, n)), DType.F32, 0, shape);
    }

    private static View ref(Pair p) {
        return p == null ? null : p.ref();
    }

    private static View dev(Pair p) {
        return p == null ? null : p.dev();
    }
}
