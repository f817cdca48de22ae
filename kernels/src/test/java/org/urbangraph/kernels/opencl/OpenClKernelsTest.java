package org.urbangraph.kernels.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.urbangraph.kernels.opencl.ClTestSupport.REF;
import static org.urbangraph.kernels.opencl.ClTestSupport.backend;
import static org.urbangraph.kernels.opencl.ClTestSupport.ids;
import static org.urbangraph.kernels.opencl.ClTestSupport.random;
import static org.urbangraph.kernels.opencl.ClTestSupport.zeros;

import org.junit.jupiter.api.Test;
import org.urbangraph.kernels.AttentionMask;
import org.urbangraph.kernels.BinaryOp;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.ReduceOp;
import org.urbangraph.kernels.UnaryOp;
import org.urbangraph.kernels.opencl.ClTestSupport.Pair;
import org.urbangraph.testkit.Approx;

/**
 * The OpenCL kernels against the plain reference on seeded random inputs with odd sizes and non-contiguous views
 * (F32 about 1e-5 relative; narrow types at their own rounding). The shared parity suite of all backends covers the
 * full matrix; these checks pin the OpenCL-specific paths: strided descriptors, coalescing, dtype conversions,
 * tiling edges, the device-side sort of the accumulating ops and device-side errors.
 */
class OpenClKernelsTest {

    private static void assertSame(String what, Pair p, double atol, double rtol) {
        Approx.assertClose(what, p.hostValues(), p.devValues(), atol, rtol);
    }

    @Test
    void copyCastsAndTransposes() {
        Pair x = random(DType.F32, 1, 3.0, 7, 33, 5);
        Pair xt = x.permute(2, 0, 1);
        for (DType t : new DType[] {DType.F32, DType.BF16, DType.F16, DType.I32, DType.I64, DType.F64, DType.BOOL}) {
            Pair out = zeros(t, 5, 7, 33);
            REF.copy(xt.host(), out.host());
            backend().copy(xt.dev(), out.dev());
            assertSame("copy F32 -> " + t, out, 0, 0);
        }
        Pair i = random(DType.I64, 2, 1e6, 9, 4);
        Pair f = zeros(DType.F64, 4, 9);
        REF.copy(i.permute(1, 0).host(), f.host());
        backend().copy(i.permute(1, 0).dev(), f.dev());
        assertSame("copy I64 -> F64", f, 0, 0);
    }

    @Test
    void unaryAndBinaryWithBroadcasting() {
        Pair a = random(DType.F32, 3, 2.0, 7, 1, 33);
        Pair b = random(DType.BF16, 4, 2.0, 5, 33);
        int[] shape = {7, 5, 33};
        Pair ab = a.view(0, shape, new long[] {33, 0, 1});
        Pair bb = b.view(0, shape, new long[] {0, 33, 1});
        for (BinaryOp op : BinaryOp.values()) {
            Pair out = zeros(op.isComparison() ? DType.BOOL : DType.F32, shape);
            REF.binary(op, ab.host(), bb.host(), out.host());
            backend().binary(op, ab.dev(), bb.dev(), out.dev());
            assertSame("binary " + op, out, 1e-6, 1e-5);
        }
        for (UnaryOp op : UnaryOp.values()) {
            Pair out = zeros(DType.F32, 7, 33);
            REF.unary(op, a.view(0, new int[] {7, 33}, new long[] {33, 1}).host(), out.host(), 0.3f, 1.5f);
            backend().unary(op, a.view(0, new int[] {7, 33}, new long[] {33, 1}).dev(), out.dev(), 0.3f, 1.5f);
            assertSame("unary " + op, out, 1e-6, 1e-5);
        }
        Pair ia = random(DType.I64, 5, 50, 257);
        Pair ib = ids(DType.I32, 6, 9, 257);
        Pair one = random(DType.I64, 7, 0, 257);
        REF.fill(one.host(), 1);
        backend().fill(one.dev(), 1);
        Pair divisor = zeros(DType.I64, 257);
        REF.binary(BinaryOp.ADD, ib.host(), one.host(), divisor.host());
        backend().binary(BinaryOp.ADD, ib.dev(), one.dev(), divisor.dev());
        Pair q = zeros(DType.I64, 257);
        REF.binary(BinaryOp.DIV, ia.host(), divisor.host(), q.host());
        backend().binary(BinaryOp.DIV, ia.dev(), divisor.dev(), q.dev());
        assertSame("integer floor division", q, 0, 0);
        assertThrows(ArithmeticException.class, () -> backend().binary(BinaryOp.DIV, ia.dev(), ib.dev(), q.dev()));
    }

