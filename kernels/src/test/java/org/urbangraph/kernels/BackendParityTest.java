package org.urbangraph.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.urbangraph.kernels.ParityData.Layout.BROADCAST0;
import static org.urbangraph.kernels.ParityData.Layout.CONTIGUOUS;
import static org.urbangraph.kernels.ParityData.Layout.PADDED;
import static org.urbangraph.kernels.ParityData.Layout.SEQ_MAJOR;
import static org.urbangraph.kernels.ParityData.Layout.STEPPED;
import static org.urbangraph.kernels.ParityData.Layout.TRANSPOSED;
import static org.urbangraph.kernels.ParityData.REF;
import static org.urbangraph.kernels.ParityData.readBuffer;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.urbangraph.kernels.ParityData.Layout;
import org.urbangraph.kernels.ParityData.Pair;

/**
 * Every kernel of a backend against the plain {@link org.urbangraph.kernels.ref.ReferenceBackend}, on seeded random
 * inputs with odd sizes (1, 7, 33, 257 ...), non-contiguous layouts (transposed, padded and stepped slices, heads
 * interleaved, broadcast with a stride of 0), and narrow float types. A backend's test extends this class and
 * returns itself from {@link #backend()}; the harness only allocates, uploads and reads back through the
 * {@link Backend} interface, so it holds for device backends too.
 *
 * <h2>Tolerance rules</h2>
 * The reference accumulates in double and rounds once, so its result e is within half an F32 ulp (6e-8 relative) of
 * the exact value. A backend result r passes when {@code |r - e| <= TOL * (|e| + s)}, with {@code TOL = 1e-5} for
 * F32 results, and the scale s chosen by what the kernel computes:
 * <ul>
 *   <li>element-wise maps of O(1) inputs: s = 0.1, i.e. an absolute floor of 1e-6 where the result is near zero
 *       (sin near pi, GELU of a large negative input, where F32 evaluation loses relative accuracy);</li>
 *   <li>sums and dot products (GEMM, reductions, index/scatter adds): s = the sum of the magnitudes of the terms
 *       ({@code (|A| |B|)_ij} for a matrix product). F32 summation of K terms errs by at most ~K * 6e-8 of that sum
 *       in the worst case and ~sqrt(K) * 6e-8 typically, so 1e-5 holds for the K <= 300 used here with a margin,
 *       while a wrong index, a missed term or a wrong scale fails by orders of magnitude;</li>
 *   <li>backward passes, whose results are differences of similar sums: s = the largest |e| of the result (a
 *       norm-wise bound); for LayerNorm and RMSNorm input gradients, whose terms can cancel almost exactly (a row
 *       of one element), s = the magnitudes of those terms ({@link #normBackwardScale}).</li>
 * </ul>
 * Narrow outputs round the F32 value once more, and two backends may land on either side of a rounding boundary:
 * BF16 results get TOL = 8e-3 (one BF16 ulp, 2^-7) and F16 results 1e-3 (2^-10). BF16/F16 <em>inputs</em> (GEMM
 * weights) are widened exactly by both sides, so they keep the F32 rule. Copies, fills, selections, comparisons,
 * integer arithmetic and uniform random numbers must match bit for bit. Every output buffer starts filled with NaN
 * (or -7 for integers), so a kernel that reads its output shows, and the gaps around a padded output must come back
 * untouched. The graph-attention cases live in {@link GraphParityCases}.
 */
public abstract class BackendParityTest extends ParityChecks {

    private ParityData data(long seed) {
        return new ParityData(backend(), seed);
    }

    // ---- layout and element-wise -----------------------------------------------------------------------------

    @Test
    void copyAndFillConvertExactly() {
        ParityData d = data(11);
        DType[][] conversions = {
            {DType.F32, DType.F32}, {DType.F32, DType.BF16}, {DType.F32, DType.F16}, {DType.BF16, DType.F32},
            {DType.F16, DType.BF16}, {DType.F32, DType.I32}, {DType.I64, DType.F32}, {DType.I32, DType.I64},
            {DType.BOOL, DType.F32}, {DType.F32, DType.BOOL}, {DType.U8, DType.I64}};
        Layout[][] layouts = {{CONTIGUOUS, CONTIGUOUS}, {STEPPED, PADDED}, {TRANSPOSED, CONTIGUOUS},
            {BROADCAST0, PADDED}};
        int[][] shapes = {{1}, {7, 33}, {3, 5, 257}};
        int n = 0;
        for (DType[] conv : conversions) {
            for (int[] shape : shapes) {
                Layout[] lay = layouts[n++ % layouts.length];
                Pair x = conv[0].isFloat()
                        ? d.normal(conv[0], lay[0], 40, shape)
                        : d.tensor(conv[0], lay[0], () -> d.nextInt(conv[0] == DType.BOOL ? 2 : 200) - (conv[0] == DType.U8 || conv[0] == DType.BOOL ? 0 : 100), shape);
                Pair out = d.output(conv[1], lay[1], shape);
                REF.copy(x.ref(), out.ref());
                backend().copy(x.dev(), out.dev());
                checkExact("copy " + conv[0] + "->" + conv[1] + " " + Arrays.toString(shape) + " " + lay[0], out);
            }
        }
        Object[][] fills = {{DType.F32, 1.5}, {DType.BF16, 0.1}, {DType.F16, -3.3}, {DType.I64, 42.0},
            {DType.I32, -5.0}, {DType.BOOL, 1.0}, {DType.U8, 200.0}};
        for (Object[] f : fills) {
            for (int[] shape : shapes) {
                Pair out = d.output((DType) f[0], PADDED, shape);
                REF.fill(out.ref(), (Double) f[1]);
                backend().fill(out.dev(), (Double) f[1]);
                checkExact("fill " + f[0] + " " + Arrays.toString(shape), out);
            }
        }
    }

