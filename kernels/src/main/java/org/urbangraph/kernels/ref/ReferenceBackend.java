package org.urbangraph.kernels.ref;

import java.lang.foreign.MemorySegment;
import org.urbangraph.kernels.AttentionMask;
import org.urbangraph.kernels.Backend;
import org.urbangraph.kernels.BinaryOp;
import org.urbangraph.kernels.Buffer;
import org.urbangraph.kernels.CounterRng;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.HostAccess;
import org.urbangraph.kernels.HostBuffer;
import org.urbangraph.kernels.ReduceOp;
import org.urbangraph.kernels.Strides;
import org.urbangraph.kernels.UnaryOp;
import org.urbangraph.kernels.View;

/**
 * The plain reference: every kernel as a direct loop over strided views, accumulating in double. It is the
 * yardstick that the fast CPU and OpenCL kernels are tested against, and a working (slow) backend in its own
 * right ({@code -Dug.backend=reference}). It must stay obviously correct: no tiling, no threads, no tricks.
 *
 * <p>This file is long because it holds one small method per kernel of {@link Backend}; the loops of the
 * heavier kernels (attention, norms, graph attention) live in {@link RefAttention}, {@link RefNorms} and
 * {@link RefGraph}.
 */
public final class ReferenceBackend implements Backend {

    public static final ReferenceBackend INSTANCE = new ReferenceBackend();

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public boolean owns(Buffer buffer) {
        return buffer instanceof HostBuffer;
    }

    @Override
    public Buffer allocate(DType dtype, long elements) {
        return HostBuffer.allocate(dtype, elements);
    }

    @Override
    public Buffer upload(MemorySegment host, boolean mayAlias) {
        if (mayAlias) {
            return new HostBuffer(host);
        }
        MemorySegment copy = MemorySegment.ofArray(new byte[Math.toIntExact(host.byteSize())]);
        copy.copyFrom(host);
        return new HostBuffer(copy);
    }

    @Override
    public void toHost(Buffer src, long srcByteOffset, MemorySegment dst) {
        MemorySegment.copy(seg(src), srcByteOffset, dst, 0, dst.byteSize());
    }

    static MemorySegment seg(Buffer b) {
        return ((HostBuffer) b).segment();
    }

    static double get(View v, long linear) {
        return HostAccess.get(seg(v.buffer()), v.dtype(), Strides.offsetOf(v, linear));
    }

    static long getLong(View v, long linear) {
        return HostAccess.getLong(seg(v.buffer()), v.dtype(), Strides.offsetOf(v, linear));
    }

    static void set(View v, long linear, double value) {
        HostAccess.set(seg(v.buffer()), v.dtype(), Strides.offsetOf(v, linear), value);
    }

    static void setLong(View v, long linear, long value) {
        HostAccess.setLong(seg(v.buffer()), v.dtype(), Strides.offsetOf(v, linear), value);
    }

    // ---- layout and element-wise ----------------------------------------------------------------------------

    @Override
    public void copy(View src, View out) {
        long n = out.numel();
        boolean integral = src.dtype().isIntegral() && out.dtype().isIntegral();
        for (long i = 0; i < n; i++) {
            if (integral) {
                setLong(out, i, getLong(src, i));
            } else {
                set(out, i, get(src, i));
            }
        }
    }

    @Override
    public void fill(View out, double value) {
        long n = out.numel();
        for (long i = 0; i < n; i++) {
            set(out, i, value);
        }
    }

    @Override
    public void unary(UnaryOp op, View x, View out, float alpha, float beta) {
        long n = out.numel();
        for (long i = 0; i < n; i++) {
            set(out, i, RefMath.unary(op, get(x, i), alpha, beta));
        }
    }

    @Override
    public void binary(BinaryOp op, View a, View b, View out) {
        long n = out.numel();
        boolean integral = a.dtype().isIntegral() && b.dtype().isIntegral();
        for (long i = 0; i < n; i++) {
            if (integral) {
                long r = RefMath.binaryLong(op, getLong(a, i), getLong(b, i));
                setLong(out, i, r);
            } else {
                set(out, i, RefMath.binary(op, get(a, i), get(b, i)));
            }
        }
    }

