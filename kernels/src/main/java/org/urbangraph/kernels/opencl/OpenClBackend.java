package org.urbangraph.kernels.opencl;

import java.lang.foreign.MemorySegment;
import java.util.List;
import org.urbangraph.kernels.AttentionMask;
import org.urbangraph.kernels.Backend;
import org.urbangraph.kernels.BinaryOp;
import org.urbangraph.kernels.Buffer;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.ReduceOp;
import org.urbangraph.kernels.UnaryOp;
import org.urbangraph.kernels.View;

/**
 * The OpenCL backend (JOCL): tensors live in device memory ({@link ClBuffer}), every kernel of {@link Backend} runs
 * in OpenCL C 1.2 on one in-order queue, and the host sees data only through the explicit transfers
 * {@link #upload} and {@link #toHost}. So a whole forward or training step is queued without waiting for the device;
 * the only waits are downloads, {@link #finish()}, and (by default) one after each index op to report bad ids at
 * the call that caused them ({@code ug.opencl.checks}, see {@link DeviceErrors}).
 *
 * <p>The device is chosen by {@code ug.opencl.device} (see {@link DeviceSelection}): by default the first GPU, else
 * the first device. Kernel sources are resources next to this class; each program is compiled once per context and
 * build options (see {@link ProgramCache}).
 *
 * <p>This class only dispatches: the kernels' host code lives in {@link ElementwiseOps}, {@link RowOps},
 * {@link GemmOp}, {@link AttentionOps}, {@link IndexOps} and {@link GraphOps}.
 */
public final class OpenClBackend implements Backend {

    private final ClRuntime rt;
    private final ElementwiseOps elementwise;
    private final RowOps rows;
    private final GemmOp gemm;
    private final AttentionOps attention;
    private final IndexOps index;
    private final GraphOps graph;

    private OpenClBackend(ClRuntime rt) {
        this.rt = rt;
        this.elementwise = new ElementwiseOps(rt);
        this.rows = new RowOps(rt);
        this.gemm = new GemmOp(rt);
        this.attention = new AttentionOps(rt);
        this.index = new IndexOps(rt);
        this.graph = new GraphOps(rt, index);
    }

    /**
     * A backend on the device that {@code ug.opencl.device} names (default: the first GPU, else the first device).
     * Throws {@link IllegalStateException} when no OpenCL platform exists, with what to install.
     */
    public static OpenClBackend create() {
        return create(System.getProperty(DeviceSelection.PROPERTY));
    }

    /**
     * A backend on the device that {@code deviceSpec} names ({@code P:D}, a type, or part of a name; null: default). The
     * first one in a process logs a warning if the platform's libraries replaced the JVM's SIGSEGV handler
     * ({@link SignalChaining}).
     */
    public static OpenClBackend create(String deviceSpec) {
        List<DeviceSelection.Candidate> all = DeviceSelection.listDevices();
        OpenClBackend backend = new OpenClBackend(new ClRuntime(DeviceSelection.choose(all, deviceSpec)));
        SignalChaining.warnIfReplaced();
        return backend;
    }

