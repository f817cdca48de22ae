package org.urbangraph.tensor;


/**
 * One recorded operation on the tape: its inputs and how to turn the gradient of its output into gradients of its
 * inputs. The function runs with gradient recording off; it returns one entry per input (null for an input that
 * needs none).
 */
public final class GradNode {

    /** Maps the gradient of the output to the gradients of the inputs. */
    @FunctionalInterface
    public interface Backward {
        Tensor[] apply(Tensor gradOutput);
    }

    private final String op;
    private final Tensor[] inputs;
    private Backward backward;

    public GradNode(String op, Tensor[] inputs, Backward backward) {
        this.op = op;
        this.inputs = inputs;
        this.backward = backward;
    }

    public String op() {
        return op;
    }

    public Tensor[] inputs() {
        return inputs;
    }

    Tensor[] apply(Tensor grad) {
        if (backward == null) {
            throw new IllegalStateException("the graph through '" + op
                    + "' was already used by a backward pass and freed; call backward(true) to keep it");
        }
        return backward.apply(grad);
    }

    /** Drops the saved tensors so that memory is released once a backward pass has used them. */
    void free() {
        backward = null;
    }
}
