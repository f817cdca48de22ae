package org.urbangraph.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.urbangraph.tensor.nn.Linear;
import org.urbangraph.tensor.nn.Parameter;
import org.urbangraph.tensor.nn.Rng;
import org.urbangraph.tensor.optim.AdamW;
import org.urbangraph.tensor.optim.Optimizer;
import org.urbangraph.tensor.optim.ParamGroup;
import org.urbangraph.tensor.optim.SGD;

/**
 * In-place writes against autograd, as PyTorch: a write to a tensor that a backward pass still needs makes that
 * backward fail (version counters shared by views), and a tensor that requires gradients, or a view of one, cannot
 * be written while gradients are recorded.
 */
class InPlaceWriteTest {

    private static Tensor t(float... v) {
        return Tensor.of(v, v.length);
    }

    private static void assertModifiedError(String op, int expected, int found, Runnable backward) {
        IllegalStateException e = assertThrows(IllegalStateException.class, backward::run);
        assertTrue(e.getMessage().contains("a tensor needed for the gradient of " + op
                + " was modified in place after it was used: version " + expected + " expected, found " + found),
                e.getMessage());
    }

    @Test
    void writingASavedInputAfterUseMakesBackwardFail() {
        Tensor w = t(1, 2, 3).requiresGrad(true);
        Tensor a = t(4, 5, 6);
        Tensor y = w.mul(a).sum();
        a.fill(0);
        assertEquals(1, a.version());
        // the gradient of w is a's old values; computing it from the zeros would be silently wrong
        assertModifiedError("mul", 0, 1, y::backward);
    }

    @Test
    void viewsAndDetachedTensorsShareTheVersion() {
        Tensor w = t(1, 2, 3).requiresGrad(true);
        Tensor a = t(4, 5, 6);
        Tensor y = w.mul(a.reshape(1, 3)).sum();
        a.narrow(0, 1, 1).copyFrom(t(9));
        assertEquals(1, a.version());
        assertModifiedError("mul", 0, 1, y::backward);

        Tensor x = t(0.5f, 1.5f).requiresGrad(true);
        Tensor z = x.exp();
        Tensor loss = z.sum();
        z.detach().fill(0);
        assertEquals(1, z.version());
        assertModifiedError("exp", 0, 1, loss::backward);
    }

    @Test
    void writesUnderNoGradToSavedResultsAreCaught() {
        Tensor x = t(0.5f, 1.5f).requiresGrad(true);
        Tensor h = x.mul(2);
        Tensor y = Functional.sigmoid(h).sum();
        try (NoGrad g = NoGrad.enter()) {
            h.copyFrom(t(7, 7));
        }
        assertModifiedError("sigmoid", 0, 1, y::backward);
    }

    @Test
    void writesToTensorsTheBackwardDoesNotReadAreAllowed() {
        Tensor w = t(1, 2, 3).requiresGrad(true);
        Tensor a = t(4, 5, 6);
        Tensor y = w.add(a).mul(2).sum();
        a.fill(0);
        y.backward();
        assertArrayEquals(new float[] {2, 2, 2}, w.grad().toFloatArray());
    }

    @Test
    void aLeafThatRequiresGradCannotBeWrittenWhileRecording() {
        Tensor x = t(2, 3).requiresGrad(true);
        Tensor y = x.mul(x).sum();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> x.fill(10));
        assertTrue(e.getMessage().contains("leaf") && e.getMessage().contains("in-place"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> x.copyFrom(t(10, 10)));
        assertEquals(0, x.version());
        y.backward();
        assertArrayEquals(new float[] {4, 6}, x.grad().toFloatArray());
    }

    @Test
    void aViewOfALeafThatRequiresGradCannotBeWrittenWhileRecording() {
        Tensor x = t(2, 3).requiresGrad(true);
        IllegalStateException recorded = assertThrows(IllegalStateException.class, () -> x.narrow(0, 0, 1).fill(0));
        assertTrue(recorded.getMessage().contains("autograd graph"), recorded.getMessage());
        Tensor v;
        try (NoGrad g = NoGrad.enter()) {
            v = x.narrow(0, 1, 1).reshape(1, 1);
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> v.fill(0));
        assertTrue(e.getMessage().contains("view of a tensor that requires grad"), e.getMessage());
        assertArrayEquals(new float[] {2, 3}, x.toFloatArray());
        // under NoGrad, or through a detached tensor, the write is allowed (and counted)
        try (NoGrad g = NoGrad.enter()) {
            v.fill(5);
        }
        x.detach().narrow(0, 0, 1).fill(4);
        assertArrayEquals(new float[] {4, 5}, x.toFloatArray());
        assertEquals(2, x.version());
    }

    @Test
    void optimizerStepsCountAsWritesAndTrainingGoesOn() {
        for (boolean adam : new boolean[] {true, false}) {
            Linear lin = new Linear(3, 2, true, new Rng(1));
            Map<String, Parameter> ps = lin.namedParameters();
            List<ParamGroup> groups = List.of(new ParamGroup("g", ps, 0.1, 0.01));
            Optimizer opt = adam ? new AdamW(groups) : new SGD(groups, 0.9, 0, false);
            Tensor w = ps.get("weight").tensor();
            Tensor x = Tensor.randn(2, 4, 3);
            for (int step = 0; step < 3; step++) {
                opt.zeroGrad();
                lin.forward(x).pow(2).mean().backward();
                opt.step();
            }
            assertTrue(w.version() >= 3, "version after 3 steps: " + w.version());
            // a graph kept across a step would give the gradient of weights that no longer exist
            Tensor loss = lin.forward(x.requiresGrad(true)).pow(2).mean();
            loss.backward(Tensor.scalar(1).reshape(loss.shape()), true);
            opt.step();
            assertModifiedError("linear", w.version() - 1, w.version(),
                    () -> loss.backward(Tensor.scalar(1).reshape(loss.shape()), true));
        }
    }
}
