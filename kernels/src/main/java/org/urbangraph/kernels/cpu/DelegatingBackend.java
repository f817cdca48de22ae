package org.urbangraph.kernels.cpu;

import java.lang.foreign.MemorySegment;
import org.urbangraph.kernels.AttentionMask;
import org.urbangraph.kernels.Backend;
import org.urbangraph.kernels.BinaryOp;
import org.urbangraph.kernels.Buffer;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.ReduceOp;
import org.urbangraph.kernels.UnaryOp;
import org.urbangraph.kernels.View;

/**
 * Forwards every kernel to another backend. {@link CpuBackend} extends it and overrides the kernels it has a fast
 * path for, so a kernel without one still works (through the plain reference).
 */
abstract class DelegatingBackend implements Backend {

    protected final Backend fallback;

    protected DelegatingBackend(Backend fallback) {
        this.fallback = fallback;
    }

    @Override
    public boolean owns(Buffer buffer) {
        return fallback.owns(buffer);
    }

    @Override
    public Buffer allocate(DType dtype, long elements) {
        return fallback.allocate(dtype, elements);
    }

    @Override
    public Buffer upload(MemorySegment host, boolean mayAlias) {
        return fallback.upload(host, mayAlias);
    }

    @Override
    public void toHost(Buffer src, long srcByteOffset, MemorySegment dst) {
        fallback.toHost(src, srcByteOffset, dst);
    }

    @Override
    public void copy(View src, View out) {
        fallback.copy(src, out);
    }

    @Override
    public void fill(View out, double value) {
        fallback.fill(out, value);
    }

    @Override
    public void unary(UnaryOp op, View x, View out, float alpha, float beta) {
        fallback.unary(op, x, out, alpha, beta);
    }

    @Override
    public void binary(BinaryOp op, View a, View b, View out) {
        fallback.binary(op, a, b, out);
    }

    @Override
    public void where(View cond, View a, View b, View out) {
        fallback.where(cond, a, b, out);
    }

    @Override
    public void reduce(ReduceOp op, View x, int dim, View out) {
        fallback.reduce(op, x, dim, out);
    }

    @Override
    public void softmax(View x, View out, boolean log) {
        fallback.softmax(x, out, log);
    }

    @Override
    public void softmaxBackward(View y, View dy, View dx, boolean log) {
        fallback.softmaxBackward(y, dy, dx, log);
    }

    @Override
    public void layerNorm(View x, View weight, View bias, float eps, View out, View mean, View rstd) {
        fallback.layerNorm(x, weight, bias, eps, out, mean, rstd);
    }

    @Override
    public void layerNormBackward(View x, View weight, View mean, View rstd, View dy, View dx, View dWeight, View dBias) {
        fallback.layerNormBackward(x, weight, mean, rstd, dy, dx, dWeight, dBias);
    }

    @Override
    public void rmsNorm(View x, View weight, float eps, View out, View rstd) {
        fallback.rmsNorm(x, weight, eps, out, rstd);
    }

    @Override
    public void rmsNormBackward(View x, View weight, View rstd, View dy, View dx, View dWeight) {
        fallback.rmsNormBackward(x, weight, rstd, dy, dx, dWeight);
    }

    @Override
    public void gemm(View a, View b, View c, float alpha, float beta) {
        fallback.gemm(a, b, c, alpha, beta);
    }

    @Override
    public void attention(View q, View k, View v, AttentionMask mask, float scale, View out, View lse) {
        fallback.attention(q, k, v, mask, scale, out, lse);
    }

    @Override
    public void attentionBackward(View q, View k, View v, AttentionMask mask, float scale, View out, View lse, View dOut, View dq, View dk, View dv) {
        fallback.attentionBackward(q, k, v, mask, scale, out, lse, dOut, dq, dk, dv);
    }

    @Override
    public void rotary(View x, View cos, View sin, View out, boolean inverse) {
        fallback.rotary(x, cos, sin, out, inverse);
    }

    @Override
    public void indexSelect(View x, int dim, View index, View out) {
        fallback.indexSelect(x, dim, index, out);
    }

    @Override
    public void indexAdd(View dst, int dim, View index, View src) {
        fallback.indexAdd(dst, dim, index, src);
    }

    @Override
    public void gather(View x, int dim, View index, View out) {
        fallback.gather(x, dim, index, out);
    }

    @Override
    public void scatterAdd(View dst, int dim, View index, View src) {
        fallback.scatterAdd(dst, dim, index, src);
    }

    @Override
    public void segmentSoftmax(View x, View segment, int segments, float eps, View out) {
        fallback.segmentSoftmax(x, segment, segments, eps, out);
    }

    @Override
    public void segmentSoftmaxBackward(View y, View dy, View segment, int segments, View dx) {
        fallback.segmentSoftmaxBackward(y, dy, segment, segments, dx);
    }

    @Override
    public void randomUniform(View out, long seed) {
        fallback.randomUniform(out, seed);
    }

    @Override
    public void randomNormal(View out, long seed) {
        fallback.randomNormal(out, seed);
    }

    @Override
    public void adamw(View param, View grad, View m, View v, float lr, float beta1, float beta2, float eps, float weightDecay, float bc1, float bc2) {
        fallback.adamw(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, bc1, bc2);
    }
}
