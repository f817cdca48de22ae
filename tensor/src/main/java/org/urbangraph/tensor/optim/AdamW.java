package org.urbangraph.tensor.optim;

import java.util.List;
import org.urbangraph.tensor.Tensor;

/**
 * AdamW with decoupled weight decay and bias correction, equal to {@code torch.optim.AdamW} (its default
 * single-tensor path): p *= 1 - lr * wd; m = lerp(m, g, 1 - b1); v = b2 v + (1 - b2) g^2;
 * p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps). The update runs as one fused kernel per parameter
 * on the parameter's device.
 */
public final class AdamW extends Optimizer {

    private final double beta1;
    private final double beta2;
    private final double eps;

    public AdamW(List<ParamGroup> groups, double beta1, double beta2, double eps) {
        super(groups);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
    }

    /** PyTorch's defaults: betas (0.9, 0.999), eps 1e-8. */
    public AdamW(List<ParamGroup> groups) {
        this(groups, 0.9, 0.999, 1e-8);
    }

    @Override
    protected List<String> slotNames() {
        return List.of("exp_avg", "exp_avg_sq");
    }

    @Override
    protected void update(ParamGroup group, String name, Tensor p, Tensor grad, long step) {
        Tensor m = slot(name, "exp_avg", p);
        Tensor v = slot(name, "exp_avg_sq", p);
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2 = 1 - Math.pow(beta2, step);
        Tensor g = grad.isContiguous() ? grad : grad.contiguous();
        p.backend().adamw(p.view(), g.view(), m.view(), v.view(), (float) group.lr(), (float) beta1, (float) beta2,
                (float) eps, (float) group.weightDecay(), (float) bc1, (float) bc2);
        p.bumpVersion();
        m.bumpVersion();
        v.bumpVersion();
    }
}