    @Test
    void unaryOpsMatchTheReference() {
        ParityData d = data(12);
        for (UnaryOp op : UnaryOp.values()) {
            float alpha = switch (op) {
                case LEAKY_RELU -> 0.01f;
                case POW_SCALAR -> 1.7f;
                case CLAMP -> -0.5f;
                case AFFINE -> 1.5f;
                default -> 0f;
            };
            float beta = switch (op) {
                case CLAMP -> 0.8f;
                case AFFINE -> -0.25f;
                default -> 0f;
            };
            boolean positive = switch (op) {
                case LOG, LOG1P, SQRT, RSQRT, POW_SCALAR -> true;
                default -> false;
            };
            java.util.function.DoubleSupplier gen = positive
                    ? () -> 0.05 + 3 * Math.abs(d.normal())
                    : () -> 2.5 * d.normal();
            Object[][] cases = {
                {DType.F32, CONTIGUOUS, DType.F32, CONTIGUOUS, new int[] {1031}},
                {DType.F32, STEPPED, DType.F32, PADDED, new int[] {7, 33}},
                {DType.BF16, TRANSPOSED, DType.F32, CONTIGUOUS, new int[] {33, 7}},
                {DType.F32, BROADCAST0, DType.BF16, CONTIGUOUS, new int[] {5, 1, 257}},
                {DType.F16, CONTIGUOUS, DType.F16, CONTIGUOUS, new int[] {1}}};
            for (Object[] c : cases) {
                int[] shape = (int[]) c[4];
                Pair x = d.tensor((DType) c[0], (Layout) c[1], gen, shape);
                Pair out = d.output((DType) c[2], (Layout) c[3], shape);
                REF.unary(op, x.ref(), out.ref(), alpha, beta);
                backend().unary(op, x.dev(), out.dev(), alpha, beta);
                checkElementwise("unary " + op + " " + c[0] + Arrays.toString(shape) + " " + c[1] + " -> " + c[2], out);
            }
        }
    }

    @Test
    void binaryOpsMatchTheReference() {
        ParityData d = data(13);
        for (BinaryOp op : BinaryOp.values()) {
            boolean cmp = op.isComparison();
            // comparisons on small integers so that equal pairs occur; pow on a positive base
            java.util.function.DoubleSupplier ga = cmp ? () -> d.nextInt(5) - 2
                    : op == BinaryOp.POW ? () -> 0.1 + 2 * Math.abs(d.normal()) : d::normal;
            java.util.function.DoubleSupplier gb = cmp ? () -> d.nextInt(5) - 2 : d::normal;
            Object[][] cases = {
                {DType.F32, CONTIGUOUS, DType.F32, CONTIGUOUS, DType.F32, CONTIGUOUS, new int[] {1031}},
                {DType.F32, TRANSPOSED, DType.BF16, BROADCAST0, DType.F32, PADDED, new int[] {7, 33}},
                {DType.BF16, STEPPED, DType.F32, CONTIGUOUS, DType.BF16, CONTIGUOUS, new int[] {3, 1, 257}},
                {DType.F32, CONTIGUOUS, DType.F32, STEPPED, cmp ? DType.BOOL : DType.F32, STEPPED, new int[] {1}}};
            for (Object[] c : cases) {
                int[] shape = (int[]) c[6];
                Pair a = d.tensor((DType) c[0], (Layout) c[1], ga, shape);
                Pair b = d.tensor((DType) c[2], (Layout) c[3], gb, shape);
                DType outType = cmp && c[4] == DType.F32 && shape.length == 2 ? DType.BOOL : (DType) c[4];
                Pair out = d.output(outType, (Layout) c[5], shape);
                REF.binary(op, a.ref(), b.ref(), out.ref());
                backend().binary(op, a.dev(), b.dev(), out.dev());
                String what = "binary " + op + " " + c[0] + "," + c[2] + "->" + outType + Arrays.toString(shape);
                if (cmp) {
                    checkExact(what, out);
                } else {
                    checkElementwise(what, out);
                }
            }
            // integers: 64-bit arithmetic, floor division, exact
            Pair a = d.tensor(DType.I64, TRANSPOSED, () -> d.nextInt(41) - 20, 7, 33);
            Pair b = d.tensor(DType.I32, BROADCAST0,
                    // divisors never 0 (the reference throws on them): 1..9 or -9..-1
                    () -> op == BinaryOp.POW ? d.nextInt(4)
                            : op == BinaryOp.DIV ? (d.nextInt(9) + 1) * (d.nextInt(2) * 2 - 1) : d.nextInt(41) - 20,
                    7, 33);
            Pair out = d.output(cmp ? DType.BOOL : DType.I64, PADDED, 7, 33);
            REF.binary(op, a.ref(), b.ref(), out.ref());
            backend().binary(op, a.dev(), b.dev(), out.dev());
            checkExact("binary " + op + " I64,I32", out);
        }
    }

    @Test
    void whereSelectsLikeTheReference() {
        ParityData d = data(14);
        Pair cond = d.tensor(DType.BOOL, TRANSPOSED, () -> d.nextInt(2), 33, 7);
        Pair a = d.normal(DType.F32, STEPPED, 1, 33, 7);
        Pair b = d.normal(DType.BF16, BROADCAST0, 1, 33, 7);
        Pair out = d.output(DType.F32, PADDED, 33, 7);
        REF.where(cond.ref(), a.ref(), b.ref(), out.ref());
        backend().where(cond.dev(), a.dev(), b.dev(), out.dev());
        checkExact("where F32", out);

        Pair ci = d.tensor(DType.I64, CONTIGUOUS, () -> d.nextInt(3) - 1, 1031);
        Pair ai = d.tensor(DType.I64, CONTIGUOUS, () -> d.nextInt(1000), 1031);
        Pair bi = d.tensor(DType.I64, CONTIGUOUS, () -> -d.nextInt(1000), 1031);
        Pair oi = d.output(DType.I64, 1031);
        REF.where(ci.ref(), ai.ref(), bi.ref(), oi.ref());
        backend().where(ci.dev(), ai.dev(), bi.dev(), oi.dev());
        checkExact("where I64", oi);
    }

    // ---- reductions and softmax ------------------------------------------------------------------------------

