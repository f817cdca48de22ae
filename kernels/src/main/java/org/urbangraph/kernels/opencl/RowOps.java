package org.urbangraph.kernels.opencl;

import org.urbangraph.kernels.ReduceOp;
import org.urbangraph.kernels.Strides;
import org.urbangraph.kernels.View;

/**
 * Host side of {@code reduce.cl} and {@code norms.cl}: reductions along a dimension, softmax and the norms, which
 * all give one work group to each row (or output element). A row is addressed by the view with its last dimension
 * dropped (coalesced) plus the stride of that dimension, so non-contiguous inputs need no copy.
 */
final class RowOps {

    private static final int MAX_GROUPS = 65536;

    private final ClRuntime rt;

    RowOps(ClRuntime rt) {
        this.rt = rt;
    }

    /** The leading dimensions of a view, merged where contiguous: element r is the start of row r. */
    static View rows(View v) {
        return ViewDesc.coalesce(Strides.dropDim(v, v.rank() - 1))[0];
    }

    /** A power-of-two group size that suits rows of {@code n} elements. */
    private static long groupSize(Launch l, long n) {
        long cap = Math.min(256, Long.highestOneBit(l.maxLocalSize()));
        long g = 1;
        while (g < n && g < cap) {
            g <<= 1;
        }
        return g;
    }

    private static void runRows(Launch l, long rows, long n) {
        if (rows <= 0) {
            return;
        }
        long local = groupSize(l, n);
        long groups = Math.min(rows, MAX_GROUPS);
        l.run(new long[] {groups * local}, new long[] {local});
    }

    void reduce(ReduceOp op, View x, int dim, View out) {
        int d = Strides.normDim(dim, x.rank());
        int n = x.shape()[d];
        View[] outer = ViewDesc.coalesce(Strides.dropDim(x, d), Strides.dropDim(out, d));
        long count = outer[0].numel();
        boolean exactLong = x.dtype().isIntegral() && op != ReduceOp.MEAN && op != ReduceOp.LOGSUMEXP;
        String kernel = exactLong ? "rd_reduce_long" : switch (op) {
            case SUM, MEAN, SUM_SQUARES -> "rd_sum";
            case MAX, MIN -> "rd_extreme";
            case ARGMAX, ARGMIN -> "rd_arg";
            case LOGSUMEXP -> "rd_logsumexp";
        };
        Launch l = Launch.of(rt, "reduce", "", kernel)
                .arg(ClTypes.code(op)).arg(n).arg(count).arg(x.strides()[d]).view(outer[0]).view(outer[1]);
        runRows(l, count, n);
    }

    void softmax(View x, View out, boolean log) {
        int n = x.size(-1);
        View xr = rows(x);
        Launch l = Launch.of(rt, "reduce", "", "rd_softmax").arg(n).arg(xr.numel()).view(xr).arg(x.stride(-1))
                .view(rows(out)).arg(out.stride(-1)).arg(log ? 1 : 0);
        runRows(l, n == 0 ? 0 : xr.numel(), n);
    }

    void softmaxBackward(View y, View dy, View dx, boolean log) {
        int n = y.size(-1);
        View yr = rows(y);
        Launch l = Launch.of(rt, "reduce", "", "rd_softmax_backward").arg(n).arg(yr.numel()).view(yr)
                .arg(y.stride(-1)).view(rows(dy)).arg(dy.stride(-1)).view(rows(dx)).arg(dx.stride(-1))
                .arg(log ? 1 : 0);
        runRows(l, n == 0 ? 0 : yr.numel(), n);
    }

    void layerNorm(View x, View weight, View bias, float eps, View out, View mean, View rstd) {
        int n = x.size(-1);
        View xr = rows(x);
        Launch l = Launch.of(rt, "norms", "", "nm_layernorm").arg(n).arg(xr.numel()).view(xr).arg(x.stride(-1))
                .optView(weight).arg(weight != null ? 1 : 0).optView(bias).arg(bias != null ? 1 : 0).arg(eps)
                .view(rows(out)).arg(out.stride(-1)).optView(flat(mean)).arg(mean != null ? 1 : 0)
                .optView(flat(rstd)).arg(rstd != null ? 1 : 0);
        runRows(l, n == 0 ? 0 : xr.numel(), n);
    }

    void layerNormBackward(View x, View weight, View mean, View rstd, View dy, View dx, View dWeight, View dBias) {
        int n = x.size(-1);
        View xr = rows(x);
        long rows = n == 0 ? 0 : xr.numel();
        Launch l = Launch.of(rt, "norms", "", "nm_layernorm_dx").arg(n).arg(xr.numel()).view(xr).arg(x.stride(-1))
                .optView(weight).arg(weight != null ? 1 : 0).view(flat(mean)).view(flat(rstd)).view(rows(dy))
                .arg(dy.stride(-1)).view(rows(dx)).arg(dx.stride(-1));
        runRows(l, rows, n);
        normParamGrads(x, mean, rstd, dy, dWeight, dBias);
    }

    void rmsNorm(View x, View weight, float eps, View out, View rstd) {
        int n = x.size(-1);
        View xr = rows(x);
        Launch l = Launch.of(rt, "norms", "", "nm_rmsnorm").arg(n).arg(xr.numel()).view(xr).arg(x.stride(-1))
                .optView(weight).arg(weight != null ? 1 : 0).arg(eps).view(rows(out)).arg(out.stride(-1))
                .optView(flat(rstd)).arg(rstd != null ? 1 : 0);
        runRows(l, n == 0 ? 0 : xr.numel(), n);
    }

    void rmsNormBackward(View x, View weight, View rstd, View dy, View dx, View dWeight) {
        int n = x.size(-1);
        View xr = rows(x);
        Launch l = Launch.of(rt, "norms", "", "nm_rmsnorm_dx").arg(n).arg(xr.numel()).view(xr).arg(x.stride(-1))
                .optView(weight).arg(weight != null ? 1 : 0).view(flat(rstd)).view(rows(dy)).arg(dy.stride(-1))
                .view(rows(dx)).arg(dx.stride(-1));
        runRows(l, n == 0 ? 0 : xr.numel(), n);
        normParamGrads(x, null, rstd, dy, dWeight, null);
    }

    /** dWeight / dBias accumulation: one group per column, summing over all rows in order. */
    private void normParamGrads(View x, View mean, View rstd, View dy, View dWeight, View dBias) {
        if (dWeight == null && dBias == null) {
            return;
        }
        int n = x.size(-1);
        View xr = rows(x);
        long rows = xr.numel();
        Launch l = Launch.of(rt, "norms", "", "nm_norm_dwb").arg(n).arg(rows).view(xr).arg(x.stride(-1))
                .optView(flat(mean)).arg(mean != null ? 1 : 0).view(flat(rstd)).view(rows(dy)).arg(dy.stride(-1))
                .optView(dWeight).arg(dWeight != null ? 1 : 0).optView(dBias).arg(dBias != null ? 1 : 0);
        runRows(l, n, rows);
    }

    /** Statistics views ([rows] in any leading shape) addressed by row index. */
    private static View flat(View v) {
        return v == null ? null : ViewDesc.coalesce(v)[0];
    }
}
