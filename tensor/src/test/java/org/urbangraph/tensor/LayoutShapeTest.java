package org.urbangraph.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.urbangraph.kernels.DType;

/** Shapes and positions that creation and the layout ops refuse, with messages that name them. */
class LayoutShapeTest {

    private static void refused(Executable call, String... words) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), e.getMessage());
        }
    }

    @Test
    void negativeSizesAreRefusedWhereverAShapeIsGiven() {
        refused(() -> Tensor.of(new float[6], -2, -3), "negative", "[-2, -3]");
        refused(() -> Tensor.of(new long[6], 2, -3, -1), "negative", "[2, -3, -1]");
        refused(() -> Creation.fromArrayF64(new double[0], 0, -1), "negative", "[0, -1]");
        refused(() -> Tensor.zeros(-1, 2), "negative", "[-1, 2]");
        refused(() -> Tensor.ones(3).expand(-1, 3), "expand", "[3]", "[-1, 3]");
        refused(() -> Tensor.ones(1, 3).expand(-2, 3), "expand", "[1, 3]", "[-2, 3]");
        assertArrayEquals(new int[] {2, 4, 3}, Tensor.ones(4, 1).expand(2, -1, 3).shape());
    }

    @Test
    void splitAndChunkNeedAPositiveSizeOrCount() {
        Tensor t = Tensor.ones(5, 2);
        refused(() -> t.split(0, 0), "split", "[5, 2]", "0");
        refused(() -> t.split(-2, 0), "split", "-2");
        refused(() -> t.chunk(0, 0), "chunk", "[5, 2]", "0");
        assertEquals(3, t.split(2, 0).length);
        assertEquals(3, t.chunk(3, 0).length);
    }

    /** As torch: {@code torch.ones(0, 2).split(0)}, {@code .split(3)} and {@code .chunk(2)} are one [0, 2] tensor. */
    @Test
    void anEmptyDimensionSplitsIntoOneEmptyPart() {
        Tensor empty = Tensor.ones(0, 2);
        for (Tensor[] parts : List.of(empty.split(0, 0), empty.split(3, 0), empty.chunk(2, 0), empty.chunk(1, -2))) {
            assertEquals(1, parts.length);
            assertArrayEquals(new int[] {0, 2}, parts[0].shape());
        }
        // along a dimension that is not empty, the empty one is kept in every part
        Tensor[] parts = Tensor.ones(0, 5).split(2, 1);
        assertEquals(3, parts.length);
        assertArrayEquals(new int[] {0, 1}, parts[2].shape());
    }

    @Test
    void selectTakesIndicesInsideTheDimension() {
        Tensor t = Tensor.arange(0, 6).to(DType.F32).reshape(3, 2);
        assertArrayEquals(new float[] {4, 5}, t.select(0, 2).toFloatArray());
        assertArrayEquals(new float[] {1, 3, 5}, t.select(-1, 1).toFloatArray());
        for (int bad : new int[] {-1, 3}) {
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> t.select(0, bad));
            assertTrue(e.getMessage().contains("select index " + bad) && e.getMessage().contains("size 3"),
                    e.getMessage());
        }
    }

    @Test
    void stackOfNothingAndArangeWithAZeroStepAreRefused() {
        refused(() -> Layout.stack(List.of(), 0), "stack");
        refused(() -> Creation.arange(0.0, 1.0, 0.0), "arange", "step");
    }
}
