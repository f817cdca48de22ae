package org.urbangraph.tensor.optim;

import java.util.Collection;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Pointwise;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Parameter;

/** Gradient clipping by global L2 norm, as {@code torch.nn.utils.clip_grad_norm_}. */
public final class GradClip {
    private GradClip() {}

    /** The global L2 norm of all gradients (parameters without a gradient are skipped). */
    public static double globalNorm(Collection<Parameter> params) {
        double sum = 0;
        try (NoGrad g = NoGrad.enter()) {
            for (Parameter p : params) {
                Tensor grad = p.tensor().grad();
                if (grad != null) {
                    sum += Pointwise.sumSquaresOf(grad);
                }
            }
        }
        return Math.sqrt(sum);
    }

    /**
     * Scales every gradient by min(1, maxNorm / (norm + 1e-6)) and returns the norm before clipping. A non-finite
     * norm is returned as is, without scaling, so the caller can stop the run.
     */
    public static double clip(Collection<Parameter> params, double maxNorm) {
        double norm = globalNorm(params);
        if (!Double.isFinite(norm)) {
            return norm;
        }
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1.0) {
            try (NoGrad g = NoGrad.enter()) {
                for (Parameter p : params) {
                    Tensor t = p.tensor();
                    if (t.grad() != null) {
                        t.setGrad(t.grad().mul(coef).copy());
                    }
                }
            }
        }
        return norm;
    }
}
