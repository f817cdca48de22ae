package org.urbangraph.kernels.cpu;

import java.lang.foreign.MemorySegment;
import org.urbangraph.kernels.AttentionMask;
import org.urbangraph.kernels.Backend;
import org.urbangraph.kernels.BinaryOp;
import org.urbangraph.kernels.Buffer;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.HostBuffer;
import org.urbangraph.kernels.ReduceOp;
import org.urbangraph.kernels.UnaryOp;
import org.urbangraph.kernels.View;

/**
 * The default host backend: Vector API kernels (preferred species), multi-threaded over one pool whose size is the
 * setting {@code ug.threads} (default: all cores). Each kernel family lives in its own class; this class only
 * dispatches. Results depend on the inputs alone, not on the thread count: work is split at boundaries fixed by the
 * shapes, and each output element is summed in one fixed order.
 */
public final class CpuBackend implements Backend {

    /** System property that sizes the thread pool of the default instance. */
    public static final String THREADS_PROPERTY = "ug.threads";

    private static volatile CpuBackend instance;

    private final CpuPool pool;
    private final CpuElementwise elementwise;
    private final CpuGemm gemm;
    private final CpuReduce reduce;
    private final CpuNorms norms;
    private final CpuRotary rotary;
    private final CpuAttention attention;
    private final CpuIndexing indexing;
    private final CpuGraph graph;

    private CpuBackend(int threads) {
        this.pool = new CpuPool(threads);
        this.elementwise = new CpuElementwise(pool);
        this.gemm = new CpuGemm(pool);
        this.reduce = new CpuReduce(elementwise);
        this.norms = new CpuNorms(pool);
        this.rotary = new CpuRotary(pool);
        this.attention = new CpuAttention(pool, gemm);
        this.indexing = new CpuIndexing(pool, elementwise);
        this.graph = new CpuGraph(pool);
    }

    /** The shared instance, with {@code ug.threads} threads (all cores when unset). */
    public static CpuBackend defaultInstance() {
        if (instance == null) {
            synchronized (CpuBackend.class) {
                if (instance == null) {
                    instance = new CpuBackend(threadsSetting());
                }
            }
        }
        return instance;
    }

    /** A backend with its own pool of {@code threads} threads (benchmarks compare thread counts with this). */
    public static CpuBackend withThreads(int threads) {
        return new CpuBackend(threads);
    }