    /** Null when an OpenCL platform with a device exists, else the reason there is none (tests skip with it). */
    public static String unavailableReason() {
        try {
            DeviceSelection.listDevices();
            return null;
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
    }

    /** The devices of this machine, one line each ({@code P:D name (type, platform)}), for messages and tools. */
    public static List<String> devices() {
        return DeviceSelection.listDevices().stream().map(Object::toString).toList();
    }

    /** The device in use, as {@code P:D name (type, platform)}. */
    public String device() {
        return rt.candidate().toString();
    }

    /** Host-device traffic so far (tests show with it that tensors stay on the device between ops). */
    public TransferStats.Snapshot transferStats() {
        return rt.stats().snapshot();
    }

    /** Waits for every queued kernel and reports any deferred device-side error. */
    public void finish() {
        rt.finish();
    }

    /** Bytes of device memory held by live buffers (released ones are subtracted once their cleaner ran). */
    public long liveBytes() {
        return rt.liveBytes().get();
    }

    /** Programs compiled so far (the cache builds each program and option set once). */
    public int programBuilds() {
        return rt.programs().buildCount();
    }

    /** Compiles an OpenCL C source with the shared preamble (for tools and tests of the build-error path). */
    public void compile(String what, String source, String options) {
        rt.programs().build(what, source, options);
    }

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public boolean owns(Buffer buffer) {
        return buffer instanceof ClBuffer cb && cb.runtime() == rt;
    }

    // ---- memory -------------------------------------------------------------------------------------------

    @Override
    public Buffer allocate(DType dtype, long elements) {
        return rt.allocate(Math.multiplyExact(elements, (long) dtype.size()), true);
    }

    @Override
    public Buffer upload(MemorySegment host, boolean mayAlias) {
        ClBuffer b = rt.allocate(host.byteSize(), false);
        rt.write(b, 0, host);
        return b;
    }

    @Override
    public void toHost(Buffer src, long srcByteOffset, MemorySegment dst) {
        if (!owns(src)) {
            throw new IllegalArgumentException("toHost on " + rt.label() + " got a buffer on " + src.deviceName());
        }
        if (srcByteOffset < 0 || srcByteOffset + dst.byteSize() > src.byteSize()) {
            throw new IndexOutOfBoundsException("toHost of " + dst.byteSize() + " bytes at offset " + srcByteOffset
                    + " from a buffer of " + src.byteSize() + " bytes");
        }
        rt.read((ClBuffer) src, srcByteOffset, dst);
    }

    // ---- layout and element-wise --------------------------------------------------------------------------

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

    // ---- reductions and normalisation ---------------------------------------------------------------------

    @Override
    public void reduce(ReduceOp op, View x, int dim, View out) {
        rows.reduce(op, x, dim, out);
    }

    @Override
    public void softmax(View x, View out, boolean log) {
        rows.softmax(x, out, log);
    }

    @Override
    public void softmaxBackward(View y, View dy, View dx, boolean log) {
        rows.softmaxBackward(y, dy, dx, log);
    }

    @Override
    public void layerNorm(View x, View weight, View bias, float eps, View out, View mean, View rstd) {
        rows.layerNorm(x, weight, bias, eps, out, mean, rstd);
    }

    @Override
    public void layerNormBackward(View x, View weight, View mean, View rstd, View dy, View dx, View dWeight,
                                  View dBias) {
        rows.layerNormBackward(x, weight, mean, rstd, dy, dx, dWeight, dBias);
    }

    @Override
    public void rmsNorm(View x, View weight, float eps, View out, View rstd) {
        rows.rmsNorm(x, weight, eps, out, rstd);
    }

    @Override
    public void rmsNormBackward(View x, View weight, View rstd, View dy, View dx, View dWeight) {
        rows.rmsNormBackward(x, weight, rstd, dy, dx, dWeight);
    }

    // ---- matrix products and attention --------------------------------------------------------------------

    @Override
    public void gemm(View a, View b, View c, float alpha, float beta) {
        gemm.gemm(a, b, c, alpha, beta);
    }

    @Override
    public void attention(View q, View k, View v, AttentionMask mask, float scale, View out, View lse) {
        attention.forward(q, k, v, mask, scale, out, lse);
    }

    @Override
    public void attentionBackward(View q, View k, View v, AttentionMask mask, float scale, View out, View lse,
                                  View dOut, View dq, View dk, View dv) {
        attention.backward(q, k, v, mask, scale, out, lse, dOut, dq, dk, dv);
    }

    @Override
    public void rotary(View x, View cos, View sin, View out, boolean inverse) {
        elementwise.rotary(x, cos, sin, out, inverse);
    }

    // ---- indexing -----------------------------------------------------------------------------------------

    @Override
    public void indexSelect(View x, int dim, View idx, View out) {
        index.indexSelect(x, dim, idx, out);
    }

    @Override
    public void indexAdd(View dst, int dim, View idx, View src) {
        index.indexAdd(dst, dim, idx, src);
    }

    @Override
    public void gather(View x, int dim, View idx, View out) {
        index.gather(x, dim, idx, out);
    }

    @Override
    public void scatterAdd(View dst, int dim, View idx, View src) {
        index.scatterAdd(dst, dim, idx, src);
    }

    @Override
    public void segmentSoftmax(View x, View segment, int segments, float eps, View out) {
        index.segmentSoftmax(x, segment, segments, eps, out);
    }

    @Override
    public void segmentSoftmaxBackward(View y, View dy, View segment, int segments, View dx) {
        index.segmentSoftmaxBackward(y, dy, segment, segments, dx);
    }

    // ---- graph attention ----------------------------------------------------------------------------------

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

    // ---- random numbers and optimizer ---------------------------------------------------------------------

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

    @Override
    public String toString() {
        return "OpenClBackend[" + device() + "]";
    }
}