    @Test
    void whereFillRandom() {
        Pair c = ids(DType.BOOL, 8, 2, 33, 7);
        Pair a = random(DType.F32, 9, 1.0, 33, 7);
        Pair b = random(DType.F16, 10, 1.0, 7, 33).permute(1, 0);
        Pair out = zeros(DType.F32, 33, 7);
        REF.where(c.host(), a.host(), b.host(), out.host());
        backend().where(c.dev(), a.dev(), b.dev(), out.dev());
        assertSame("where", out, 0, 0);
        Pair u = zeros(DType.F32, 1025);
        REF.randomUniform(u.host(), 42);
        backend().randomUniform(u.dev(), 42);
        assertSame("uniform, bit for bit", u, 0, 0);
        Pair g = zeros(DType.F32, 1025);
        REF.randomNormal(g.host(), 43);
        backend().randomNormal(g.dev(), 43);
        assertSame("normal", g, 2e-6, 2e-6);
        Pair f = zeros(DType.BF16, 3, 5);
        REF.fill(f.host(), 1.7);
        backend().fill(f.dev(), 1.7);
        assertSame("fill BF16", f, 0, 0);
    }

    @Test
    void reductionsAlongEveryDimension() {
        Pair x = random(DType.F32, 11, 3.0, 7, 257, 3);
        for (ReduceOp op : ReduceOp.values()) {
            for (int d = 0; d < 3; d++) {
                int[] s = {7, 257, 3};
                s[d] = 1;
                boolean arg = op == ReduceOp.ARGMAX || op == ReduceOp.ARGMIN;
                Pair out = zeros(arg ? DType.I64 : DType.F32, s);
                REF.reduce(op, x.host(), d, out.host());
                backend().reduce(op, x.dev(), d, out.dev());
                assertSame("reduce " + op + " dim " + d, out, 1e-5, 1e-5);
            }
        }
        Pair xi = random(DType.I32, 12, 1000, 33, 17);
        Pair si = zeros(DType.I64, 33, 1);
        REF.reduce(ReduceOp.SUM, xi.host(), 1, si.host());
        backend().reduce(ReduceOp.SUM, xi.dev(), 1, si.dev());
        assertSame("integer sum", si, 0, 0);
    }

