package org.urbangraph.vlm.qwen2vl;

import org.urbangraph.tensor.Functional;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.LayerNorm;
import org.urbangraph.tensor.nn.Linear;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.tensor.nn.ModuleDict;
import org.urbangraph.tensor.nn.RMSNorm;
import org.urbangraph.tensor.nn.Rng;

/**
 * Merges each 2x2 group of patch rows into one token for the language model: {@code ln_q} over the vision width,
 * view four consecutive rows as one 4E vector, then {@code mlp.0} (4E -> 4E), exact GELU, {@code mlp.2}
 * (4E -> hidden).
 */
public final class PatchMerger extends Module {

    private final int unitWidth;

    public PatchMerger(Qwen2VLConfig.Vision v, boolean qwen25, Rng rng) {
        int e = v.embedDim();
        int m = v.spatialMergeSize();
        this.unitWidth = e * m * m;
        child("ln_q", qwen25 ? new RMSNorm(e, 1e-6) : new LayerNorm(e, 1e-6, true));
        ModuleDict mlp = child("mlp", new ModuleDict());
        mlp.put("0", new Linear(unitWidth, unitWidth, true, rng));
        mlp.put("2", new Linear(unitWidth, v.outHiddenSize(), true, rng));
    }

    public Tensor forward(Tensor x) {
        Tensor h = layer("ln_q").forward(x).reshape(-1, unitWidth);
        ModuleDict mlp = (ModuleDict) getChild("mlp");
        return mlp.projectionAt("2").forward(Functional.gelu(mlp.projectionAt("0").forward(h)));
    }
}
