package org.urbangraph.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The define-by-run tape: operations attach a {@link GradNode} to their output when recording is on and an input
 * requires gradients; {@link #backward} sorts the graph once (depth-first, post-order) and runs it in reverse,
 * summing gradients that reach a tensor along several paths. Gradients of leaves accumulate across calls, as in
 * PyTorch.
 */
public final class Autograd {
    private Autograd() {}

    /** Whether an op on these inputs must be recorded. */
    public static boolean needed(Tensor... inputs) {
        if (!NoGrad.enabled()) {
            return false;
        }
        for (Tensor t : inputs) {
            if (t != null && t.requiresGrad()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Records {@code out = op(inputs)} with its backward function, if any input requires gradients. Returns out.
     */
    public static Tensor record(Tensor out, String op, GradNode.Backward backward, Tensor... inputs) {
        if (needed(inputs)) {
            out.node = new GradNode(op, inputs, backward);
            out.requiresGradInternal();
        }
        return out;
    }

    static void backward(Tensor root, Tensor seed, boolean retainGraph) {
        if (!root.requiresGrad()) {
            throw new IllegalStateException("backward() on a tensor that does not require grad: " + root);
        }
        long firstSerial = Tensor.storageSerial();
        if (seed == null) {
            if (root.numel() != 1) {
                throw new IllegalStateException("backward() without a gradient needs a scalar, got shape "
                        + Arrays.toString(root.shape()));
            }
            try (NoGrad g = NoGrad.enter()) {
                seed = Creation.full(root.backend(), Pointwise.floatType(root), 1, root.shape());
            }
        } else if (!Arrays.equals(seed.shape(), root.shape())) {
            throw new IllegalArgumentException("gradient shape " + Arrays.toString(seed.shape())
                    + " differs from the output shape " + Arrays.toString(root.shape()));
        }
        List<Tensor> order = topologicalOrder(root);
        Pass pass = new Pass(firstSerial);
        Map<Tensor, Tensor> grads = new IdentityHashMap<>();
        grads.put(root, seed);
        try (NoGrad g = NoGrad.enter()) {
            for (int i = order.size() - 1; i >= 0; i--) {
                Tensor t = order.get(i);
                Tensor grad = grads.remove(t);
                if (grad == null) {
                    continue;
                }
                if (t.isLeaf()) {
                    accumulate(t, grad, pass);
                    continue;
                }
                if (t.retainsGrad()) {
                    accumulate(t, grad, pass);
                }
                GradNode node = t.node;
                Tensor[] inputs = node.inputs();
                Tensor[] inGrads = node.apply(grad);
                for (int k = 0; k < inputs.length; k++) {
                    Tensor in = inputs[k];
                    Tensor gk = k < inGrads.length ? inGrads[k] : null;
                    if (in == null || gk == null || !in.requiresGrad()) {
                        continue;
                    }
                    if (!Arrays.equals(gk.shape(), in.shape())) {
                        throw new IllegalStateException("backward of '" + node.op() + "' gave a gradient of shape "
                                + Arrays.toString(gk.shape()) + " for input " + k + " of shape "
                                + Arrays.toString(in.shape()));
                    }
                    grads.merge(in, gk, Pointwise::add);
                }
                if (!retainGraph) {
                    node.free();
                }
            }
        }
    }

    /** What one backward pass has made and handed out. */
    private static final class Pass {
        /** Storages made at or after this serial were allocated by the pass (see {@link Tensor#storageSerial()}). */
        final long firstSerial;
        /** Storages already held by a {@code .grad}: another tensor's gradient must not share them. */
        final Set<Object> handedOut = Collections.newSetFromMap(new IdentityHashMap<>());

        Pass(long firstSerial) {
            this.firstSerial = firstSerial;
        }
    }

    /**
     * Adds a gradient to t's {@code .grad}. The tensor is kept as is only when the pass allocated its storage, it
     * covers that storage exactly, and no other {@code .grad} has it; otherwise it is copied. A gradient can be the
     * caller's gradOutput itself or a view of it (through reshape, add, copy ...), or be shared by the two inputs of
     * an add, and a later write to either would change this {@code .grad}.
     */
    private static void accumulate(Tensor t, Tensor grad, Pass pass) {
        org.urbangraph.kernels.DType ft = Pointwise.floatType(t);
        boolean owned = grad.dtype() == ft && grad.isContiguous() && grad.offset() == 0
                && grad.numel() * ft.size() == grad.buffer().byteSize()
                && grad.madeSince(pass.firstSerial) && !pass.handedOut.contains(grad.storage());
        Tensor g = owned ? grad : grad.dtype() == ft ? grad.copy() : grad.to(ft);
        Tensor sum = t.grad() == null ? g : Pointwise.add(t.grad(), g);
        pass.handedOut.add(sum.storage());
        t.setGrad(sum);
    }

    /** Tensors reachable from root through recorded nodes, inputs before outputs. Iterative: graphs can be deep. */
    private static List<Tensor> topologicalOrder(Tensor root) {
        List<Tensor> order = new ArrayList<>();
        Set<Tensor> visited = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[] {root, 0});
        visited.add(root);
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Tensor t = (Tensor) frame[0];
            int next = (int) frame[1];
            Tensor[] inputs = t.node == null ? new Tensor[0] : t.node.inputs();
            if (next < inputs.length) {
                frame[1] = next + 1;
                Tensor in = inputs[next];
                if (in != null && in.requiresGrad() && visited.add(in)) {
                    stack.push(new Object[] {in, 0});
                }
            } else {
                stack.pop();
                order.add(t);
            }
        }
        return order;
    }
}
