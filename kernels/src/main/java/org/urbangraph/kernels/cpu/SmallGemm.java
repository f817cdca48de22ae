package org.urbangraph.kernels.cpu;

import static org.urbangraph.kernels.cpu.CpuMem.F;
import static org.urbangraph.kernels.cpu.CpuMem.LANES;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Products of small row-major blocks that already sit in L1 (attention tiles): no packing, a 2-row by 4-vector
 * register tile, masked vectors for the last columns. Each output element sums its K products in k order.
 */
final class SmallGemm {
    private SmallGemm() {}

    /** c[m x n] (ldc) = (accumulate ? c : 0) + a[m x k] (lda) @ b[k x n] (ldb). */
    static void mm(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c,
                   int cOff, int ldc, boolean accumulate) {
        int i = 0;
        for (; i + 2 <= m; i += 2) {
            int j = 0;
            for (; j + 4 * LANES <= n; j += 4 * LANES) {
                tile2x4(k, a, aOff + i * lda, lda, b, bOff + j, ldb, c, cOff + i * ldc + j, ldc, accumulate);
            }
            for (; j < n; j += LANES) {
                VectorMask<Float> mask = F.indexInRange(j, n);
                FloatVector c0 = FloatVector.zero(F);
                FloatVector c1 = FloatVector.zero(F);
                int a0 = aOff + i * lda;
                int a1 = a0 + lda;
                for (int p = 0; p < k; p++) {
                    FloatVector bv = FloatVector.fromArray(F, b, bOff + p * ldb + j, mask);
                    c0 = FloatVector.broadcast(F, a[a0 + p]).fma(bv, c0);
                    c1 = FloatVector.broadcast(F, a[a1 + p]).fma(bv, c1);
                }
                int o0 = cOff + i * ldc + j;
                int o1 = o0 + ldc;
                if (accumulate) {
                    c0 = c0.add(FloatVector.fromArray(F, c, o0, mask));
                    c1 = c1.add(FloatVector.fromArray(F, c, o1, mask));
                }
                c0.intoArray(c, o0, mask);
                c1.intoArray(c, o1, mask);
            }
        }
        for (; i < m; i++) {
            for (int j = 0; j < n; j += LANES) {
                VectorMask<Float> mask = F.indexInRange(j, n);
                FloatVector c0 = FloatVector.zero(F);
                int a0 = aOff + i * lda;
                for (int p = 0; p < k; p++) {
                    c0 = FloatVector.broadcast(F, a[a0 + p]).fma(FloatVector.fromArray(F, b, bOff + p * ldb + j, mask), c0);
                }
                int o0 = cOff + i * ldc + j;
                if (accumulate) {
                    c0 = c0.add(FloatVector.fromArray(F, c, o0, mask));
                }
                c0.intoArray(c, o0, mask);
            }
        }
    }

    private static void tile2x4(int k, float[] a, int a0, int lda, float[] b, int b0, int ldb, float[] c, int c0,
                                int ldc, boolean accumulate) {
        FloatVector x0 = FloatVector.zero(F);
        FloatVector x1 = FloatVector.zero(F);
        FloatVector x2 = FloatVector.zero(F);
        FloatVector x3 = FloatVector.zero(F);
        FloatVector y0 = FloatVector.zero(F);
        FloatVector y1 = FloatVector.zero(F);
        FloatVector y2 = FloatVector.zero(F);
        FloatVector y3 = FloatVector.zero(F);
        int a1 = a0 + lda;
        for (int p = 0; p < k; p++) {
            int bi = b0 + p * ldb;
            FloatVector b0v = FloatVector.fromArray(F, b, bi);
            FloatVector b1v = FloatVector.fromArray(F, b, bi + LANES);
            FloatVector b2v = FloatVector.fromArray(F, b, bi + 2 * LANES);
            FloatVector b3v = FloatVector.fromArray(F, b, bi + 3 * LANES);
            FloatVector s = FloatVector.broadcast(F, a[a0 + p]);
            x0 = s.fma(b0v, x0);
            x1 = s.fma(b1v, x1);
            x2 = s.fma(b2v, x2);
            x3 = s.fma(b3v, x3);
            s = FloatVector.broadcast(F, a[a1 + p]);
            y0 = s.fma(b0v, y0);
            y1 = s.fma(b1v, y1);
            y2 = s.fma(b2v, y2);
            y3 = s.fma(b3v, y3);
        }
        int c1 = c0 + ldc;
        if (accumulate) {
            x0 = x0.add(FloatVector.fromArray(F, c, c0));
            x1 = x1.add(FloatVector.fromArray(F, c, c0 + LANES));
            x2 = x2.add(FloatVector.fromArray(F, c, c0 + 2 * LANES));
            x3 = x3.add(FloatVector.fromArray(F, c, c0 + 3 * LANES));
            y0 = y0.add(FloatVector.fromArray(F, c, c1));
            y1 = y1.add(FloatVector.fromArray(F, c, c1 + LANES));
            y2 = y2.add(FloatVector.fromArray(F, c, c1 + 2 * LANES));
            y3 = y3.add(FloatVector.fromArray(F, c, c1 + 3 * LANES));
        }
        x0.intoArray(c, c0);
        x1.intoArray(c, c0 + LANES);
        x2.intoArray(c, c0 + 2 * LANES);
        x3.intoArray(c, c0 + 3 * LANES);
        y0.intoArray(c, c1);
        y1.intoArray(c, c1 + LANES);
        y2.intoArray(c, c1 + 2 * LANES);
        y3.intoArray(c, c1 + 3 * LANES);
    }

    /** dst[cols x rows] (row-major, ld = rows) = transpose of src[rows x cols] (ld = lds). */
    static void transpose(float[] src, int sOff, int lds, int rows, int cols, float[] dst, int dOff, int ldd) {
        for (int i = 0; i < rows; i++) {
            int s = sOff + i * lds;
            for (int j = 0; j < cols; j++) {
                dst[dOff + j * ldd + i] = src[s + j];
            }
        }
    }
}