    @Test
    void softmaxAndNormsForwardAndBackward() {
        Pair x = random(DType.F32, 13, 2.0, 5, 33, 257).permute(0, 2, 1); // [5, 257, 33], non-contiguous rows
        int[] s = {5, 257, 33};
        for (boolean log : new boolean[] {false, true}) {
            Pair y = zeros(DType.F32, s);
            REF.softmax(x.host(), y.host(), log);
            backend().softmax(x.dev(), y.dev(), log);
            assertSame("softmax log=" + log, y, 1e-6, 1e-5);
            Pair dy = random(DType.F32, 14, 1.0, s);
            Pair dx = zeros(DType.F32, s);
            REF.softmaxBackward(y.host(), dy.host(), dx.host(), log);
            backend().softmaxBackward(y.dev(), dy.dev(), dx.dev(), log);
            assertSame("softmax backward log=" + log, dx, 1e-5, 1e-4);
        }
        Pair w = random(DType.BF16, 15, 1.0, 33);
        Pair b = random(DType.F32, 16, 1.0, 33);
        Pair out = zeros(DType.F32, s);
        Pair mean = zeros(DType.F32, 5, 257);
        Pair rstd = zeros(DType.F32, 5, 257);
        REF.layerNorm(x.host(), w.host(), b.host(), 1e-5f, out.host(), mean.host(), rstd.host());
        backend().layerNorm(x.dev(), w.dev(), b.dev(), 1e-5f, out.dev(), mean.dev(), rstd.dev());
        assertSame("layer norm", out, 1e-5, 1e-5);
        assertSame("layer norm rstd", rstd, 1e-6, 1e-5);
        Pair dy = random(DType.F32, 17, 1.0, s);
        Pair dx = zeros(DType.F32, s);
        Pair dw = random(DType.F32, 18, 1.0, 33);
        Pair db = random(DType.F32, 19, 1.0, 33);
        REF.layerNormBackward(x.host(), w.host(), mean.host(), rstd.host(), dy.host(), dx.host(), dw.host(), db.host());
        backend().layerNormBackward(x.dev(), w.dev(), mean.dev(), rstd.dev(), dy.dev(), dx.dev(), dw.dev(), db.dev());
        assertSame("layer norm dx", dx, 1e-5, 1e-4);
        assertSame("layer norm dWeight", dw, 1e-4, 1e-5);
        assertSame("layer norm dBias", db, 1e-4, 1e-5);
        Pair rout = zeros(DType.F32, s);
        REF.rmsNorm(x.host(), w.host(), 1e-6f, rout.host(), rstd.host());
        backend().rmsNorm(x.dev(), w.dev(), 1e-6f, rout.dev(), rstd.dev());
        assertSame("rms norm", rout, 1e-5, 1e-5);
        Pair rdx = zeros(DType.F32, s);
        Pair rdw = zeros(DType.F32, 33);
        REF.rmsNormBackward(x.host(), w.host(), rstd.host(), dy.host(), rdx.host(), rdw.host());
        backend().rmsNormBackward(x.dev(), w.dev(), rstd.dev(), dy.dev(), rdx.dev(), rdw.dev());
        assertSame("rms norm dx", rdx, 1e-5, 1e-4);
        assertSame("rms norm dWeight", rdw, 1e-4, 1e-5);
    }

    @Test
    void gemmTransposedBatchedAndNarrowWeights() {
        int batch = 3;
        int m = 67;
        int k = 129;
        int n = 33;
        Pair a = random(DType.F32, 20, 1.0, batch, k, m).permute(0, 2, 1); // transposed A
        for (DType bt : new DType[] {DType.F32, DType.BF16, DType.F16}) {
            Pair b = random(bt, 21, 1.0, k, n).view(0, new int[] {batch, k, n}, new long[] {0, n, 1});
            Pair bT = random(bt, 22, 1.0, n, k).view(0, new int[] {batch, k, n}, new long[] {0, 1, k});
            for (Pair bb : new Pair[] {b, bT}) {
                Pair c = random(DType.F32, 23, 1.0, batch, m, n);
                REF.gemm(a.host(), bb.host(), c.host(), 0.5f, 2f);
                backend().gemm(a.dev(), bb.dev(), c.dev(), 0.5f, 2f);
                assertSame("gemm B " + bt + " strides " + java.util.Arrays.toString(bb.host().strides()), c, 1e-4,
                        1e-5);
            }
        }
    }