    @Test
    void reductionsMatchTheReference() {
        ParityData d = data(21);
        Object[][] cases = {
            {new int[] {7, 33, 5}, CONTIGUOUS}, {new int[] {7, 33, 5}, TRANSPOSED}, {new int[] {7, 33, 5}, STEPPED},
            {new int[] {3, 4097}, CONTIGUOUS}, {new int[] {1}, CONTIGUOUS}, {new int[] {257, 1}, PADDED}};
        for (ReduceOp op : ReduceOp.values()) {
            for (Object[] c : cases) {
                int[] shape = (int[]) c[0];
                for (int dim = 0; dim < shape.length; dim++) {
                    Pair x = d.normal(DType.F32, (Layout) c[1], 3, shape);
                    int[] os = shape.clone();
                    os[dim] = 1;
                    boolean arg = op == ReduceOp.ARGMAX || op == ReduceOp.ARGMIN;
                    Pair out = d.output(arg ? DType.I64 : DType.F32, PADDED, os);
                    REF.reduce(op, x.ref(), dim, out.ref());
                    backend().reduce(op, x.dev(), dim, out.dev());
                    String what = "reduce " + op + " dim " + dim + " of " + Arrays.toString(shape) + " " + c[1];
                    switch (op) {
                        case MAX, MIN, ARGMAX, ARGMIN -> checkExact(what, out);
                        case SUM, MEAN, SUM_SQUARES -> {
                            View s = d.output(DType.F32, os).ref();
                            REF.reduce(op, abs(x.ref()), dim, s);
                            checkScaled(what, out, values(s));
                        }
                        case LOGSUMEXP -> checkElementwise(what, out);
                    }
                }
            }
        }
        // a BF16 input widened on the fly
        Pair x = d.normal(DType.BF16, TRANSPOSED, 1, 33, 257);
        Pair out = d.output(DType.F32, 33, 1);
        REF.reduce(ReduceOp.SUM, x.ref(), 1, out.ref());
        backend().reduce(ReduceOp.SUM, x.dev(), 1, out.dev());
        Pair s = d.output(DType.F32, 33, 1);
        REF.reduce(ReduceOp.SUM, abs(x.ref()), 1, s.ref());
        checkScaled("reduce SUM of BF16", out, values(s.ref()));
    }

    /**
     * Integer reductions are exact, whatever the layout: an F32 accumulator reads 2^24 + 1 as 2^24 (and so takes the
     * first of 2^24 and 2^24 + 1 as the maximum), a double one 2^53 + 1 as 2^53.
     */
    @Test
    void integerReductionsAreExact() {
        ParityData d = data(23);
        long p24 = 1L << 24;
        long p40 = 1L << 40;
        long p53 = 1L << 53;
        long[][] rows = {{p24 + 1, 1, 0}, {p24, p24 + 1, -3}, {p40 + 1, p40 + 3, p40 + 2}, {p53 + 1, 1, -(p53 + 3)}};
        Object[][] expected = {
            {ReduceOp.SUM, new long[] {p24 + 2, 2 * p24 - 2, 3 * p40 + 6, -1}},
            {ReduceOp.MAX, new long[] {p24 + 1, p24 + 1, p40 + 3, p53 + 1}},
            {ReduceOp.MIN, new long[] {0, -3, p40 + 1, -(p53 + 3)}},
            {ReduceOp.ARGMAX, new long[] {0, 1, 1, 0}},
            {ReduceOp.ARGMIN, new long[] {2, 2, 0, 2}}};
        for (DType type : new DType[] {DType.I64, DType.I32}) {
            int n = type == DType.I64 ? rows.length : 2;
            long[] rowMajor = new long[n * 3];
            long[] columnMajor = new long[n * 3];
            for (int r = 0; r < n; r++) {
                for (int c = 0; c < 3; c++) {
                    rowMajor[r * 3 + c] = rows[r][c];
                    columnMajor[c * n + r] = rows[r][c];
                }
            }
            Pair plain = d.ints(type, rowMajor, n, 3);
            Pair stored = d.ints(type, columnMajor, 3, n);
            // the same [n, 3] matrix with the reduced dimension strided: the column path of the CPU backend
            Pair columns = new Pair(transposed(stored.ref()), transposed(stored.dev()));
            for (Object[] e : expected) {
                ReduceOp op = (ReduceOp) e[0];
                long[] want = Arrays.copyOf((long[]) e[1], n);
                for (Pair x : new Pair[] {plain, columns}) {
                    Pair out = d.output(DType.I64, n, 1);
                    backend().reduce(op, x.dev(), 1, out.dev());
                    assertArrayEquals(want, ParityData.readLongs(backend(), out.dev()), "reduce " + op + " of " + type
                            + (x == plain ? "" : " (strided)") + " on " + backend().name());
                }
            }
        }
    }

    private static View transposed(View v) {
        return new View(v.buffer(), v.dtype(), v.offset(), new int[] {v.shape()[1], v.shape()[0]},
                new long[] {v.strides()[1], v.strides()[0]});
    }

    @Test
    void softmaxForwardAndBackward() {
        ParityData d = data(22);
        Object[][] cases = {
            {new int[] {7, 257}, CONTIGUOUS, 3.0}, {new int[] {3, 5, 1}, STEPPED, 1.0},
            {new int[] {2, 4097}, CONTIGUOUS, 1.0}, {new int[] {33, 7}, TRANSPOSED, 30.0},
            {new int[] {1, 33}, PADDED, 1.0}};
        for (boolean log : new boolean[] {false, true}) {
            for (Object[] c : cases) {
                int[] shape = (int[]) c[0];
                double sc = (Double) c[2];
                int n = shape[shape.length - 1];
                // a few -inf entries, as masked fills produce, but never a whole row
                Pair x = d.tensor(DType.F32, (Layout) c[1],
                        () -> n > 3 && d.nextInt(17) == 0 ? Double.NEGATIVE_INFINITY : sc * d.normal(), shape);
                Pair y = d.output(DType.F32, PADDED, shape);
                REF.softmax(x.ref(), y.ref(), log);
                backend().softmax(x.dev(), y.dev(), log);
                String what = (log ? "log_softmax " : "softmax ") + Arrays.toString(shape) + " " + c[1];
                checkElementwise(what, y);

                Pair dy = d.normal(DType.F32, (Layout) c[1], 1, shape);
                Pair dx = d.output(DType.F32, STEPPED, shape);
                REF.softmaxBackward(y.ref(), dy.ref(), dx.ref(), log);
                backend().softmaxBackward(y.dev(), dy.dev(), dx.dev(), log);
                checkNormwise(what + " backward", dx);
            }
        }
    }

