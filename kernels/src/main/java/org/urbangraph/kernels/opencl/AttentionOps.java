package org.urbangraph.kernels.opencl;

import org.urbangraph.kernels.AttentionMask;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.View;

/**
 * Host side of {@code attention.cl}. The head dimension is a compile-time constant (rounded up to a multiple of 32,
 * so any odd size works with one of a few program variants), and the tile length follows from it so that the two
 * staged tiles take 16 KiB of local memory.
 */
final class AttentionOps {

    private static final int BQ = 64;

    private final ClRuntime rt;

    AttentionOps(ClRuntime rt) {
        this.rt = rt;
    }

    private static String options(int d, int dv) {
        int dmax = Math.max(32, (Math.max(d, dv) + 31) / 32 * 32);
        int bk = Math.clamp(2048 / dmax, 4, 64);
        return "-DDMAX=" + dmax + " -DBK=" + bk + " -DBQ=" + BQ;
    }

    private Launch launch(String kernel, int d, int dv) {
        return Launch.of(rt, "attention", options(d, dv), kernel);
    }

    private static Launch masks(Launch l, AttentionMask mask) {
        // bit 0: causal; the bits above: the sliding window (0 = none), unpacked at the top of each kernel
        return l.arg((mask.causal() ? 1 : 0) | mask.window() << 1)
                .optView(mask.keyPadding()).arg(mask.keyPadding() != null ? 1 : 0)
                .optView(mask.querySegments()).optView(mask.keySegments())
                .arg(mask.querySegments() != null ? 1 : 0);
    }

    void forward(View q, View k, View v, AttentionMask mask, float scale, View out, View lse) {
        int b = q.size(0);
        int hq = q.size(1);
        int lq = q.size(2);
        int d = q.size(3);
        int hk = k.size(1);
        int lk = k.size(2);
        int dv = v.size(3);
        if (b == 0 || hq == 0 || lq == 0) {
            return;
        }
        Launch l = launch("attn_fwd", d, dv).arg(hq).arg(hk).arg(lq).arg(lk).arg(d).arg(dv).arg(scale)
                .view(q).view(k).view(v).view(out).optView(lse).arg(lse != null ? 1 : 0);
        masks(l, mask).run(new long[] {(long) groups(lq) * BQ, (long) b * hq}, new long[] {BQ, 1});
    }

    void backward(View q, View k, View v, AttentionMask mask, float scale, View out, View lse, View dOut, View dq,
                  View dk, View dv) {
        int b = q.size(0);
        int hq = q.size(1);
        int lq = q.size(2);
        int d = q.size(3);
        int hk = k.size(1);
        int lk = k.size(2);
        int dvDim = v.size(3);
        if (b == 0 || hq == 0) {
            return;
        }
        View lseView = lse;
        if (lseView == null) {
            ClBuffer tmp = rt.allocate((long) b * hq * lq * 4, false);
            lseView = View.contiguous(tmp, DType.F32, 0, b, hq, lq);
            View o = View.contiguous(rt.allocate((long) b * hq * lq * dvDim * 4, false), DType.F32, 0, b, hq, lq,
                    dvDim);
            forward(q, k, v, mask, scale, o, lseView);
        }
        long rows = (long) b * hq * lq;
        ClBuffer delta = rt.allocate(Math.max(1, rows) * 4, false);
        launch("attn_bwd_delta", d, dvDim).arg(hq).arg(lq).arg(dvDim).view(out).view(dOut).mem(delta).arg(rows)
                .runElements(rows);
        Launch lq1 = launch("attn_bwd_dq", d, dvDim).arg(hq).arg(hk).arg(lq).arg(lk).arg(d).arg(dvDim).arg(scale)
                .view(q).view(k).view(v).view(lseView).mem(delta).view(dOut).view(dq);
        masks(lq1, mask).run(new long[] {(long) groups(lq) * BQ, (long) b * hq}, new long[] {BQ, 1});
        Launch lk1 = launch("attn_bwd_dkdv", d, dvDim).arg(hq).arg(hk).arg(lq).arg(lk).arg(d).arg(dvDim).arg(scale)
                .view(q).view(k).view(v).view(lseView).mem(delta).view(dOut).view(dk).view(dv);
        masks(lk1, mask).run(new long[] {(long) groups(lk) * BQ, (long) b * hk}, new long[] {BQ, 1});
    }

    private static int groups(int rows) {
        return (rows + BQ - 1) / BQ;
    }
}
