package org.urbangraph.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/**
 * A leaf's {@code .grad} owns its memory: writing to the gradient passed to backward, or to another tensor's
 * {@code .grad}, leaves it alone, even where the backward functions pass the gradient through unchanged.
 */
class GradMemoryTest {

    private static final float[] G = {1, 2, 3, 4};

    @Test
    void theCallersGradientIsCopiedNotKept() {
        Tensor x = Tensor.zeros(4).requiresGrad(true);
        Tensor g = Tensor.of(G, 2, 2);
        x.reshape(2, 2).backward(g, false);
        g.fill(7);
        assertArrayEquals(G, x.grad().toFloatArray());

        // the root itself a leaf, and the gradient passed through add and copy unchanged
        Tensor leaf = Tensor.zeros(2, 2).requiresGrad(true);
        Tensor g2 = Tensor.of(G, 2, 2);
        leaf.backward(g2, false);
        g2.fill(7);
        assertArrayEquals(G, leaf.grad().toFloatArray());

        Tensor y = Tensor.zeros(2, 2).requiresGrad(true);
        Tensor g3 = Tensor.of(G, 2, 2);
        y.add(Tensor.ones(2, 2)).copy().backward(g3, false);
        g3.fill(7);
        assertArrayEquals(G, y.grad().toFloatArray());
    }

    @Test
    void twoLeavesNeverShareAGradient() {
        Tensor a = Tensor.zeros(4).requiresGrad(true);
        Tensor b = Tensor.zeros(4).requiresGrad(true);
        Tensor h = a.add(b);
        h.retainGrad();
        h.mul(2).sum().backward();
        a.grad().fill(0);
        assertArrayEquals(new float[] {2, 2, 2, 2}, b.grad().toFloatArray());
        b.grad().fill(1);
        assertArrayEquals(new float[] {2, 2, 2, 2}, h.grad().toFloatArray());
    }
}
