package org.urbangraph.tensor;

import java.util.Arrays;
import org.urbangraph.kernels.Backend;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.View;

/**
 * Matrix products. {@code matmul} follows torch.matmul for rank >= 2 operands (batch dimensions broadcast); a 2-D
 * right operand (a weight) is multiplied as one large GEMM over all rows of the left operand. The right operand may
 * be BF16/F16: the kernel widens it while packing, so weights are never copied to F32.
 */
public final class LinAlg {
    private LinAlg() {}

    /** A weight with at most 1/16 as many inputs as outputs gets its gradient through x^T @ g (see {@link #linear}). */
    private static final int NARROW_WEIGHT = 16;

    public static Tensor matmul(Tensor a, Tensor b) {
        if (a.rank() < 2 || b.rank() < 2) {
            throw new IllegalArgumentException("matmul needs operands of rank >= 2, got " + Arrays.toString(a.shape())
                    + " and " + Arrays.toString(b.shape()));
        }
        int k = a.size(-1);
        if (b.size(-2) != k) {
            throw new IllegalArgumentException("matmul of " + Arrays.toString(a.shape()) + " and "
                    + Arrays.toString(b.shape()) + ": inner dimensions " + k + " and " + b.size(-2) + " differ"
                    + (b.name() != null ? " (weight " + b.name() + ")" : ""));
        }
        Tensor out = b.rank() == 2 ? matmulWeight(a, b) : matmulBatched(a, b);
        return Autograd.record(out, "matmul", g -> new Tensor[] {
            a.requiresGrad() ? Pointwise.sumTo(matmulNoGradBroadcast(g, b.mT()), a.shape()) : null,
            b.requiresGrad() ? weightGrad(a, g, b) : null}, a, b).saving(a.requiresGrad() ? b : null,
                b.requiresGrad() ? a : null);
    }

