package org.urbangraph.tensor.optim;

import java.util.List;
import org.urbangraph.tensor.Pointwise;
import org.urbangraph.tensor.Tensor;

/**
 * SGD with momentum as {@code torch.optim.SGD}: g += wd * p; buf = momentum * buf + (1 - dampening) * g (buf = g on
 * the first step); g = nesterov ? g + momentum * buf : buf; p -= lr * g.
 */
public final class SGD extends Optimizer {

    private final double momentum;
    private final double dampening;
    private final boolean nesterov;

    public SGD(List<ParamGroup> groups, double momentum, double dampening, boolean nesterov) {
        super(groups);
        this.momentum = momentum;
        this.dampening = dampening;
        this.nesterov = nesterov;
    }

    @Override
    protected List<String> slotNames() {
        return momentum != 0 ? List.of("momentum_buffer") : List.of();
    }

    @Override
    protected void update(ParamGroup group, String name, Tensor p, Tensor grad, long step) {
        Tensor g = group.weightDecay() != 0 ? grad.add(p.mul(group.weightDecay())) : grad;
        if (momentum != 0) {
            Tensor buf = slot(name, "momentum_buffer", p);
            Tensor next = step == 1 ? g : buf.mul(momentum).add(g.mul(1 - dampening));
            buf.copyFrom(next);
            g = nesterov ? g.add(buf.mul(momentum)) : buf;
        }
        p.copyFrom(Pointwise.sub(p, g.mul(group.lr())));
    }
}
