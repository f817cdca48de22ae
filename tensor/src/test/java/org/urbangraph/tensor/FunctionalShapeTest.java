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

    @Test
    void rotaryNeedsTablesOfShapeBLDAndAnEvenHeadDimension() {
        Tensor x = Tensor.randn(2, 2, 3, 5, 4);
        Tensor table = Tensor.randn(3, 2, 5, 4);
        refused(() -> Functional.rotary(x, Tensor.randn(4, 5, 4), table), "rotary", "cos", "[5, 4]", "[2, 5, 4]",
                "[2, 3, 5, 4]");
        refused(() -> Functional.rotary(x, table, Tensor.randn(4, 1, 5, 4)), "rotary", "sin", "[1, 5, 4]",
                "[2, 5, 4]");
        refused(() -> Functional.rotary(Tensor.randn(5, 1, 1, 2, 3), Tensor.randn(6, 1, 2, 3), Tensor.randn(7, 1, 2, 3)),
                "rotary", "[1, 1, 2, 3]");
        refused(() -> Functional.rotary(Tensor.randn(5, 3, 4), table, table), "rotary", "[3, 4]");
        Functional.rotary(x, table, table);
    }

    @Test
    void attentionNeedsVToMatchKInBatchAndHeads() {
        Tensor q = Tensor.randn(1, 1, 2, 3, 4);
        Tensor k = Tensor.randn(2, 1, 1, 5, 4);
        refused(() -> Functional.attention(q, k, Tensor.randn(3, 2, 1, 5, 4), null, 0.5), "attention", "[2, 1, 5, 4]",
                "[1, 1, 5, 4]", "[1, 2, 3, 4]");
        refused(() -> Functional.attention(q, k, Tensor.randn(3, 1, 2, 5, 4), null, 0.5), "attention",
                "[1, 2, 5, 4]");
        refused(() -> Functional.attention(q, k, Tensor.randn(3, 1, 1, 4, 4), null, 0.5), "attention",
                "[1, 1, 4, 4]");
        Functional.attention(q, k, Tensor.randn(3, 1, 1, 5, 6), null, 0.5);
    }
}
