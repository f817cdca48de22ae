package org.urbangraph.kernels.opencl;

import org.urbangraph.kernels.BinaryOp;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.UnaryOp;
import org.urbangraph.kernels.View;

/**
 * Host side of {@code elementwise.cl}: copy/cast, fill, unary and binary maps, where, rotary embeddings, random fills
 * and AdamW. Views of one shape are coalesced first, so the kernels mostly walk rank-1 views.
 */
final class ElementwiseOps {

    private static final String PROGRAM = "elementwise";

    private final ClRuntime rt;
    private final String options;

    ElementwiseOps(ClRuntime rt) {
        this.rt = rt;
        // AdamW and division match the CPU bits only where the device rounds / and sqrt correctly
        this.options = rt.correctlyRoundedDivideSqrt() ? "-cl-fp32-correctly-rounded-divide-sqrt" : "";
    }

    private Launch launch(String kernel) {
        return Launch.of(rt, PROGRAM, options, kernel);
    }

    /** The 8-bit float types are read-only here, as on the host (HostAccess refuses to write them). */
    private static View writable(View out) {
        if (out.dtype() == DType.F8_E4M3 || out.dtype() == DType.F8_E5M2) {
            throw new UnsupportedOperationException("writing " + out.dtype() + " is not supported: " + out);
        }
        return out;
    }

    void copy(View src, View out) {
        long n = writable(out).numel();
        if (n == 0) {
            return;
        }
        if (src.dtype() == out.dtype() && src.isContiguous() && out.isContiguous()) {
            long size = src.dtype().size();
            rt.copyBuffer(rt.bufferOf(src, "copy"), src.offset() * size, rt.bufferOf(out, "copy"), out.offset() * size,
                    n * size);
            return;
        }
        View[] c = ViewDesc.coalesce(src, out);
        launch("ew_copy").arg(n).view(c[0]).view(c[1]).runElements(n);
    }

    void fill(View out, double value) {
        long n = writable(out).numel();
        View[] c = ViewDesc.coalesce(out);
        long lv = out.dtype() == DType.BOOL ? (value != 0 ? 1 : 0) : (long) value;
        launch("ew_fill").arg(n).view(c[0]).arg((float) value).arg(lv).arg(Double.doubleToRawLongBits(value))
                .runElements(n);
    }

    void unary(UnaryOp op, View x, View out, float alpha, float beta) {
        long n = writable(out).numel();
        View[] c = ViewDesc.coalesce(x, out);
        launch("ew_unary").arg(ClTypes.code(op)).arg(n).view(c[0]).view(c[1]).arg(alpha).arg(beta).runElements(n);
    }

    void binary(BinaryOp op, View a, View b, View out) {
        long n = writable(out).numel();
        View[] c = ViewDesc.coalesce(a, b, out);
        boolean checked = op == BinaryOp.DIV && a.dtype().isIntegral() && b.dtype().isIntegral();
        int code = checked ? rt.errors().register(pos -> new ArithmeticException(
                "integer division by zero at element " + pos + " of " + a + " / " + b)) : 0;
        launch("ew_binary").arg(ClTypes.code(op)).arg(n).view(c[0]).view(c[1]).view(c[2]).errors(code).runElements(n);
        if (checked) {
            rt.errors().launched();
        }
    }

    void where(View cond, View a, View b, View out) {
        long n = writable(out).numel();
        View[] c = ViewDesc.coalesce(cond, a, b, out);
        launch("ew_where").arg(n).view(c[0]).view(c[1]).view(c[2]).view(c[3]).runElements(n);
    }

    void rotary(View x, View cos, View sin, View out, boolean inverse) {
        long n = out.numel();
        launch("ew_rotary").arg(n).view(x).view(cos).view(sin).view(out).arg(inverse ? 1 : 0).runElements(n);
    }

    void random(View out, long seed, boolean normal) {
        long n = writable(out).numel();
        View[] c = ViewDesc.coalesce(out);
        launch("ew_random").arg(n).view(c[0]).arg(seed).arg(normal ? 1 : 0).runElements(n);
    }

    void adamw(View param, View grad, View m, View v, float lr, float beta1, float beta2, float eps,
               float weightDecay, float bc1, float bc2) {
        for (View t : new View[] {param, grad, m, v}) {
            if (t.dtype() != DType.F32) {
                throw new IllegalArgumentException("adamw needs F32 tensors, got " + t);
            }
        }
        long n = param.numel();
        View[] c = ViewDesc.coalesce(param, grad, m, v);
        float decay = 1f - lr * weightDecay;
        float stepSize = lr / bc1;
        float bc2Sqrt = (float) Math.sqrt(bc2);
        launch("ew_adamw").arg(n).view(c[0]).view(c[1]).view(c[2]).view(c[3]).arg(decay).arg(stepSize).arg(beta1)
                .arg(beta2).arg(bc2Sqrt).arg(eps).runElements(n);
    }
}