    @Override
    public void where(View cond, View a, View b, View out) {
        long n = out.numel();
        boolean integral = a.dtype().isIntegral() && b.dtype().isIntegral() && out.dtype().isIntegral();
        for (long i = 0; i < n; i++) {
            boolean c = get(cond, i) != 0;
            if (integral) {
                setLong(out, i, c ? getLong(a, i) : getLong(b, i));
            } else {
                set(out, i, c ? get(a, i) : get(b, i));
            }
        }
    }

    // ---- reductions -----------------------------------------------------------------------------------------

    @Override
    public void reduce(ReduceOp op, View x, int dim, View out) {
        int d = Strides.normDim(dim, x.rank());
        View xs = Strides.dropDim(x, d);
        View os = Strides.dropDim(out, d);
        int n = x.shape()[d];
        long stride = x.strides()[d];
        long outer = os.numel();
        MemorySegment s = seg(x.buffer());
        if (x.dtype().isIntegral() && op != ReduceOp.MEAN && op != ReduceOp.LOGSUMEXP) {
            reduceLong(op, x, s, n, stride, xs, os);
            return;
        }
        for (long o = 0; o < outer; o++) {
            long base = Strides.offsetOf(xs, o);
            double acc;
            long arg = 0;
            switch (op) {
                case SUM, MEAN, SUM_SQUARES -> {
                    acc = 0;
                    for (int j = 0; j < n; j++) {
                        double v = HostAccess.get(s, x.dtype(), base + j * stride);
                        acc += op == ReduceOp.SUM_SQUARES ? v * v : v;
                    }
                    if (op == ReduceOp.MEAN) {
                        acc /= n;
                    }
                }
                case MAX, ARGMAX, MIN, ARGMIN -> {
                    boolean max = op == ReduceOp.MAX || op == ReduceOp.ARGMAX;
                    acc = max ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
                    for (int j = 0; j < n; j++) {
                        double v = HostAccess.get(s, x.dtype(), base + j * stride);
                        if (Double.isNaN(v)) {
                            acc = v;
                            arg = j;
                            break;
                        }
                        if (max ? v > acc : v < acc) {
                            acc = v;
                            arg = j;
                        }
                    }
                }
                case LOGSUMEXP -> {
                    double m = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < n; j++) {
                        m = Math.max(m, HostAccess.get(s, x.dtype(), base + j * stride));
                    }
                    if (Double.isInfinite(m)) {
                        acc = m;
                    } else {
                        double sum = 0;
                        for (int j = 0; j < n; j++) {
                            sum += Math.exp(HostAccess.get(s, x.dtype(), base + j * stride) - m);
                        }
                        acc = m + Math.log(sum);
                    }
                }
                default -> throw new IllegalArgumentException("unknown reduction " + op);
            }
            if (op == ReduceOp.ARGMAX || op == ReduceOp.ARGMIN) {
                setLong(os, o, arg);
            } else {
                set(os, o, acc);
            }
        }
    }

    /** Integer reductions in a long, exact beyond the 2^53 of a double (sums wrap on overflow, as in PyTorch). */
    private static void reduceLong(ReduceOp op, View x, MemorySegment s, int n, long stride, View xs, View os) {
        boolean arg = op == ReduceOp.ARGMAX || op == ReduceOp.ARGMIN;
        boolean max = op == ReduceOp.MAX || op == ReduceOp.ARGMAX;
        for (long o = 0; o < os.numel(); o++) {
            long base = Strides.offsetOf(xs, o);
            if (op == ReduceOp.SUM || op == ReduceOp.SUM_SQUARES) {
                long acc = 0;
                for (int j = 0; j < n; j++) {
                    long v = HostAccess.getLong(s, x.dtype(), base + j * stride);
                    acc += op == ReduceOp.SUM_SQUARES ? v * v : v;
                }
                setLong(os, o, acc);
            } else if (n == 0) {
                if (arg) {
                    setLong(os, o, 0);
                } else {
                    set(os, o, max ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
                }
            } else {
                long best = HostAccess.getLong(s, x.dtype(), base);
                long at = 0;
                for (int j = 1; j < n; j++) {
                    long v = HostAccess.getLong(s, x.dtype(), base + j * stride);
                    if (max ? v > best : v < best) {
                        best = v;
                        at = j;
                    }
                }
                setLong(os, o, arg ? at : best);
            }
        }
    }

    @Override
    public void softmax(View x, View out, boolean log) {
        RefNorms.softmax(x, out, log);
    }

    @Override
    public void softmaxBackward(View y, View dy, View dx, boolean log) {
        RefNorms.softmaxBackward(y, dy, dx, log);
    }

    @Override
    public void layerNorm(View x, View weight, View bias, float eps, View out, View mean, View rstd) {
        RefNorms.layerNorm(x, weight, bias, eps, out, mean, rstd);
    }

    @Override
    public void layerNormBackward(View x, View weight, View mean, View rstd, View dy, View dx, View dWeight,
                                  View dBias) {
        RefNorms.layerNormBackward(x, weight, mean, rstd, dy, dx, dWeight, dBias);
    }

    @Override
    public void rmsNorm(View x, View weight, float eps, View out, View rstd) {
        RefNorms.rmsNorm(x, weight, eps, out, rstd);
    }

    @Override
    public void rmsNormBackward(View x, View weight, View rstd, View dy, View dx, View dWeight) {
        RefNorms.rmsNormBackward(x, weight, rstd, dy, dx, dWeight);
    }

    // ---- matrix products ------------------------------------------------------------------------------------

    @Override
    public void gemm(View a, View b, View c, float alpha, float beta) {
        int batch = c.shape()[0];
        int m = c.shape()[1];
        int n = c.shape()[2];
        int k = a.shape()[2];
        MemorySegment sa = seg(a.buffer());
        MemorySegment sb = seg(b.buffer());
        MemorySegment sc = seg(c.buffer());
        for (int p = 0; p < batch; p++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double acc = 0;
                    for (int q = 0; q < k; q++) {
                        double av = HostAccess.get(sa, a.dtype(),
                                a.offset() + p * a.strides()[0] + i * a.strides()[1] + q * a.strides()[2]);
                        double bv = HostAccess.get(sb, b.dtype(),
                                b.offset() + p * b.strides()[0] + q * b.strides()[1] + j * b.strides()[2]);
                        acc += av * bv;
                    }
                    long co = c.offset() + p * c.strides()[0] + i * c.strides()[1] + j * c.strides()[2];
                    double r = alpha * acc;
                    if (beta != 0) {
                        r += beta * HostAccess.get(sc, c.dtype(), co);
                    }
                    HostAccess.set(sc, c.dtype(), co, r);
                }
            }
        }
    }

    // ---- attention and rotary -------------------------------------------------------------------------------

    @Override
    public void attention(View q, View k, View v, AttentionMask mask, float scale, View out, View lse) {
        RefAttention.forward(q, k, v, mask, scale, out, lse);
    }

    @Override
    public void attentionBackward(View q, View k, View v, AttentionMask mask, float scale, View out, View lse,
                                  View dOut, View dq, View dk, View dv) {
        RefAttention.backward(q, k, v, mask, scale, out, dOut, dq, dk, dv);
    }

    @Override
    public void rotary(View x, View cos, View sin, View out, boolean inverse) {
        int[] s = x.shape();
        int batch = s[0];
        int heads = s[1];
        int len = s[2];
        int dim = s[3];
        int half = dim / 2;
        double sign = inverse ? -1 : 1;
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int l = 0; l < len; l++) {
                    for (int d = 0; d < dim; d++) {
                        double xv = at4(x, b, h, l, d);
                        double rot = d < half ? -at4(x, b, h, l, d + half) : at4(x, b, h, l, d - half);
                        double c = at3(cos, b, l, d);
                        double sn = at3(sin, b, l, d);
                        put4(out, b, h, l, d, xv * c + sign * rot * sn);
                    }
                }
            }
        }
    }

    static double at4(View v, int a, int b, int c, int d) {
        long[] st = v.strides();
        return HostAccess.get(seg(v.buffer()), v.dtype(), v.offset() + a * st[0] + b * st[1] + c * st[2] + d * st[3]);
    }

    static void put4(View v, int a, int b, int c, int d, double value) {
        long[] st = v.strides();
        HostAccess.set(seg(v.buffer()), v.dtype(), v.offset() + a * st[0] + b * st[1] + c * st[2] + d * st[3], value);
    }

    static double at3(View v, int a, int b, int c) {
        long[] st = v.strides();
        return HostAccess.get(seg(v.buffer()), v.dtype(), v.offset() + a * st[0] + b * st[1] + c * st[2]);
    }

    // ---- indexing -------------------------------------------------------------------------------------------

    @Override
    public void indexSelect(View x, int dim, View index, View out) {
        RefIndexing.indexSelect(x, dim, index, out);
    }

    @Override
    public void indexAdd(View dst, int dim, View index, View src) {
        RefIndexing.indexAdd(dst, dim, index, src);
    }

    @Override
    public void gather(View x, int dim, View index, View out) {
        RefIndexing.gather(x, dim, index, out);
    }

    @Override
    public void scatterAdd(View dst, int dim, View index, View src) {
        RefIndexing.scatterAdd(dst, dim, index, src);
    }

    @Override
    public void segmentSoftmax(View x, View segment, int segments, float eps, View out) {
        RefIndexing.segmentSoftmax(x, segment, segments, eps, out);
    }

    @Override
    public void segmentSoftmaxBackward(View y, View dy, View segment, int segments, View dx) {
        RefIndexing.segmentSoftmaxBackward(y, dy, segment, segments, dx);
    }

    // ---- graph attention ------------------------------------------------------------------------------------

    @Override
    public void gatv2Logits(View xl, View xr, View p, View src, View dst, View att, float negativeSlope, View logits) {
        RefGraph.gatv2Logits(xl, xr, p, src, dst, att, negativeSlope, logits);
    }

    @Override
    public void gatv2LogitsBackward(View xl, View xr, View p, View src, View dst, View att, float negativeSlope,
                                    View dLogits, View dxl, View dxr, View dp, View dAtt) {
        RefGraph.gatv2LogitsBackward(xl, xr, p, src, dst, att, negativeSlope, dLogits, dxl, dxr, dp, dAtt);
    }

    @Override
    public void edgeAggregate(View x, View weight, View src, View dst, boolean meanHeads, View out) {
        RefGraph.edgeAggregate(x, weight, src, dst, meanHeads, out);
    }

    @Override
    public void edgeAggregateBackward(View x, View weight, View src, View dst, boolean meanHeads, View dOut, View dx,
                                      View dWeight) {
        RefGraph.edgeAggregateBackward(x, weight, src, dst, meanHeads, dOut, dx, dWeight);
    }

    // ---- random numbers and optimizer -----------------------------------------------------------------------

    @Override
    public void randomUniform(View out, long seed) {
        long n = out.numel();
        for (long i = 0; i < n; i++) {
            set(out, i, CounterRng.uniform(seed, i));
        }
    }

    @Override
    public void randomNormal(View out, long seed) {
        long n = out.numel();
        for (long i = 0; i < n; i++) {
            set(out, i, CounterRng.normal(seed, i));
        }
    }

    @Override
    public void adamw(View param, View grad, View m, View v, float lr, float beta1, float beta2, float eps,
                      float weightDecay, float bc1, float bc2) {
        long n = param.numel();
        float decay = 1f - lr * weightDecay;
        float stepSize = lr / bc1;
        float bc2Sqrt = (float) Math.sqrt(bc2);
        for (long i = 0; i < n; i++) {
            float g = (float) get(grad, i);
            float p = (float) get(param, i) * decay;
            float mi = (float) get(m, i);
            mi = mi + (1f - beta1) * (g - mi);
            float vi = (float) get(v, i) * beta2 + (1f - beta2) * g * g;
            float denom = (float) Math.sqrt(vi) / bc2Sqrt + eps;
            p = p - stepSize * (mi / denom);
            set(m, i, mi);
            set(v, i, vi);
            set(param, i, p);
        }
    }
}
