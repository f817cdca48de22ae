package org.urbangraph.kernels.opencl;

import org.urbangraph.kernels.View;

/**
 * Host side of {@code graph.cl}: the GATv2 logits and their gradients, and the weighted aggregation over edges and
 * its gradients. Both id vectors are checked on the device before the compute kernels are queued (bad ids raise the
 * reference's {@link IndexOutOfBoundsException}); per-node sums use the edges sorted by node with
 * {@link IndexOps#sortedKeysOf1d}, so they add in edge order without atomics.
 */
final class GraphOps {

    private static final String PROGRAM = "graph";

    private final ClRuntime rt;
    private final IndexOps index;

    GraphOps(ClRuntime rt, IndexOps index) {
        this.rt = rt;
        this.index = index;
    }

    private Launch launch(String kernel) {
        return Launch.of(rt, PROGRAM, "", kernel);
    }

    /** Checks every id of a 1-D index against [0, bound), reporting the smallest bad position. */
    private void check(View ids, int bound, String what) {
        long m = ids.size(0);
        if (m == 0) {
            return;
        }
        int code = index.indexError(what, ids, bound);
        launch("graph_check_ids").arg(m).arg(bound).view(ids).errors(code).runElements(m);
        rt.errors().launched();
    }

    /** The GATv2 inputs in the kernels' argument order: xl, xr, p (or none) and hasP, src, dst. */
    private static Launch edgeSums(Launch l, View xl, View xr, View p, View src, View dst) {
        return l.view(xl).view(xr).optView(p).arg(p == null ? 0 : 1).view(src).view(dst);
    }

    void gatv2Logits(View xl, View xr, View p, View src, View dst, View att, float slope, View logits) {
        int ns = xl.size(0);
        int nt = xr.size(0);
        check(src, ns, "gatv2_logits source");
        check(dst, nt, "gatv2_logits target");
        long edges = src.size(0);
        int heads = att.size(0);
        int ch = att.size(1);
        edgeSums(launch("gat_logits").arg(edges).arg(heads).arg(ch).arg(ns).arg(nt), xl, xr, p, src, dst).view(att)
                .arg(slope).view(logits).runElements(edges * heads);
    }

    void gatv2LogitsBackward(View xl, View xr, View p, View src, View dst, View att, float slope, View dLogits,
                             View dxl, View dxr, View dp, View dAtt) {
        int ns = xl.size(0);
        int nt = xr.size(0);
        check(src, ns, "gatv2_logits source");
        check(dst, nt, "gatv2_logits target");
        long edges = src.size(0);
        int heads = att.size(0);
        int ch = att.size(1);
        if (dxl != null) {
            nodeGrad(index.sortedKeysOf1d(src, edges, ns, "gatv2_logits source"), ns, xl, xr, p, src, dst, att, slope,
                    dLogits, dxl);
        }
        if (dxr != null) {
            nodeGrad(index.sortedKeysOf1d(dst, edges, nt, "gatv2_logits target"), nt, xl, xr, p, src, dst, att, slope,
                    dLogits, dxr);
        }
        if (dp != null) {
            edgeSums(launch("gat_logits_dp").arg(edges).arg(heads).arg(ch).arg(ns).arg(nt), xl, xr, p, src, dst)
                    .view(att).view(dLogits).arg(slope).view(dp).runElements(edges * heads * ch);
        }
        if (dAtt != null) {
            edgeSums(launch("gat_logits_datt").arg(edges).arg(heads).arg(ch).arg(ns).arg(nt), xl, xr, p, src, dst)
                    .view(dLogits).arg(slope).view(dAtt).runElements((long) heads * ch);
        }
    }

    /** dxl or dxr: the node's edge gradients summed over the run of its sorted keys. */
    private void nodeGrad(ClBuffer keys, int nodes, View xl, View xr, View p, View src, View dst, View att, float slope,
                          View dLogits, View out) {
        long edges = src.size(0);
        int heads = att.size(0);
        int ch = att.size(1);
        Launch l = launch("gat_logits_dnode").arg(edges).arg(nodes).arg(heads).arg(ch).arg(xl.size(0)).arg(xr.size(0))
                .mem(keys);
        edgeSums(l, xl, xr, p, src, dst).view(att).view(dLogits).arg(slope).view(out)
                .run(new long[] {nodes, (long) heads * ch}, null);
    }

    void edgeAggregate(View x, View weight, View src, View dst, boolean meanHeads, View out) {
        int ns = x.size(0);
        int nt = out.size(0);
        check(src, ns, "edge_aggregate source");
        check(dst, nt, "edge_aggregate target");
        long edges = src.size(0);
        int heads = x.size(1);
        int ch = x.size(2);
        ClBuffer keys = index.sortedKeysOf1d(dst, edges, nt, "edge_aggregate target");
        launch("edge_aggregate").arg(edges).arg(nt).arg(heads).arg(ch).arg(ns).arg(meanHeads ? 1 : 0).mem(keys)
                .view(x).view(weight).view(src).view(out)
                .run(new long[] {nt, meanHeads ? ch : (long) heads * ch}, null);
    }

    void edgeAggregateBackward(View x, View weight, View src, View dst, boolean meanHeads, View dOut, View dx,
                               View dWeight) {
        int ns = x.size(0);
        int nt = dOut.size(0);
        check(src, ns, "edge_aggregate source");
        check(dst, nt, "edge_aggregate target");
        long edges = src.size(0);
        int heads = x.size(1);
        int ch = x.size(2);
        if (dx != null) {
            ClBuffer keys = index.sortedKeysOf1d(src, edges, ns, "edge_aggregate source");
            launch("edge_aggregate_dx").arg(edges).arg(ns).arg(heads).arg(ch).arg(nt).arg(meanHeads ? 1 : 0)
                    .mem(keys).view(weight).view(dst).view(dOut).view(dx)
                    .run(new long[] {ns, (long) heads * ch}, null);
        }
        if (dWeight != null) {
            launch("edge_aggregate_dw").arg(edges).arg(heads).arg(ch).arg(ns).arg(nt).arg(meanHeads ? 1 : 0).view(x)
                    .view(src).view(dst).view(dOut).view(dWeight).runElements(edges * heads);
        }
    }
}