    // ---- normalisation ---------------------------------------------------------------------------------------

    @Test
    void layerNormForwardAndBackward() {
        ParityData d = data(31);
        int[][] shapes = {{7, 33}, {3, 5, 257}, {2, 1}, {1, 4099}};
        int i = 0;
        for (int[] shape : shapes) {
            for (int variant = 0; variant < 3; variant++) {
                int n = shape[shape.length - 1];
                int[] rows = Arrays.copyOf(shape, shape.length - 1);
                Layout lay = i++ % 2 == 0 ? CONTIGUOUS : TRANSPOSED;
                Pair x = d.tensor(DType.F32, lay, () -> 2 + 3 * d.normal(), shape);
                Pair w = variant == 2 ? null : d.normal(variant == 0 ? DType.F32 : DType.BF16, n);
                Pair b = variant == 2 ? null : d.normal(DType.F32, STEPPED, 1, n);
                Pair out = d.output(DType.F32, PADDED, shape);
                Pair mean = d.output(DType.F32, rows);
                Pair rstd = d.output(DType.F32, rows);
                REF.layerNorm(x.ref(), w == null ? null : w.ref(), b == null ? null : b.ref(), 1e-5f, out.ref(),
                        mean.ref(), rstd.ref());
                backend().layerNorm(x.dev(), w == null ? null : w.dev(), b == null ? null : b.dev(), 1e-5f,
                        out.dev(), mean.dev(), rstd.dev());
                String what = "layer_norm " + Arrays.toString(shape) + " variant " + variant;
                checkElementwise(what, out);
                checkElementwise(what + " mean", mean);
                checkElementwise(what + " rstd", rstd);

                Pair dy = d.normal(DType.F32, lay, 1, shape);
                Pair dx = d.output(DType.F32, shape);
                Pair dw = w == null ? null : d.normal(DType.F32, n);
                Pair db = w == null ? null : d.normal(DType.F32, n);
                REF.layerNormBackward(x.ref(), w == null ? null : w.ref(), mean.ref(), rstd.ref(), dy.ref(), dx.ref(),
                        dw == null ? null : dw.ref(), db == null ? null : db.ref());
                backend().layerNormBackward(x.dev(), w == null ? null : w.dev(), mean.dev(), rstd.dev(), dy.dev(),
                        dx.dev(), dw == null ? null : dw.dev(), db == null ? null : db.dev());
                checkScaled(what + " dx", dx, normBackwardScale(x, w, mean, rstd, dy));
                if (dw != null) {
                    checkNormwise(what + " dWeight (accumulated)", dw);
                    checkNormwise(what + " dBias (accumulated)", db);
                }
            }
        }
    }

    @Test
    void rmsNormForwardAndBackward() {
        ParityData d = data(32);
        int[][] shapes = {{7, 33}, {3, 5, 257}, {2, 1}, {1, 4099}};
        int i = 0;
        for (int[] shape : shapes) {
            for (int variant = 0; variant < 3; variant++) {
                int n = shape[shape.length - 1];
                int[] rows = Arrays.copyOf(shape, shape.length - 1);
                Layout lay = i++ % 2 == 0 ? STEPPED : CONTIGUOUS;
                Pair x = d.normal(DType.F32, lay, 2, shape);
                Pair w = variant == 2 ? null : d.normal(variant == 0 ? DType.F32 : DType.BF16, n);
                Pair out = d.output(variant == 1 ? DType.BF16 : DType.F32, shape);
                Pair rstd = d.output(DType.F32, rows);
                REF.rmsNorm(x.ref(), w == null ? null : w.ref(), 1e-6f, out.ref(), rstd.ref());
                backend().rmsNorm(x.dev(), w == null ? null : w.dev(), 1e-6f, out.dev(), rstd.dev());
                String what = "rms_norm " + Arrays.toString(shape) + " variant " + variant;
                checkElementwise(what, out);
                checkElementwise(what + " rstd", rstd);

                Pair dy = d.normal(DType.F32, TRANSPOSED, 1, shape);
                Pair dx = d.output(DType.F32, PADDED, shape);
                Pair dw = w == null ? null : d.normal(DType.F32, n);
                REF.rmsNormBackward(x.ref(), w == null ? null : w.ref(), rstd.ref(), dy.ref(), dx.ref(),
                        dw == null ? null : dw.ref());
                backend().rmsNormBackward(x.dev(), w == null ? null : w.dev(), rstd.dev(), dy.dev(), dx.dev(),
                        dw == null ? null : dw.dev());
                checkScaled(what + " dx", dx, normBackwardScale(x, w, null, rstd, dy));
                if (dw != null) {
                    checkNormwise(what + " dWeight (accumulated)", dw);
                }
            }
        }
    }

    /**
     * The summation-rule scale of a norm's input gradient: per element, the magnitudes of the terms of
     * rstd * (g w - mean(g w) - xhat * mean(g w xhat)) for LayerNorm (mean given) or
     * rstd * g w - x * rstd^3 * mean(g w x) for RMSNorm (mean null). With a row of one element these terms cancel
     * almost exactly, and a one-ulp difference in rstd moves the result far more than the result's own size.
     */
    static double[] normBackwardScale(Pair x, Pair w, Pair mean, Pair rstd, Pair dy) {
        double[] xv = values(x.ref());
        double[] gv = values(dy.ref());
        double[] rs = values(rstd.ref());
        double[] mu = mean == null ? null : values(mean.ref());
        double[] wv = w == null ? null : values(w.ref());
        int n = x.shape()[x.shape().length - 1];
        double[] scale = new double[xv.length];
        for (int r = 0; r < rs.length; r++) {
            double sumGw = 0;
            double sumProd = 0;
            for (int j = 0; j < n; j++) {
                int i = r * n + j;
                double gw = Math.abs(gv[i] * (wv == null ? 1 : wv[j]));
                double xt = mu == null ? Math.abs(xv[i]) : Math.abs((xv[i] - mu[r]) * rs[r]);
                sumGw += gw;
                sumProd += gw * xt;
            }
            for (int j = 0; j < n; j++) {
                int i = r * n + j;
                double gw = Math.abs(gv[i] * (wv == null ? 1 : wv[j]));
                scale[i] = mu == null
                        ? rs[r] * gw + Math.abs(xv[i]) * rs[r] * rs[r] * rs[r] * sumProd / n
                        : rs[r] * (gw + sumGw / n + Math.abs((xv[i] - mu[r]) * rs[r]) * sumProd / n);
            }
        }
        return scale;
    }

