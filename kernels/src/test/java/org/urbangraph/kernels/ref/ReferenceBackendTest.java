package org.urbangraph.kernels.ref;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.HostBuffer;
import org.urbangraph.kernels.ReduceOp;
import org.urbangraph.kernels.UnaryOp;
import org.urbangraph.kernels.View;
import org.urbangraph.testkit.Approx;

/**
 * The yardstick itself, against known values where a kernel is not obvious: erf and the GELUs (values of the C
 * library's erf), one AdamW step pair (torch.optim.AdamW's update rule evaluated in double), segment softmax and
 * LayerNorm on hand-computed cases.
 */
class ReferenceBackendTest {

    private static final ReferenceBackend REF = ReferenceBackend.INSTANCE;

    private static View f32(float... values) {
        return View.contiguous(new HostBuffer(MemorySegment.ofArray(values.clone())), DType.F32, 0, values.length);
    }

    private static float[] read(View v) {
        return ((HostBuffer) v.buffer()).segment().toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT);
    }

    @Test
    void erfMatchesKnownValues() {
        double[][] known = {{0, 0}, {0.1, 0.1124629160182849}, {0.5, 0.5204998778130465}, {1, 0.8427007929497149},
            {1.5, 0.9661051464753108}, {2, 0.9953222650189527}, {2.5, 0.999593047982555},
            {3, 0.9999779095030014}, {4, 0.9999999845827421}, {-0.7, -0.6778011938374184}, {7, 1}};
        for (double[] k : known) {
            assertEquals(k[1], RefMath.erf(k[0]), 1e-15, "erf(" + k[0] + ")");
        }
    }

    @Test
    void geluVariantsMatchKnownValues() {
        View x = f32(1, -1, 2, -3, 0.3f);
        View out = f32(0, 0, 0, 0, 0);
        REF.unary(UnaryOp.GELU_ERF, x, out, 0, 0);
        Approx.assertClose("gelu(erf)", new double[] {0.8413447460685429, -0.15865525393145707, 1.9544997361036416,
            -0.00404969409489031, 0.18537342665668577}, read(out), 1e-9, 1e-7);

        View xt = f32(1, -2);
        View outT = f32(0, 0);
        REF.unary(UnaryOp.GELU_TANH, xt, outT, 0, 0);
        Approx.assertClose("gelu(tanh)", new double[] {0.8411919906082768, -0.04540230591222494}, read(outT), 1e-9,
                1e-7);

        View g = f32(0);
        REF.unary(UnaryOp.GELU_ERF_GRAD, f32(1), g, 0, 0);
        assertEquals(1.0833154705876864, read(g)[0], 1e-7, "d gelu(erf)/dx at 1");
        REF.unary(UnaryOp.SILU, f32(1), g, 0, 0);
        assertEquals(0.7310585786300049, read(g)[0], 1e-7, "silu(1)");
    }

    @Test
    void adamwFollowsTorchUpdateRule() {
        // lr 0.1, betas (0.9, 0.999), eps 1e-8, weight decay 0.01; gradients 0.5 then -1. With betas exactly 0.9 and
        // 0.999 (torch keeps them as Python floats), torch gives p = 0.899000002 then 0.9347113542385653. The kernel
        // interface carries the betas as F32, and 1 - 0.999f is 1.3e-5 away from 0.001, so the expected values are
        // the same rule evaluated in double with the F32 betas.
        View p = f32(1);
        View m = f32(0);
        View v = f32(0);
        float[] grads = {0.5f, -1f};
        double b1 = 0.9f;
        double b2 = 0.999f;
        double ep = 1;
        double em = 0;
        double ev = 0;
        for (int t = 1; t <= 2; t++) {
            double g = grads[t - 1];
            double bc1 = 1 - Math.pow(b1, t);
            double bc2 = 1 - Math.pow(b2, t);
            ep *= 1 - 0.1 * 0.01;
            em = b1 * em + (1 - b1) * g;
            ev = b2 * ev + (1 - b2) * g * g;
            ep -= 0.1 / bc1 * em / (Math.sqrt(ev) / Math.sqrt(bc2) + 1e-8);
            REF.adamw(p, f32(grads[t - 1]), m, v, 0.1f, 0.9f, 0.999f, 1e-8f, 0.01f, (float) bc1, (float) bc2);
            assertEquals(ep, read(p)[0], 1e-6, "param after step " + t);
            assertEquals(em, read(m)[0], 1e-7, "exp_avg after step " + t);
            assertEquals(ev, read(v)[0], 1e-9, "exp_avg_sq after step " + t);
        }
        assertEquals(0.9347113542385653, read(p)[0], 1e-5, "torch's value after two steps");
    }

    @Test
    void segmentSoftmaxNormalisesWithinEachSegment() {
        View x = f32(1, 2, 3, 0.5f);
        int[] ids = {0, 0, 1, 1};
        View seg = View.contiguous(new HostBuffer(MemorySegment.ofArray(ids)), DType.I32, 0, 4);
        View y = f32(0, 0, 0, 0);
        REF.segmentSoftmax(x, seg, 3, 1e-16f, y);
        Approx.assertClose("segment softmax", new double[] {0.2689414213699951, 0.7310585786300049,
            0.9241418199787566, 0.07585818002124355}, read(y), 1e-8, 1e-7);

        // backward: dx = y * (dy - sum_segment(y * dy))
        View dy = f32(1, 0, 0, 2);
        View dx = f32(0, 0, 0, 0);
        REF.segmentSoftmaxBackward(y, dy, seg, 3, dx);
        double y0 = 0.2689414213699951;
        double y1 = 0.7310585786300049;
        double y2 = 0.9241418199787566;
        double y3 = 0.07585818002124355;
        Approx.assertClose("segment softmax backward", new double[] {y0 * (1 - y0), -y1 * y0, -y2 * 2 * y3,
            y3 * (2 - 2 * y3)}, read(dx), 1e-8, 1e-6);
    }

    @Test
    void layerNormOfAKnownRow() {
        View out = f32(0, 0, 0);
        View mean = f32(0);
        View rstd = f32(0);
        REF.layerNorm(f32(1, 2, 3), f32(2, 2, 2), f32(0.5f, 0.5f, 0.5f), 0f, out, mean, rstd);
        double r = Math.sqrt(1.5);
        Approx.assertClose("layer norm", new double[] {0.5 - 2 * r, 0.5, 0.5 + 2 * r}, read(out), 1e-7, 1e-6);
        assertEquals(2.0, read(mean)[0], 1e-7);
        assertEquals(r, read(rstd)[0], 1e-6);
    }

    private static View i64(long... values) {
        return View.contiguous(new HostBuffer(MemorySegment.ofArray(values.clone())), DType.I64, 0, values.length);
    }

    /** Integers reduce in a long: through a double, 2^53 + 1 is 2^53 and -(2^53 + 3) is -(2^53 + 4). */
    @Test
    void integerReductionsAreExact() {
        long p53 = 1L << 53;
        long p24 = 1L << 24;
        long p40 = 1L << 40;
        View x = View.contiguous(i64(p53 + 1, 1, -(p53 + 3), p24 + 1, 1, 0, p40 + 1, p40 + 3, p40 + 2).buffer(),
                DType.I64, 0, 3, 3);
        Object[][] expected = {
            {ReduceOp.SUM, new long[] {-1, p24 + 2, 3 * p40 + 6}},
            {ReduceOp.MAX, new long[] {p53 + 1, p24 + 1, p40 + 3}},
            {ReduceOp.MIN, new long[] {-(p53 + 3), 0, p40 + 1}},
            {ReduceOp.ARGMAX, new long[] {0, 0, 1}},
            {ReduceOp.ARGMIN, new long[] {2, 2, 0}}};
        for (Object[] e : expected) {
            View out = View.contiguous(i64(-7, -7, -7).buffer(), DType.I64, 0, 3, 1);
            REF.reduce((ReduceOp) e[0], x, 1, out);
            assertArrayEquals((long[]) e[1], ((HostBuffer) out.buffer()).segment().toArray(ValueLayout.JAVA_LONG),
                    "reduce " + e[0]);
        }
    }
}
