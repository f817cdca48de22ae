package org.urbangraph.tensor.optim;

/**
 * Learning-rate multipliers by step. {@link #cosineWithWarmup} equals Hugging Face's
 * {@code get_cosine_schedule_with_warmup} (half a cosine cycle): linear from 0 over the warm-up steps, then
 * 0.5 (1 + cos(pi * progress)).
 */
@FunctionalInterface
public interface LrSchedule {

    /** The factor applied to each group's base learning rate at {@code step} (0-based: the first update is 0). */
    double factor(long step);

    default void apply(Optimizer opt, long step) {
        double f = factor(step);
        for (ParamGroup g : opt.groups()) {
            g.setLr(g.baseLr() * f);
        }
    }

    static LrSchedule constant() {
        return step -> 1.0;
    }

    static LrSchedule cosineWithWarmup(long warmupSteps, long totalSteps) {
        return step -> {
            if (step < warmupSteps) {
                return (double) step / Math.max(1, warmupSteps);
            }
            double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
            return Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * progress)));
        };
    }

    /** Warm-up steps for a ratio of the total, as Hugging Face's {@code warmup_ratio} (ceil). */
    static long warmupSteps(double ratio, long totalSteps) {
        return (long) Math.ceil(ratio * totalSteps);
    }
}
