package org.urbangraph.tensor.optim;

import java.util.LinkedHashMap;
import java.util.Map;
import org.urbangraph.tensor.nn.Parameter;

/**
 * Parameters that share hyper-parameters (UGE trains the graph encoder at the base learning rate and LoRA at a
 * tenth of it). {@code baseLr} is the group's peak rate; {@code lr} the current one set by a schedule.
 */
public final class ParamGroup {
    private final String name;
    private final Map<String, Parameter> params;
    private final double baseLr;
    private final double weightDecay;
    private double lr;

    public ParamGroup(String name, Map<String, Parameter> params, double lr, double weightDecay) {
        this.name = name;
        this.params = new LinkedHashMap<>(params);
        this.baseLr = lr;
        this.lr = lr;
        this.weightDecay = weightDecay;
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            if (!e.getValue().trainable()) {
                throw new IllegalArgumentException("parameter '" + e.getKey() + "' in group '" + name + "' is frozen");
            }
        }
    }

    public String name() {
        return name;
    }

    public Map<String, Parameter> params() {
        return params;
    }

    public double baseLr() {
        return baseLr;
    }

    public double lr() {
        return lr;
    }

    public void setLr(double lr) {
        this.lr = lr;
    }

    public double weightDecay() {
        return weightDecay;
    }
}