    @Test
    void attentionForwardAndBackwardWithMasksAndGroupedHeads() {
        int b = 2;
        int hq = 4;
        int hk = 2;
        int lq = 37;
        int lk = 41;
        for (int d : new int[] {33, 64}) {
            Pair q = random(DType.F32, 30, 1.0, b, lq, hq, d).permute(0, 2, 1, 3);
            Pair k = random(DType.F32, 31, 1.0, b, hk, lk, d);
            Pair v = random(DType.BF16, 32, 1.0, b, hk, lk, d);
            Pair pad = ids(DType.BOOL, 33, 8, b, lk);
            REF.fill(pad.host(), 1);
            backend().fill(pad.dev(), 1);
            Pair padded = ids(DType.I32, 34, 5, b, lk); // 0 masks about one key in five
            Pair qs = ids(DType.I64, 35, 3, b, lq);
            Pair ks = ids(DType.I64, 36, 3, b, lk);
            AttentionMask[] masks = {AttentionMask.NONE, AttentionMask.CAUSAL,
                new AttentionMask(true, padded.host(), qs.host(), ks.host())};
            AttentionMask[] devMasks = {AttentionMask.NONE, AttentionMask.CAUSAL,
                new AttentionMask(true, padded.dev(), qs.dev(), ks.dev())};
            for (int mi = 0; mi < masks.length; mi++) {
                String what = "attention d=" + d + " mask " + mi;
                Pair out = zeros(DType.F32, b, hq, lq, d);
                Pair lse = zeros(DType.F32, b, hq, lq);
                float scale = (float) (1 / Math.sqrt(d));
                REF.attention(q.host(), k.host(), v.host(), masks[mi], scale, out.host(), lse.host());
                backend().attention(q.dev(), k.dev(), v.dev(), devMasks[mi], scale, out.dev(), lse.dev());
                assertSame(what + " out", out, 1e-5, 1e-4);
                assertSame(what + " lse", lse, 1e-5, 1e-5);
                Pair dOut = random(DType.F32, 37, 1.0, b, hq, lq, d);
                Pair dq = zeros(DType.F32, b, hq, lq, d);
                Pair dk = zeros(DType.F32, b, hk, lk, d);
                Pair dv = zeros(DType.F32, b, hk, lk, d);
                REF.attentionBackward(q.host(), k.host(), v.host(), masks[mi], scale, out.host(), lse.host(),
                        dOut.host(), dq.host(), dk.host(), dv.host());
                backend().attentionBackward(q.dev(), k.dev(), v.dev(), devMasks[mi], scale, out.dev(), lse.dev(),
                        dOut.dev(), dq.dev(), dk.dev(), dv.dev());
                assertSame(what + " dq", dq, 1e-4, 1e-4);
                assertSame(what + " dk", dk, 1e-4, 1e-4);
                assertSame(what + " dv", dv, 1e-4, 1e-4);
            }
        }
    }

    @Test
    void rotaryForwardAndInverse() {
        Pair x = random(DType.F32, 40, 1.0, 2, 7, 3, 34).permute(0, 2, 1, 3); // [2, 3, 7, 34]
        Pair cos = random(DType.F32, 41, 1.0, 2, 7, 34);
        Pair sin = random(DType.F32, 42, 1.0, 2, 7, 34);
        for (boolean inverse : new boolean[] {false, true}) {
            Pair out = zeros(DType.F32, 2, 3, 7, 34);
            REF.rotary(x.host(), cos.host(), sin.host(), out.host(), inverse);
            backend().rotary(x.dev(), cos.dev(), sin.dev(), out.dev(), inverse);
            assertSame("rotary inverse=" + inverse, out, 1e-6, 1e-6);
        }
    }

