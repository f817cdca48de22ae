package org.urbangraph.kernels.cpu;

import static org.urbangraph.kernels.cpu.CpuMem.seg;

import org.urbangraph.kernels.View;

/**
 * Rotary embedding in the rotate-half layout, out = x * cos + rotate_half(x) * sin, row by row over [B, H, L] with
 * the [B, L, D] tables broadcast over heads. 1-D, 2-D vision and M-RoPE tables differ only in how the model builds
 * cos and sin, so one kernel serves them all; {@code inverse} negates sin (the backward pass).
 */
final class CpuRotary {

    private final CpuPool pool;

    CpuRotary(CpuPool pool) {
        this.pool = pool;
    }

    void rotary(View x, View cos, View sin, View out, boolean inverse) {
        int[] s = x.shape();
        int heads = s[1];
        int len = s[2];
        int dim = s[3];
        int half = dim / 2;
        float sign = inverse ? -1f : 1f;
        long rows = (long) s[0] * heads * len;
        Rows.forBlocks(pool, rows, dim, (from, to) -> {
            float[] xb = Scratch.get(Scratch.A, dim);
            float[] cb = Scratch.get(Scratch.B, dim);
            float[] sb = Scratch.get(Scratch.C, dim);
            float[] ob = Scratch.get(Scratch.D, dim);
            for (long r = from; r < to; r++) {
                int l = (int) (r % len);
                int h = (int) (r / len % heads);
                int b = (int) (r / len / heads);
                long xo = x.offset() + b * x.strides()[0] + h * x.strides()[1] + l * x.strides()[2];
                long to2 = cos.offset() + b * cos.strides()[0] + l * cos.strides()[1];
                long so = sin.offset() + b * sin.strides()[0] + l * sin.strides()[1];
                CpuMem.load(seg(x), x.dtype(), xo, x.strides()[3], dim, xb, 0);
                CpuMem.load(seg(cos), cos.dtype(), to2, cos.strides()[2], dim, cb, 0);
                CpuMem.load(seg(sin), sin.dtype(), so, sin.strides()[2], dim, sb, 0);
                for (int d = 0; d < half; d++) {
                    ob[d] = xb[d] * cb[d] - sign * xb[d + half] * sb[d];
                }
                for (int d = half; d < dim; d++) {
                    ob[d] = xb[d] * cb[d] + sign * xb[d - half] * sb[d];
                }
                long oo = out.offset() + b * out.strides()[0] + h * out.strides()[1] + l * out.strides()[2];
                CpuMem.store(ob, 0, dim, seg(out), out.dtype(), oo, out.strides()[3]);
            }
        });
    }
}