    // ---- GEMM ------------------------------------------------------------------------------------------------

    @Test
    void gemmMatchesTheReference() {
        ParityData d = data(41);
        int[][] sizes = {{1, 1, 1, 1}, {1, 7, 33, 5}, {2, 33, 17, 257}, {1, 257, 65, 33}, {3, 13, 257, 7},
            {2, 70, 129, 50}, {1, 1, 300, 97}, {1, 97, 1, 33}, {1, 9, 300, 1100}};
        DType[] bTypes = {DType.F32, DType.BF16, DType.F16};
        Layout[] aLayouts = {CONTIGUOUS, TRANSPOSED, PADDED, BROADCAST0};
        Layout[] bLayouts = {CONTIGUOUS, TRANSPOSED, BROADCAST0, PADDED};
        int caseNo = 0;
        for (int[] s : sizes) {
            int combos = s[1] * s[2] * s[3] <= 20_000 ? 16 : 4;
            for (int c = 0; c < combos; c++, caseNo++) {
                Layout la = aLayouts[(c + caseNo) % aLayouts.length];
                Layout lb = bLayouts[(c / 4 + caseNo) % bLayouts.length];
                DType bt = bTypes[caseNo % bTypes.length];
                boolean accumulate = caseNo % 3 == 2;
                float alpha = accumulate ? -1.5f : caseNo % 5 == 1 ? 0.5f : 1f;
                float beta = accumulate ? 0.75f : 0f;
                Pair a = d.normal(DType.F32, la, 1, s[0], s[1], s[2]);
                Pair b = d.normal(bt, lb, 1, s[0], s[2], s[3]);
                Layout lc = caseNo % 2 == 0 ? CONTIGUOUS : PADDED;
                Pair cc = accumulate ? d.normal(DType.F32, lc, 1, s[0], s[1], s[3])
                        : d.output(DType.F32, lc, s[0], s[1], s[3]);
                double[] cBefore = accumulate ? values(cc.ref()) : null;
                REF.gemm(a.ref(), b.ref(), cc.ref(), alpha, beta);
                backend().gemm(a.dev(), b.dev(), cc.dev(), alpha, beta);

                Pair scale = d.output(DType.F32, s[0], s[1], s[3]);
                REF.gemm(abs(a.ref()), abs(b.ref()), scale.ref(), Math.abs(alpha), 0f);
                double[] sc = values(scale.ref());
                if (accumulate) {
                    for (int i = 0; i < sc.length; i++) {
                        sc[i] += Math.abs(beta * cBefore[i]);
                    }
                }
                checkScaled("gemm " + Arrays.toString(s) + " a " + la + " b " + bt + " " + lb + " c " + lc
                        + " alpha " + alpha + " beta " + beta, cc, sc);
            }
        }
    }

    // ---- attention -------------------------------------------------------------------------------------------

    private record AttnCase(int batch, int hq, int hk, int lq, int lk, int dim, int dimV, boolean causal,
                            boolean padding, boolean segments, Layout layout, int window) {
        AttnCase(int batch, int hq, int hk, int lq, int lk, int dim, int dimV, boolean causal, boolean padding,
                 boolean segments, Layout layout) {
            this(batch, hq, hk, lq, lk, dim, dimV, causal, padding, segments, layout, 0);
        }
    }

    private static final AttnCase[] ATTENTION_CASES = {
        new AttnCase(1, 1, 1, 1, 1, 32, 32, false, false, false, CONTIGUOUS),
        new AttnCase(2, 4, 2, 33, 33, 64, 64, true, false, false, CONTIGUOUS),
        new AttnCase(1, 2, 2, 7, 40, 128, 128, true, false, false, SEQ_MAJOR),
        new AttnCase(2, 3, 1, 37, 37, 33, 33, false, true, true, CONTIGUOUS),
        new AttnCase(1, 2, 2, 65, 65, 80, 48, false, false, false, SEQ_MAJOR),
        new AttnCase(1, 2, 1, 130, 130, 32, 32, true, true, false, CONTIGUOUS),
        new AttnCase(2, 2, 2, 19, 71, 7, 7, false, true, true, PADDED),
        new AttnCase(1, 1, 1, 77, 77, 96, 96, true, false, true, CONTIGUOUS),
        new AttnCase(1, 2, 1, 150, 150, 32, 32, true, false, false, CONTIGUOUS, 40),
        new AttnCase(1, 1, 1, 9, 140, 64, 64, false, true, false, CONTIGUOUS, 70),
        // long enough for the CPU backend's row-block forward (whole key ranges through the packed GEMM)
        new AttnCase(1, 2, 1, 300, 300, 80, 80, false, false, true, CONTIGUOUS),
        new AttnCase(2, 4, 2, 260, 270, 64, 48, true, true, false, SEQ_MAJOR),
        new AttnCase(2, 3, 3, 200, 290, 33, 37, false, false, true, PADDED),
        new AttnCase(1, 1, 1, 280, 280, 32, 32, true, false, false, CONTIGUOUS, 100)};

    /** Inputs of one attention case, with a mask whose every rule is active where the case asks for it. */
    private record AttnInputs(Pair q, Pair k, Pair v, AttentionMask refMask, AttentionMask devMask) {}

