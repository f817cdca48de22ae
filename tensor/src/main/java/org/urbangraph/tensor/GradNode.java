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
    /** Tensors the backward reads and their versions when the operation ran (see {@link #save}). */
    private Tensor[] saved;
    private int[] savedVersions;

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

    /**
     * Records the current versions of tensors that the backward function reads (nulls are skipped); {@link #apply}
     * fails if one of them has been written in place since.
     */
    void save(Tensor... tensors) {
        int n = 0;
        for (Tensor t : tensors) {
            n += t != null ? 1 : 0;
        }
        Tensor[] ts = new Tensor[n];
        int[] vs = new int[n];
        int i = 0;
        for (Tensor t : tensors) {
            if (t != null) {
                ts[i] = t;
                vs[i++] = t.version();
            }
        }
        saved = ts;
        savedVersions = vs;
    }

    Tensor[] apply(Tensor grad) {
        if (backward == null) {
            throw new IllegalStateException("the graph through '" + op
                    + "' was already used by a backward pass and freed; call backward(true) to keep it");
        }
        if (saved != null) {
            for (int i = 0; i < saved.length; i++) {
                int now = saved[i].version();
                if (now != savedVersions[i]) {
                    throw new IllegalStateException("a tensor needed for the gradient of " + op
                            + " was modified in place after it was used: version " + savedVersions[i]
                            + " expected, found " + now + " (" + saved[i] + ")");
                }
            }
        }
        return backward.apply(grad);
    }

    /** Drops the saved tensors so that memory is released once a backward pass has used them. */
    void free() {
        backward = null;
        saved = null;
    }
}
