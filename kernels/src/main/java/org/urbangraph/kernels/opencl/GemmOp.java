package org.urbangraph.kernels.opencl;

import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.View;

/**
 * Host side of {@code gemm.cl}: batched {@code c = alpha * a @ b + beta * c} with a, c F32 and b F32, BF16 or F16
 * (one program variant per type of b). Strides are passed as they are, so transposed operands cost nothing.
 */
final class GemmOp {

    private static final int TILE = 64;

    private final ClRuntime rt;

    GemmOp(ClRuntime rt) {
        this.rt = rt;
    }

    void gemm(View a, View b, View c, float alpha, float beta) {
        if (a.dtype() != DType.F32 || c.dtype() != DType.F32) {
            throw new IllegalArgumentException("gemm on OpenCL needs F32 a and c, got a " + a + " and c " + c);
        }
        int kind = switch (b.dtype()) {
            case F32 -> 0;
            case BF16 -> 1;
            case F16 -> 2;
            default -> throw new IllegalArgumentException("gemm on OpenCL needs b in F32, BF16 or F16, got " + b);
        };
        int batch = c.shape()[0];
        int m = c.shape()[1];
        int n = c.shape()[2];
        int k = a.shape()[2];
        if (batch == 0 || m == 0 || n == 0) {
            return;
        }
        long[] as = a.strides();
        long[] bs = b.strides();
        long[] cs = c.strides();
        Launch l = Launch.of(rt, "gemm", "-DB_KIND=" + kind, "gemm");
        l.arg(m).arg(n).arg(k)
                .mem(l.buffer(a)).arg(a.offset()).arg(as[0]).arg(as[1]).arg(as[2])
                .mem(l.buffer(b)).arg(b.offset()).arg(bs[0]).arg(bs[1]).arg(bs[2])
                .mem(l.buffer(c)).arg(c.offset()).arg(cs[0]).arg(cs[1]).arg(cs[2])
                .arg(alpha).arg(beta)
                .run(new long[] {(long) ceil(n) * 16, (long) ceil(m) * 16, batch}, new long[] {16, 16, 1});
    }

    private static int ceil(int x) {
        return (x + TILE - 1) / TILE;
    }
}