    private AttnInputs attentionInputs(ParityData d, AttnCase c) {
        Pair q = d.normal(DType.F32, c.layout(), 1, c.batch(), c.hq(), c.lq(), c.dim());
        Pair k = d.normal(DType.F32, c.layout(), 1, c.batch(), c.hk(), c.lk(), c.dim());
        Pair v = d.normal(DType.F32, c.layout(), 1, c.batch(), c.hk(), c.lk(), c.dimV());
        AttentionMask rm = (c.causal() ? AttentionMask.CAUSAL : AttentionMask.NONE).withWindow(c.window());
        AttentionMask dm = rm;
        if (c.padding()) {
            // batch 0 pads its first key: under a causal mask its first query then sees nothing
            long[] pad = new long[c.batch() * c.lk()];
            for (int i = 0; i < pad.length; i++) {
                pad[i] = i == 0 || d.nextInt(5) == 0 ? 0 : 1;
            }
            Pair p = d.ints(DType.BOOL, pad, c.batch(), c.lk());
            rm = rm.withKeyPadding(p.ref());
            dm = dm.withKeyPadding(p.dev());
        }
        if (c.segments()) {
            // four contiguous runs per sequence; key segment ids skip id 2, so the queries of segment 2 see no key.
            // Sequence 0 numbers its runs upwards (sorted ids: the CPU backend skips the blocks other segments own),
            // sequence 1 downwards (unsorted: every block is visited and masked element by element).
            long[] qs = new long[c.batch() * c.lq()];
            long[] ks = new long[c.batch() * c.lk()];
            for (int i = 0; i < qs.length; i++) {
                long id = (i % c.lq()) * 4L / Math.max(1, c.lq());
                qs[i] = i < c.lq() ? id : 3 - id;
            }
            for (int i = 0; i < ks.length; i++) {
                long id = (i % c.lk()) * 4L / Math.max(1, c.lk());
                id = id == 2 ? 1 : id;
                ks[i] = i < c.lk() ? id : 3 - id;
            }
            Pair qp = d.ints(DType.I32, qs, c.batch(), c.lq());
            Pair kp = d.ints(DType.I64, ks, c.batch(), c.lk());
            rm = rm.withSegments(qp.ref(), kp.ref());
            dm = dm.withSegments(qp.dev(), kp.dev());
        }
        return new AttnInputs(q, k, v, rm, dm);
    }

    @Test
    void attentionForwardMatchesTheReference() {
        ParityData d = data(51);
        for (AttnCase c : ATTENTION_CASES) {
            AttnInputs in = attentionInputs(d, c);
            float scale = (float) (1 / Math.sqrt(c.dim()));
            Pair out = d.output(DType.F32, c.layout() == PADDED ? PADDED : CONTIGUOUS,
                    c.batch(), c.hq(), c.lq(), c.dimV());
            Pair lse = d.output(DType.F32, c.batch(), c.hq(), c.lq());
            REF.attention(in.q().ref(), in.k().ref(), in.v().ref(), in.refMask(), scale, out.ref(), lse.ref());
            backend().attention(in.q().dev(), in.k().dev(), in.v().dev(), in.devMask(), scale, out.dev(), lse.dev());
            checkNormwise("attention " + c, out);
            checkElementwise("attention lse " + c, lse);

            // without lse, and BF16 output
            Pair out16 = d.output(DType.BF16, c.batch(), c.hq(), c.lq(), c.dimV());
            REF.attention(in.q().ref(), in.k().ref(), in.v().ref(), in.refMask(), scale, out16.ref(), null);
            backend().attention(in.q().dev(), in.k().dev(), in.v().dev(), in.devMask(), scale, out16.dev(), null);
            checkNormwise("attention BF16 out " + c, out16);
        }
    }

    @Test
    void attentionBackwardMatchesTheReference() {
        ParityData d = data(52);
        for (AttnCase c : ATTENTION_CASES) {
            AttnInputs in = attentionInputs(d, c);
            float scale = (float) (1 / Math.sqrt(c.dim()));
            Pair out = d.output(DType.F32, c.batch(), c.hq(), c.lq(), c.dimV());
            Pair lse = d.output(DType.F32, c.batch(), c.hq(), c.lq());
            REF.attention(in.q().ref(), in.k().ref(), in.v().ref(), in.refMask(), scale, out.ref(), lse.ref());
            backend().attention(in.q().dev(), in.k().dev(), in.v().dev(), in.devMask(), scale, out.dev(), lse.dev());
            Pair dOut = d.normal(DType.F32, c.layout(), 1, c.batch(), c.hq(), c.lq(), c.dimV());
            Pair dq = d.output(DType.F32, c.layout() == PADDED ? PADDED : CONTIGUOUS, c.batch(), c.hq(), c.lq(), c.dim());
            Pair dk = d.output(DType.F32, c.batch(), c.hk(), c.lk(), c.dim());
            Pair dv = d.output(DType.F32, c.layout() == SEQ_MAJOR ? PADDED : CONTIGUOUS, c.batch(), c.hk(), c.lk(), c.dimV());
            REF.attentionBackward(in.q().ref(), in.k().ref(), in.v().ref(), in.refMask(), scale, out.ref(), lse.ref(),
                    dOut.ref(), dq.ref(), dk.ref(), dv.ref());
            backend().attentionBackward(in.q().dev(), in.k().dev(), in.v().dev(), in.devMask(), scale, out.dev(),
                    lse.dev(), dOut.dev(), dq.dev(), dk.dev(), dv.dev());
            // one term of dq is scale * p * (dP - delta) * k, of dk scale * p * (dP - delta) * q; with a single
            // visible key dq and dk cancel to zero exactly, so their floor is the typical (RMS) size of such a term
            double dpSize = rms(dOut) * rms(in.v()) * Math.sqrt(c.dimV());
            checkNormwise("attention dq " + c, dq, scale * dpSize * rms(in.k()));
            checkNormwise("attention dk " + c, dk, scale * dpSize * rms(in.q()));
            checkNormwise("attention dv " + c, dv);
        }
    }

    // ---- rotary ----------------------------------------------------------------------------------------------