    static int threadsSetting() {
        String s = System.getProperty(THREADS_PROPERTY);
        if (s == null || s.isBlank()) {
            return Runtime.getRuntime().availableProcessors();
        }
        try {
            int n = Integer.parseInt(s.trim());
            if (n < 1) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + THREADS_PROPERTY + "=" + s
                    + " is not a thread count (expected a whole number >= 1)");
        }
    }

    public int threads() {
        return pool.threads();
    }

    @Override
    public String name() {
        return "cpu";
    }

    // ---- memory ----------------------------------------------------------------------------------------------

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
        // a long[] backing keeps every element 8-byte aligned, whatever its type
        long bytes = host.byteSize();
        MemorySegment copy = MemorySegment.ofArray(new long[Math.toIntExact((bytes + 7) / 8)]).asSlice(0, bytes);
        copy.copyFrom(host);
        return new HostBuffer(copy);
    }

    @Override
    public void toHost(Buffer src, long srcByteOffset, MemorySegment dst) {
        MemorySegment.copy(((HostBuffer) src).segment(), srcByteOffset, dst, 0, dst.byteSize());
    }

    // ---- layout and element-wise -----------------------------------------------------------------------------

    @Override
    public void copy(View src, View out) {
        elementwise.copy(src, out);
    }

    @Override
    public void fill(View out, double value) {
        elementwise.fill(out, value);
    }

    @Override
    public void unary(UnaryOp op, View x, View out, float alpha, float beta) {
        elementwise.unary(op, x, out, alpha, beta);
    }

    @Override
    public void binary(BinaryOp op, View a, View b, View out) {
        elementwise.binary(op, a, b, out);
    }

    @Override
    public void where(View cond, View a, View b, View out) {
        elementwise.where(cond, a, b, out);
    }

    // ---- reductions and normalisation ------------------------------------------------------------------------

    @Override
    public void reduce(ReduceOp op, View x, int dim, View out) {
        reduce.reduce(op, x, dim, out);
    }

    @Override
    public void softmax(View x, View out, boolean log) {
        norms.softmax(x, out, log);
    }

    @Override
    public void softmaxBackward(View y, View dy, View dx, boolean log) {
        norms.softmaxBackward(y, dy, dx, log);
    }

    @Override
    public void layerNorm(View x, View weight, View bias, float eps, View out, View mean, View rstd) {
        norms.layerNorm(x, weight, bias, eps, out, mean, rstd);
    }

    @Override
    public void layerNormBackward(View x, View weight, View mean, View rstd, View dy, View dx, View dWeight,
                                  View dBias) {
        norms.layerNormBackward(x, weight, mean, rstd, dy, dx, dWeight, dBias);
    }

    @Override
    public void rmsNorm(View x, View weight, float eps, View out, View rstd) {
        norms.rmsNorm(x, weight, eps, out, rstd);
    }

    @Override
    public void rmsNormBackward(View x, View weight, View rstd, View dy, View dx, View dWeight) {
        norms.rmsNormBackward(x, weight, rstd, dy, dx, dWeight);
    }

    @Override
    public void rotary(View x, View cos, View sin, View out, boolean inverse) {
        rotary.rotary(x, cos, sin, out, inverse);
    }

    // ---- matrix products -------------------------------------------------------------------------------------

    @Override
    public void gemm(View a, View b, View c, float alpha, float beta) {
        gemm.gemm(a, b, c, alpha, beta);
    }

    // ---- attention -------------------------------------------------------------------------------------------

    @Override
    public void attention(View q, View k, View v, AttentionMask mask, float scale, View out, View lse) {
        attention.forward(q, k, v, mask, scale, out, lse);
    }

    @Override
    public void attentionBackward(View q, View k, View v, AttentionMask mask, float scale, View out, View lse,
                                  View dOut, View dq, View dk, View dv) {
        attention.backward(q, k, v, mask, scale, out, lse, dOut, dq, dk, dv);
    }

    // ---- indexing --------------------------------------------------------------------------------------------

    @Override
    public void indexSelect(View x, int dim, View index, View out) {
        indexing.indexSelect(x, dim, index, out);
    }

    @Override
    public void indexAdd(View dst, int dim, View index, View src) {
        indexing.indexAdd(dst, dim, index, src);
    }

    @Override
    public void gather(View x, int dim, View index, View out) {
        indexing.gather(x, dim, index, out);
    }

    @Override
    public void scatterAdd(View dst, int dim, View index, View src) {
        indexing.scatterAdd(dst, dim, index, src);
    }

    @Override
    public void segmentSoftmax(View x, View segment, int segments, float eps, View out) {
        indexing.segmentSoftmax(x, segment, segments, eps, out);
    }

    @Override
    public void segmentSoftmaxBackward(View y, View dy, View segment, int segments, View dx) {
        indexing.segmentSoftmaxBackward(y, dy, segment, segments, dx);
    }

    // ---- graph attention -------------------------------------------------------------------------------------

    @Override
    public void gatv2Logits(View xl, View xr, View p, View src, View dst, View att, float negativeSlope, View logits) {
        graph.gatv2Logits(xl, xr, p, src, dst, att, negativeSlope, logits);
    }

    @Override
    public void gatv2LogitsBackward(View xl, View xr, View p, View src, View dst, View att, float negativeSlope,
                                    View dLogits, View dxl, View dxr, View dp, View dAtt) {
        graph.gatv2LogitsBackward(xl, xr, p, src, dst, att, negativeSlope, dLogits, dxl, dxr, dp, dAtt);
    }

    @Override
    public void edgeAggregate(View x, View weight, View src, View dst, boolean meanHeads, View out) {
        graph.edgeAggregate(x, weight, src, dst, meanHeads, out);
    }

    @Override
    public void edgeAggregateBackward(View x, View weight, View src, View dst, boolean meanHeads, View dOut, View dx,
                                      View dWeight) {
        graph.edgeAggregateBackward(x, weight, src, dst, meanHeads, dOut, dx, dWeight);
    }

    // ---- random numbers and optimizer ------------------------------------------------------------------------

    @Override
    public void randomUniform(View out, long seed) {
        elementwise.random(out, seed, false);
    }

    @Override
    public void randomNormal(View out, long seed) {
        elementwise.random(out, seed, true);
    }

    @Override
    public void adamw(View param, View grad, View m, View v, float lr, float beta1, float beta2, float eps,
                      float weightDecay, float bc1, float bc2) {
        elementwise.adamw(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, bc1, bc2);
    }
}
