package org.urbangraph.tensor;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The shapes the fused nn functions accept: anything else is refused with the op and the shapes named. */
class FunctionalShapeTest {

    /** Asserts an IllegalArgumentException whose message names the op and every given shape. */
    static void refused(Executable call, String op, String... shapes) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(op), e.getMessage());
        for (String s : shapes) {
            assertTrue(e.getMessage().contains(s), e.getMessage());
        }
    }

    @Test
    void normWeightAndBiasMustMatchTheLastDimension() {
        Tensor x = Tensor.randn(1, 2, 6);
        refused(() -> Functional.layerNorm(x, Tensor.ones(8), Tensor.zeros(8), 1e-5), "layer_norm", "[8]", "[2, 6]");
        refused(() -> Functional.layerNorm(x, Tensor.ones(6), Tensor.zeros(4), 1e-5), "layer_norm", "bias", "[4]",
                "[2, 6]");
        refused(() -> Functional.layerNorm(x, Tensor.ones(1, 6), null, 1e-5), "layer_norm", "[1, 6]", "[2, 6]");
        refused(() -> Functional.rmsNorm(x, Tensor.ones(8), 1e-6), "rms_norm", "[8]", "[2, 6]");
        refused(() -> Functional.rmsNorm(x, Tensor.ones(4), 1e-6), "rms_norm", "[4]", "[2, 6]");
        refused(() -> Functional.rmsNorm(Tensor.scalar(2), null, 1e-6), "rms_norm");
    }
}