    /**
     * {@code x [..., in] @ weight^T + bias} for a weight [out, in] in its stored dtype (the bias may be null): one GEMM
     * whose output starts as the broadcast bias, so no separate add pass over the output. The backward gives
     * {@code dx = g @ weight}, the weight's gradient as {@code g^T @ x} directly in the weight's own [out, in] layout
     * (through {@code matmul(x, weight.mT())} it came out transposed, and accumulating it cost a strided copy), and
     * the bias's as column sums of g.
     */
    static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        if (weight.rank() != 2 || x.rank() < 1 || x.size(-1) != weight.size(1)) {
            throw new IllegalArgumentException("linear of " + Arrays.toString(x.shape()) + " with a weight of shape "
                    + Arrays.toString(weight.shape()) + (weight.name() != null ? " (" + weight.name() + ")" : "")
                    + ": expected a weight [out, " + x.size(-1) + "]");
        }
        int in = weight.size(1);
        int out = weight.size(0);
        if (bias != null && (bias.rank() != 1 || bias.size(0) != out)) {
            throw new IllegalArgumentException("linear: bias of shape " + Arrays.toString(bias.shape())
                    + " for a weight of shape " + Arrays.toString(weight.shape()) + ", expected [" + out + "]");
        }
        int rows = (int) (x.numel() / Math.max(1, in));
        int[] shape = x.shape();
        shape[shape.length - 1] = out;
        Tensor y;
        try (NoGrad g = NoGrad.enter()) {
            Backend be = Pointwise.sameBackend(x, weight);
            DType ct = Pointwise.floatType(x, weight, bias);
            Tensor x2 = foldRows(x.dtype() == ct ? x : x.to(ct), rows, in);
            Tensor c = Tensor.empty(be, ct, 1, rows, out);
            if (bias != null) {
                Pointwise.sameBackend(x, bias);
                be.copy(Pointwise.broadcastView(bias, c.shape()), c.view());
            }
            be.gemm(unitStride(x2).unsqueeze(0).view(), unitStride(weight.mT()).unsqueeze(0).view(), c.view(), 1f,
                    bias != null ? 1f : 0f);
            y = c.view(shape);
        }
        return Autograd.record(y, "linear", g -> {
            Tensor dx = x.requiresGrad() ? matmulWeight(g, weight) : null;
            Tensor dw = weight.requiresGrad() ? linearWeightGrad(foldRows(g, rows, out), x, rows, in, out) : null;
            Tensor db = bias != null && bias.requiresGrad() ? Pointwise.sumTo(g, bias.shape()) : null;
            return new Tensor[] {dx, dw, db};
        }, x, weight, bias).saving(x.requiresGrad() ? weight : null, weight.requiresGrad() ? x : null);
    }

    /** The gradient [out, in] of a linear weight from the output gradient g2 [rows, out] and the input x. */
    private static Tensor linearWeightGrad(Tensor g2, Tensor x, int rows, int in, int out) {
        Tensor x2 = foldRows(x.dtype().isFloat() ? x : x.to(DType.F32), rows, in);
        if ((long) in * NARROW_WEIGHT <= out) {
            // a weight with few inputs (lin_edge: 64 -> 6144): g^T @ x would pack all of g transposed, while
            // x^T @ g packs the narrow x, and its small [in, out] result is cheap to transpose
            return gemm(x2.mT().unsqueeze(0), g2.unsqueeze(0), 1, in, out).view(in, out).mT().contiguous();
        }
        return gemm(g2.mT().unsqueeze(0), x2.unsqueeze(0), 1, out, in).view(out, in);
    }

    /**
     * A linear layer with a low-rank update, LoRA's {@code x @ W^T + bias + scaling * (xd @ A^T) @ B^T} for a weight
     * [out, in], A [r, in] and B [out, r] ({@code xd} is x after LoRA's dropout, or x itself). The update is added by
     * the GEMM into the base output (no [rows, out] update tensor and no add pass), scaling is applied to the
     * [rows, r] activation, and in the backward the update's input gradient is accumulated into the base's when
     * {@code xd} is x. Equal to the composition up to rounding (exactly, for a power-of-two scaling).
     */
    static Tensor loraLinear(Tensor x, Tensor xd, Tensor weight, Tensor bias, Tensor a, Tensor b, double scaling) {
        int in = weight.size(1);
        int out = weight.size(0);
        int r = a.size(0);
        if (a.rank() != 2 || a.size(1) != in || b.rank() != 2 || b.size(0) != out || b.size(1) != r) {
            throw new IllegalArgumentException("lora_linear: lora_A " + Arrays.toString(a.shape()) + " and lora_B "
                    + Arrays.toString(b.shape()) + " for a weight of shape " + Arrays.toString(weight.shape())
                    + ": expected [r, " + in + "] and [" + out + ", r]");
        }
        if (!Arrays.equals(x.shape(), xd.shape())) {
            throw new IllegalArgumentException("lora_linear: the LoRA input " + Arrays.toString(xd.shape())
                    + " differs from the input " + Arrays.toString(x.shape()));
        }
        boolean same = xd == x;
        int rows = (int) (x.numel() / Math.max(1, in));
        Tensor y;
        Tensor scaledDown;
        try (NoGrad g = NoGrad.enter()) {
            y = linear(x, weight, bias);
            DType ct = Pointwise.floatType(x, weight, bias);
            Tensor xd2 = foldRows(xd.dtype() == ct ? xd : xd.to(ct), rows, in);
            scaledDown = gemm(xd2.unsqueeze(0), a.mT().unsqueeze(0), 1, rows, r).view(rows, r).mul(scaling);
            Tensor c = y.view(1, rows, out);
            y.backend().gemm(unitStride(scaledDown).unsqueeze(0).view(), unitStride(b.mT()).unsqueeze(0).view(),
                    c.view(), 1f, 1f);
        }
        return Autograd.record(y, "lora_linear", g -> {
            Tensor g2 = foldRows(g, rows, out);
            // the gradient at the scaled [rows, r] activation, then at the unscaled one
            Tensor gDown = matmulWeight(g2, b).mul(scaling);
            Tensor dx = null;
            if (x.requiresGrad() || (same && xd.requiresGrad())) {
                Tensor dx2 = gemm(g2.unsqueeze(0), weight.unsqueeze(0), 1, rows, in);
                if (same) {
                    dx2.backend().gemm(unitStride(gDown).unsqueeze(0).view(), unitStride(a).unsqueeze(0).view(),
                            dx2.view(), 1f, 1f);
                }
                dx = dx2.view(x.shape());
            }
            Tensor dxd = !same && xd.requiresGrad() ? matmulWeight(gDown, a).view(xd.shape()) : null;
            Tensor dw = weight.requiresGrad() ? linearWeightGrad(g2, x, rows, in, out) : null;
            Tensor db = bias != null && bias.requiresGrad() ? Pointwise.sumTo(g, bias.shape()) : null;
            Tensor xd2 = foldRows(xd.dtype().isFloat() ? xd : xd.to(DType.F32), rows, in);
            Tensor da = a.requiresGrad() ? gemm(gDown.mT().unsqueeze(0), xd2.unsqueeze(0), 1, r, in).view(r, in) : null;
            Tensor dbB = b.requiresGrad() ? gemm(g2.mT().unsqueeze(0), scaledDown.unsqueeze(0), 1, out, r).view(out, r)
                    : null;
            return new Tensor[] {dx, same ? null : dxd, dw, db, da, dbB};
        }, x, xd, weight, bias, a, b).saving(x, xd, weight, a, b);
    }

    /** x [..., M, K] @ w [K, N]: the leading dims fold into rows. */
    private static Tensor matmulWeight(Tensor a, Tensor w) {
        int[] as = a.shape();
        int k = as[as.length - 1];
        int n = w.size(1);
        int rows = (int) (a.numel() / Math.max(1, k));
        Tensor a2 = a.rank() == 2 ? a : foldRows(a, rows, k);
        Tensor out = gemm(a2.unsqueeze(0), w.unsqueeze(0), 1, rows, n);
        int[] os = as.clone();
        os[os.length - 1] = n;
        return out.view(os);
    }

    /** A [..., K] tensor viewed as [rows, K] when the layout allows, else copied. */
    private static Tensor foldRows(Tensor a, int rows, int k) {
        long[] st = Layout.viewStrides(a, new int[] {rows, k});
        Tensor t = st != null ? a : a.contiguous();
        try (NoGrad g = NoGrad.enter()) {
            return t.view(rows, k);
        }
    }

    private static Tensor matmulBatched(Tensor a, Tensor b) {
        int[] as = a.shape();
        int[] bs = b.shape();
        int m = as[as.length - 2];
        int n = bs[bs.length - 1];
        int k = as[as.length - 1];
        int[] batchA = Arrays.copyOf(as, as.length - 2);
        int[] batchB = Arrays.copyOf(bs, bs.length - 2);
        int[] batch = Shapes.broadcast(batchA, batchB);
        int nb = (int) Shapes.numel(batch);
        Tensor a3 = fold3(a, batch, m, k, nb);
        Tensor b3 = fold3(b, batch, k, n, nb);
        Tensor out = gemm(a3, b3, nb, m, n);
        int[] os = Arrays.copyOf(batch, batch.length + 2);
        os[batch.length] = m;
        os[batch.length + 1] = n;
        return out.view(os);
    }

    /** Broadcasts t to [batch..., r, c] and folds the batch dims into one (a copy only if they cannot fold). */
    private static Tensor fold3(Tensor t, int[] batch, int r, int c, int nb) {
        int[] full = Arrays.copyOf(batch, batch.length + 2);
        full[batch.length] = r;
        full[batch.length + 1] = c;
        View v = Pointwise.broadcastView(t, full);
        long[] st = v.strides();
        // can the batch dims be described by one stride?
        long bstride = 0;
        boolean ok = true;
        boolean first = true;
        for (int i = batch.length - 1; i >= 0; i--) {
            if (batch[i] == 1) {
                continue;
            }
            if (first) {
                bstride = st[i];
                first = false;
            } else {
                long expect = bstride * productAfter(batch, i);
                if (st[i] != expect && !(st[i] == 0 && bstride == 0)) {
                    ok = false;
                }
            }
        }
        boolean unitInner = st[full.length - 1] == 1 || st[full.length - 2] == 1;
        if (ok && unitInner) {
            return t.viewAs(new int[] {nb, r, c}, new long[] {bstride, st[full.length - 2], st[full.length - 1]},
                    t.offset());
        }
        Tensor c3 = Tensor.empty(t.backend(), t.dtype(), full);
        t.backend().copy(v, c3.view());
        return c3.viewAs(new int[] {nb, r, c}, new long[] {(long) r * c, c, 1}, 0);
    }

    private static long productAfter(int[] batch, int i) {
        long p = 1;
        for (int j = i + 1; j < batch.length; j++) {
            if (batch[j] != 1) {
                p *= batch[j];
            }
        }
        return p;
    }

    /** c [nb, m, n] = a3 @ b3, with operands that have a unit stride in a matrix dimension. */
    private static Tensor gemm(Tensor a3, Tensor b3, int nb, int m, int n) {
        Backend be = Pointwise.sameBackend(a3, b3);
        DType ct = Pointwise.floatType(a3, b3);
        Tensor a = unitStride(a3.dtype() == ct ? a3 : a3.to(ct));
        Tensor b = unitStride(b3);
        Tensor c = Tensor.empty(be, ct, nb, m, n);
        be.gemm(a.view(), b.view(), c.view(), 1f, 0f);
        return c;
    }

    private static Tensor unitStride(Tensor t) {
        long[] st = t.strides();
        int r = st.length;
        return st[r - 1] == 1 || st[r - 2] == 1 ? t : t.contiguous();
    }

    /** Gradient w.r.t. a: g @ b^T, computed without recording. */
    private static Tensor matmulNoGradBroadcast(Tensor g, Tensor bT) {
        return bT.rank() == 2 ? matmulWeight(g, bT) : matmulBatched(g, bT);
    }

    /** Gradient w.r.t. b: a^T @ g, summed over broadcast batch dims; for a 2-D weight one GEMM over all rows. */
    private static Tensor weightGrad(Tensor a, Tensor g, Tensor b) {
        if (b.rank() == 2) {
            int k = a.size(-1);
            int n = g.size(-1);
            int rows = (int) (a.numel() / Math.max(1, k));
            Tensor a2 = foldRows(a.dtype().isFloat() ? a : a.to(DType.F32), rows, k);
            Tensor g2 = foldRows(g, rows, n);
            return gemm(a2.mT().unsqueeze(0), g2.unsqueeze(0), 1, k, n).view(k, n);
        }
        return Pointwise.sumTo(matmulBatched(a.mT(), g), b.shape());
    }
}