    @Test
    void rotaryMatchesTheReference() {
        ParityData d = data(61);
        int[][] shapes = {{1, 1, 1, 2}, {2, 3, 7, 64}, {1, 16, 33, 128}, {2, 2, 5, 6}, {1, 4, 257, 80}};
        int i = 0;
        for (int[] s : shapes) {
            for (boolean inverse : new boolean[] {false, true}) {
                Layout lx = i % 3 == 0 ? CONTIGUOUS : i % 3 == 1 ? SEQ_MAJOR : PADDED;
                DType xt = i % 4 == 3 ? DType.BF16 : DType.F32;
                i++;
                Pair x = d.normal(xt, lx, 1, s);
                java.util.function.DoubleSupplier trig = () -> Math.cos(d.uniform(0, 2 * Math.PI));
                Pair cos = d.tensor(DType.F32, BROADCAST0, trig, s[0], s[2], s[3]);
                Pair sin = d.tensor(DType.F32, s[0] > 1 ? BROADCAST0 : CONTIGUOUS, trig, s[0], s[2], s[3]);
                Pair out = d.output(xt, i % 2 == 0 ? CONTIGUOUS : PADDED, s);
                REF.rotary(x.ref(), cos.ref(), sin.ref(), out.ref(), inverse);
                backend().rotary(x.dev(), cos.dev(), sin.dev(), out.dev(), inverse);
                checkElementwise("rotary " + Arrays.toString(s) + " " + xt + " " + lx + (inverse ? " inverse" : ""),
                        out);
            }
        }
    }

    // ---- indexing --------------------------------------------------------------------------------------------

    @Test
    void indexSelectAndEmbeddingLookup() {
        ParityData d = data(71);
        // embedding lookup: rows of a BF16 table by I64 ids, repeats included
        Pair table = d.normal(DType.BF16, 100, 33);
        Pair ids = d.ints(DType.I64, d.ids(17, 100), 17);
        Pair out = d.output(DType.F32, PADDED, 17, 33);
        REF.indexSelect(table.ref(), 0, ids.ref(), out.ref());
        backend().indexSelect(table.dev(), 0, ids.dev(), out.dev());
        checkExact("embedding lookup", out);

        Pair x = d.normal(DType.F32, TRANSPOSED, 1, 7, 257, 3);
        Pair ids1 = d.ints(DType.I32, d.ids(33, 257), 33);
        Pair out1 = d.output(DType.F32, 7, 33, 3);
        REF.indexSelect(x.ref(), 1, ids1.ref(), out1.ref());
        backend().indexSelect(x.dev(), 1, ids1.dev(), out1.dev());
        checkExact("index_select dim 1", out1);

        Pair bad = d.ints(DType.I64, new long[] {3, 100}, 2);
        Pair outBad = d.output(DType.F32, 2, 33);
        assertThrows(RuntimeException.class, () -> {
            backend().indexSelect(table.dev(), 0, bad.dev(), outBad.dev());
            backend().toHost(outBad.dev().buffer(), 0, java.lang.foreign.MemorySegment.ofArray(new byte[4]));
        }, "an id equal to the table size must be rejected");
    }

    @Test
    void indexAddGatherAndScatterAdd() {
        ParityData d = data(72);
        // index_add: the backward of an embedding lookup, with repeated ids
        Pair dst = d.normal(DType.F32, 40, 33);
        Pair src = d.normal(DType.F32, TRANSPOSED, 1, 257, 33);
        Pair ids = d.ints(DType.I64, d.ids(257, 40), 257);
        View absDst = abs(dst.ref());
        REF.indexAdd(absDst, 0, ids.ref(), abs(src.ref()));
        double[] scale = values(absDst);
        REF.indexAdd(dst.ref(), 0, ids.ref(), src.ref());
        backend().indexAdd(dst.dev(), 0, ids.dev(), src.dev());
        checkScaled("index_add dim 0", dst, scale);

        Pair dst1 = d.normal(DType.F32, PADDED, 1, 5, 9, 2);
        Pair src1 = d.normal(DType.F32, 5, 31, 2);
        Pair ids1 = d.ints(DType.I32, d.ids(31, 9), 31);
        View abs1 = abs(dst1.ref());
        REF.indexAdd(abs1, 1, ids1.ref(), abs(src1.ref()));
        double[] scale1 = values(abs1);
        REF.indexAdd(dst1.ref(), 1, ids1.ref(), src1.ref());
        backend().indexAdd(dst1.dev(), 1, ids1.dev(), src1.dev());
        checkScaled("index_add dim 1", dst1, scale1);

        // gather along each dim
        Pair x = d.normal(DType.F32, STEPPED, 1, 7, 33);
        Pair gi = d.ints(DType.I64, d.ids(7 * 12, 33), 7, 12);
        Pair gout = d.output(DType.F32, 7, 12);
        REF.gather(x.ref(), 1, gi.ref(), gout.ref());
        backend().gather(x.dev(), 1, gi.dev(), gout.dev());
        checkExact("gather dim 1", gout);
        Pair gi0 = d.ints(DType.I32, d.ids(3 * 33, 7), 3, 33);
        Pair gout0 = d.output(DType.F32, PADDED, 3, 33);
        REF.gather(x.ref(), 0, gi0.ref(), gout0.ref());
        backend().gather(x.dev(), 0, gi0.dev(), gout0.dev());
        checkExact("gather dim 0", gout0);

        // scatter_add: message passing, edges [E, H] summed into nodes [N, H]
        int edges = 257;
        int heads = 4;
        long[] target = d.ids(edges, 20);
        long[] idx = new long[edges * heads];
        for (int e = 0; e < edges; e++) {
            for (int h = 0; h < heads; h++) {
                idx[e * heads + h] = target[e];
            }
        }
        Pair si = d.ints(DType.I64, idx, edges, heads);
        Pair ssrc = d.normal(DType.F32, edges, heads);
        Pair sdst = d.normal(DType.F32, 20, heads);
        View sabs = abs(sdst.ref());
        REF.scatterAdd(sabs, 0, si.ref(), abs(ssrc.ref()));
        double[] sscale = values(sabs);
        REF.scatterAdd(sdst.ref(), 0, si.ref(), ssrc.ref());
        backend().scatterAdd(sdst.dev(), 0, si.dev(), ssrc.dev());
        checkScaled("scatter_add dim 0", sdst, sscale);

        Pair si1 = d.ints(DType.I32, d.ids(7 * 40, 9), 7, 40);
        Pair ssrc1 = d.normal(DType.F32, 7, 40);
        Pair sdst1 = d.normal(DType.F32, 7, 9);
        View sabs1 = abs(sdst1.ref());
        REF.scatterAdd(sabs1, 1, si1.ref(), abs(ssrc1.ref()));
        double[] sscale1 = values(sabs1);
        REF.scatterAdd(sdst1.ref(), 1, si1.ref(), ssrc1.ref());
        backend().scatterAdd(sdst1.dev(), 1, si1.dev(), ssrc1.dev());
        checkScaled("scatter_add dim 1", sdst1, sscale1);
    }

