package org.urbangraph.vlm.qwen2vl;

import org.urbangraph.tensor.Creation;
import org.urbangraph.tensor.Functional;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.tensor.nn.Parameter;
import org.urbangraph.tensor.nn.Rng;

/**
 * The Conv3d patch embedding ({@code patch_embed.proj}, kernel = stride = (2, 14, 14), no bias) computed as one
 * matrix product: each pixel row (c, t, py, px) = 1176 values times the weight viewed as [E, 1176].
 */
public final class PatchEmbed extends Module {

    private final Conv3dWeight proj;
    private final int embed;
    private final int patchDim;

    public PatchEmbed(Qwen2VLConfig.Vision v, Rng rng) {
        this.embed = v.embedDim();
        this.patchDim = v.patchDim();
        this.proj = child("proj", new Conv3dWeight(v, rng));
    }

    /** pixel rows [N, 1176] -> [N, E]. */
    public Tensor forward(Tensor pixels) {
        if (pixels.rank() != 2 || pixels.size(1) != patchDim) {
            throw new IllegalArgumentException("pixel_values must be [N, " + patchDim + "], got "
                    + java.util.Arrays.toString(pixels.shape()));
        }
        return Functional.linear(pixels, proj.weight.tensor().reshape(embed, patchDim), null);
    }

    /** The Conv3d's weight [E, C, T, P, P] under its checkpoint name {@code proj.weight}. */
    static final class Conv3dWeight extends Module {
        final Parameter weight;

        Conv3dWeight(Qwen2VLConfig.Vision v, Rng rng) {
            double bound = 1.0 / Math.sqrt(v.patchDim());
            weight = param("weight", Creation.uniform(rng.next(), -bound, bound, v.embedDim(), v.inChannels(),
                    v.temporalPatchSize(), v.patchSize(), v.patchSize()), true);
        }
    }
}
