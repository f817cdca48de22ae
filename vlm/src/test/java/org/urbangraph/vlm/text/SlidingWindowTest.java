package org.urbangraph.vlm.text;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.urbangraph.kernels.Backend;
import org.urbangraph.kernels.Backends;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.ref.ReferenceBackend;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Activation;
import org.urbangraph.tensor.nn.Init;
import org.urbangraph.tensor.nn.Rng;
import org.urbangraph.testkit.Approx;

/**
 * Mistral's sliding-window attention, on the reference backend (the fast CPU attention kernel does not implement
 * the window yet, and the decoder refuses to run past the window there rather than give other numbers). In a
 * one-layer decoder, position i with a window of W sees exactly tokens i-W+1..i, so its output must equal the
 * last output of that sub-sequence run with full attention at the same positions.
 */
class SlidingWindowTest {

    static DecoderConfig config(int window) {
        return new DecoderConfig(40, 16, 24, 1, 4, 2, 4, 1e-5, 1e4, Activation.SILU, false, window, false, null);
    }

    static TextModel model(int window) {
        TextModel m = new TextModel(config(window), new Rng(1));
        Init.randomize(m, 7, DType.F32);
        m.eval();
        return m;
    }

    static Tensor run(TextModel m, long[] ids, long firstPosition) {
        long[][] pos = new long[1][ids.length];
        long[][] mask = new long[1][ids.length];
        for (int i = 0; i < ids.length; i++) {
            pos[0][i] = firstPosition + i;
            mask[0][i] = 1;
        }
        Tensor[] cs = RotaryTables.oneD(pos, 4, 1e4);
        Tensor emb = m.embedTokens().forward(Tensor.of(ids, 1, ids.length));
        return m.forward(emb, cs[0], cs[1], CausalMask.of(mask), null, false).lastHiddenState();
    }

    @AfterEach
    void restore() {
        Backends.setCurrent(Backends.byName("cpu"));
    }

    @Test
    void eachPositionSeesOnlyTheLastWindowOfTokens() {
        Backend previous = Backends.current();
        Backends.setCurrent(ReferenceBackend.INSTANCE);
        long[] ids = {3, 17, 9, 31, 4, 22, 8, 39, 12};
        int w = 3;
        try (NoGrad g = NoGrad.enter()) {
            TextModel windowed = model(w);
            TextModel full = model(0);
            float[] out = run(windowed, ids, 0).toFloatArray();
            for (int i = 0; i < ids.length; i++) {
                int start = Math.max(0, i - w + 1);
                long[] sub = java.util.Arrays.copyOfRange(ids, start, i + 1);
                float[] last = run(full, sub, start).narrow(1, sub.length - 1, 1).toFloatArray();
                Approx.assertClose("position " + i, last, java.util.Arrays.copyOfRange(out, i * 16, (i + 1) * 16),
                        1e-5, 1e-5);
            }
            float[] unwindowed = run(full, ids, 0).toFloatArray();
            assertTrue(Approx.maxAbsDiff(unwindowed, out) > 1e-3, "the window changes later positions");
        } finally {
            Backends.setCurrent(previous);
        }
    }

    @Test
    void theCpuBackendRefusesToRunPastTheWindow() {
        Backends.setCurrent(Backends.byName("cpu"));
        try (NoGrad g = NoGrad.enter()) {
            TextModel windowed = model(3);
            run(windowed, new long[] {1, 2, 3}, 0); // within the window: fine
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> run(windowed, new long[] {1, 2, 3, 4}, 0));
            assertTrue(e.getMessage().contains("sliding window of 3"), e.getMessage());
        }
    }
}