    @Test
    void segmentSoftmaxForwardAndBackward() {
        ParityData d = data(73);
        int[][] shapes = {{257, 4}, {33}, {1, 1}, {1000, 3}};
        for (int[] shape : shapes) {
            int rows = shape[0];
            int segments = 20;
            long[] seg = new long[rows];
            for (int i = 0; i < rows; i++) {
                long s = d.nextInt(segments);
                seg[i] = s == 5 || s == 11 ? 0 : s; // segments 5 and 11 stay empty
            }
            Pair segment = d.ints(rows % 2 == 0 ? DType.I32 : DType.I64, seg, rows);
            Pair x = d.normal(DType.F32, shape.length > 1 ? TRANSPOSED : CONTIGUOUS, 3, shape);
            Pair y = d.output(DType.F32, shape);
            REF.segmentSoftmax(x.ref(), segment.ref(), segments, 1e-16f, y.ref());
            backend().segmentSoftmax(x.dev(), segment.dev(), segments, 1e-16f, y.dev());
            checkElementwise("segment_softmax " + Arrays.toString(shape), y);

            Pair dy = d.normal(DType.F32, shape);
            Pair dx = d.output(DType.F32, shape);
            REF.segmentSoftmaxBackward(y.ref(), dy.ref(), segment.ref(), segments, dx.ref());
            backend().segmentSoftmaxBackward(y.dev(), dy.dev(), segment.dev(), segments, dx.dev());
            checkNormwise("segment_softmax backward " + Arrays.toString(shape), dx);
        }
    }

    @Test
    void gatv2LogitsForwardAndBackward() {
        new GraphParityCases(this).gatv2Logits();
    }

    @Test
    void edgeAggregateForwardAndBackward() {
        new GraphParityCases(this).edgeAggregate();
    }

    // ---- random numbers and optimizer ------------------------------------------------------------------------

    @Test
    void randomStreamsAreTheReferenceStreams() {
        ParityData d = data(81);
        for (int[] shape : new int[][] {{1}, {7, 33}, {3, 1031}}) {
            for (DType t : new DType[] {DType.F32, DType.BF16}) {
                Pair u = d.output(t, PADDED, shape);
                REF.randomUniform(u.ref(), 1234567L);
                backend().randomUniform(u.dev(), 1234567L);
                checkExact("random uniform " + t + Arrays.toString(shape), u);

                Pair n = d.output(t, PADDED, shape);
                REF.randomNormal(n.ref(), -99L);
                backend().randomNormal(n.dev(), -99L);
                checkElementwise("random normal " + t + Arrays.toString(shape), n);
            }
        }
    }

    @Test
    void adamwStepsMatchTheReference() {
        ParityData d = data(91);
        for (int n : new int[] {1, 7, 1031}) {
            Pair p = d.normal(DType.F32, n);
            Pair m = d.normal(DType.F32, CONTIGUOUS, 0.01, n);
            Pair v = d.tensor(DType.F32, CONTIGUOUS, () -> 1e-4 * Math.abs(d.normal()), n);
            for (int t = 1; t <= 3; t++) {
                Pair g = d.normal(DType.F32, n);
                float b1 = 0.9f;
                float b2 = 0.999f;
                float bc1 = (float) (1 - Math.pow(b1, t));
                float bc2 = (float) (1 - Math.pow(b2, t));
                REF.adamw(p.ref(), g.ref(), m.ref(), v.ref(), 1e-3f, b1, b2, 1e-8f, 0.1f, bc1, bc2);
                backend().adamw(p.dev(), g.dev(), m.dev(), v.dev(), 1e-3f, b1, b2, 1e-8f, 0.1f, bc1, bc2);
            }
            checkElementwise("adamw param n=" + n, p);
            checkElementwise("adamw m n=" + n, m);
            checkElementwise("adamw v n=" + n, v);
        }
    }

    // ---- determinism -----------------------------------------------------------------------------------------

    @Test
    void repeatedCallsGiveTheSameBits() {
        ParityData d = data(99);
        Pair a = d.normal(DType.F32, 65, 300);
        Pair b = d.normal(DType.BF16, TRANSPOSED, 1, 300, 129);
        View a3 = a.dev().reshaped(1, 65, 300);
        View b3 = new View(b.dev().buffer(), DType.BF16, 0, new int[] {1, 300, 129},
                new long[] {0, b.dev().strides()[0], b.dev().strides()[1]});
        Pair c1 = d.output(DType.F32, 1, 65, 129);
        Pair c2 = d.output(DType.F32, 1, 65, 129);
        backend().gemm(a3, b3, c1.dev(), 1f, 0f);
        backend().gemm(a3, b3, c2.dev(), 1f, 0f);
        assertArrayEquals(readBuffer(backend(), c1.dev()), readBuffer(backend(), c2.dev()), "gemm twice");

        Pair x = d.normal(DType.F32, 3, 4099);
        Pair s1 = d.output(DType.F32, 3, 1);
        Pair s2 = d.output(DType.F32, 3, 1);
        backend().reduce(ReduceOp.SUM, x.dev(), 1, s1.dev());
        backend().reduce(ReduceOp.SUM, x.dev(), 1, s2.dev());
        assertArrayEquals(readBuffer(backend(), s1.dev()), readBuffer(backend(), s2.dev()), "sum twice");
    }
}