    @Test
    void indexingOpsAreExactAndInIndexOrder() {
        Pair x = random(DType.F32, 50, 1.0, 7, 33, 5);
        Pair idx = ids(DType.I64, 51, 33, 257);
        Pair sel = zeros(DType.F32, 7, 257, 5);
        REF.indexSelect(x.host(), 1, idx.host(), sel.host());
        backend().indexSelect(x.dev(), 1, idx.dev(), sel.dev());
        assertSame("index_select", sel, 0, 0);

        Pair src = random(DType.F32, 52, 1.0, 7, 257, 5);
        Pair dst = random(DType.F32, 53, 1.0, 7, 33, 5);
        REF.indexAdd(dst.host(), 1, idx.host(), src.host());
        backend().indexAdd(dst.dev(), 1, idx.dev(), src.dev());
        assertSame("index_add (same order, same bits)", dst, 0, 0);

        Pair gi = ids(DType.I32, 54, 33, 7, 19, 5);
        Pair g = zeros(DType.F32, 7, 19, 5);
        REF.gather(x.host(), 1, gi.host(), g.host());
        backend().gather(x.dev(), 1, gi.dev(), g.dev());
        assertSame("gather", g, 0, 0);

        Pair sdst = random(DType.F32, 55, 1.0, 7, 33, 5);
        Pair ssrc = random(DType.F32, 56, 1.0, 7, 19, 5);
        REF.scatterAdd(sdst.host(), 1, gi.host(), ssrc.host());
        backend().scatterAdd(sdst.dev(), 1, gi.dev(), ssrc.dev());
        assertSame("scatter_add (same order, same bits)", sdst, 0, 0);

        Pair e = random(DType.F32, 57, 2.0, 257, 3);
        Pair seg = ids(DType.I64, 58, 9, 257);
        Pair y = zeros(DType.F32, 257, 3);
        REF.segmentSoftmax(e.host(), seg.host(), 10, 1e-16f, y.host());
        backend().segmentSoftmax(e.dev(), seg.dev(), 10, 1e-16f, y.dev());
        assertSame("segment softmax", y, 1e-6, 1e-5);
        Pair dy = random(DType.F32, 59, 1.0, 257, 3);
        Pair dx = zeros(DType.F32, 257, 3);
        REF.segmentSoftmaxBackward(y.host(), dy.host(), seg.host(), 10, dx.host());
        backend().segmentSoftmaxBackward(y.dev(), dy.dev(), seg.dev(), 10, dx.dev());
        assertSame("segment softmax backward", dx, 1e-6, 1e-5);

        Pair bad = ids(DType.I64, 60, 40, 64); // ids up to 39 for 33 rows
        IndexOutOfBoundsException ex = assertThrows(IndexOutOfBoundsException.class,
                () -> backend().indexSelect(x.dev(), 1, bad.dev(), zeros(DType.F32, 7, 64, 5).dev()));
        long[] ids = new long[64];
        double[] hv = bad.hostValues();
        int first = -1;
        for (int i = 0; i < 64; i++) {
            ids[i] = (long) hv[i];
            if (first < 0 && ids[i] >= 33) {
                first = i;
            }
        }
        assertArrayEquals(new String[] {"index_select: index " + ids[first] + " at position " + first
                + " is outside [0, 33)"}, new String[] {ex.getMessage()});
    }

    @Test
    void adamwMatchesTheReferenceStep() {
        Pair p = random(DType.F32, 70, 1.0, 1031);
        Pair g = random(DType.F32, 71, 1.0, 1031);
        Pair m = random(DType.F32, 72, 0.1, 1031);
        Pair v = random(DType.F32, 73, 0.1, 1031);
        REF.unary(UnaryOp.ABS, v.host(), v.host(), 0, 0);
        backend().unary(UnaryOp.ABS, v.dev(), v.dev(), 0, 0);
        for (int step = 1; step <= 3; step++) {
            float bc1 = (float) (1 - Math.pow(0.9, step));
            float bc2 = (float) (1 - Math.pow(0.999, step));
            REF.adamw(p.host(), g.host(), m.host(), v.host(), 1e-3f, 0.9f, 0.999f, 1e-8f, 0.1f, bc1, bc2);
            backend().adamw(p.dev(), g.dev(), m.dev(), v.dev(), 1e-3f, 0.9f, 0.999f, 1e-8f, 0.1f, bc1, bc2);
        }
        assertSame("adamw param", p, 1e-7, 1e-6);
        assertSame("adamw m", m, 1e-7, 1e-6);
        assertSame("adamw v", v, 1e-7, 1e-6);
    }
}
