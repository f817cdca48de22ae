package org.urbangraph.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.urbangraph.kernels.ParityData.REF;
import static org.urbangraph.kernels.ParityData.readBuffer;
import static org.urbangraph.kernels.ParityData.readGaps;
import static org.urbangraph.kernels.ParityData.readView;
import static org.urbangraph.kernels.ParityData.refMap;

import java.util.Arrays;
import org.urbangraph.kernels.ParityData.Pair;
import org.urbangraph.testkit.Approx;

/**
 * The comparisons of the parity suite ({@link BackendParityTest}, {@link GraphParityCases}): a backend's output
 * against the reference's under the tolerance rules written in {@link BackendParityTest}, and the untouched memory
 * around an output view.
 */
abstract class ParityChecks {

    /** The backend under test. */
    protected abstract Backend backend();

    static final double TOL = 1e-5;
    static final double ELEMENTWISE_FLOOR = 0.1;

    // ---- checks --------------------------------------------------------------------------------------------

    static double tolFor(DType t) {
        return switch (t) {
            case BF16 -> 8e-3;
            case F16 -> 1e-3;
            default -> TOL;
        };
    }

    /** Checks the view's elements with per-element scales, and that the buffer outside the view is untouched. */
    void checkScaled(String what, Pair out, double[] scale) {
        double[] e = readView(REF, out.ref());
        double[] r = readView(backend(), out.dev());
        Approx.assertCloseScaled(what + " on " + backend().name(), e, r, scale, tolFor(out.dtype()),
                tolFor(out.dtype()));
        checkGaps(what, out);
    }

    void checkElementwise(String what, Pair out) {
        double[] s = new double[Math.toIntExact(out.ref().numel())];
        Arrays.fill(s, ELEMENTWISE_FLOOR);
        checkScaled(what, out, s);
    }

    void checkNormwise(String what, Pair out) {
        checkNormwise(what, out, 0);
    }

    /** Norm-wise, with a floor for results that may cancel to zero (the size of one term of the sum). */
    void checkNormwise(String what, Pair out, double floor) {
        double[] e = readView(REF, out.ref());
        double max = floor;
        for (double v : e) {
            if (Double.isFinite(v)) {
                max = Math.max(max, Math.abs(v));
            }
        }
        double[] s = new double[e.length];
        Arrays.fill(s, max);
        checkScaled(what, out, s);
    }

    void checkExact(String what, Pair out) {
        assertArrayEquals(readBuffer(REF, out.ref()), readBuffer(backend(), out.dev()),
                what + " on " + backend().name() + " differs from the reference (bit-exact expected)");
    }

    private void checkGaps(String what, Pair out) {
        assertArrayEquals(readGaps(REF, out.ref()), readGaps(backend(), out.dev()),
                what + " on " + backend().name() + ": memory outside the output view was changed");
    }

    static double rms(Pair p) {
        double[] v = values(p.ref());
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s / Math.max(1, v.length));
    }

    /** The elements of a reference view. */
    static double[] values(View refView) {
        return readView(REF, refView);
    }

    /**
     * |x| as a new reference view: a reference kernel applied to |inputs| gives the sum of the magnitudes of the
     * terms of each result element, the scale of the summation rule.
     */
    static View abs(View refView) {
        return refMap(refView, Math::abs);
    }
}
