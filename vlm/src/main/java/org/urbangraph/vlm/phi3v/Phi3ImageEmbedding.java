package org.urbangraph.vlm.phi3v;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.urbangraph.tensor.Creation;
import org.urbangraph.tensor.Functional;
import org.urbangraph.tensor.Layout;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Linear;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.tensor.nn.ModuleDict;
import org.urbangraph.tensor.nn.Parameter;
import org.urbangraph.tensor.nn.Rng;
import org.urbangraph.vlm.clip.ClipVisionModel;

/**
 * Phi-3-V's image embedding ({@code model.vision_embed_tokens}, {@code Phi3ImageEmbedding} of the remote code):
 * CLIP features of every crop, the HD transform that lays them out as one map per image with learnable separators,
 * and the projection to the text width.
 *
 * <pre>
 *   crops [n, 1 + h*w (+ zero pads), 3, S, S] -CLIP, hidden_states[layer_idx][:, 1:]-> [crops, G*G, C]
 *   per crop: 2x2 merge -> [(G/2)^2, 4C] ((dy, dx, c) order inside each 4C vector)
 *   per image: sub-crops as one (h G/2) x (w G/2) map + sub_GN after every row,
 *              then glb_GN,
 *              then the global crop as a (G/2) x (G/2) map + sub_GN after every row      -> [tokens, 4C]
 *   img_projection: Linear(4C, H) -> GELU -> Linear(H, H)                               -> [tokens, H]
 * </pre>
 *
 * The reference runs CLIP on the zero pad crops too and discards them; they are skipped here.
 */
public final class Phi3ImageEmbedding extends Module {

    private final Phi3VConfig config;
    private final ClipVisionModel clip;
    private final Parameter glbGn;
    private final Parameter subGn;
    private final ModuleDict projection;

    public Phi3ImageEmbedding(Phi3VConfig config, Rng rng) {
        this.config = config;
        int c4 = 4 * config.vision().hiddenSize();
        int h = config.text().hiddenSize();
        clip = child("img_processor", new ClipVisionModel(config.vision(), rng));
        // the reference initialises both separators to zeros; random values make a random model exercise them
        glbGn = param("glb_GN", Creation.randn(rng.next(), 1, 1, c4), true);
        subGn = param("sub_GN", Creation.randn(rng.next(), 1, 1, 1, c4), true);
        projection = child("img_projection", new ModuleDict());
        projection.put("0", new Linear(c4, h, true, rng));
        projection.put("2", new Linear(h, h, true, rng));
    }

    public ClipVisionModel clip() {
        return clip;
    }

    /** Crops per image: the global image plus the h x w grid of an HD image of (height, width). */
    int crops(int[] size) {
        int s = config.vision().imageSize();
        if (size.length != 2 || size[0] <= 0 || size[1] <= 0 || size[0] % s != 0 || size[1] % s != 0) {
            throw new IllegalArgumentException("Phi-3-V image_sizes entries must be the HD image's (height, width), "
                    + "positive multiples of " + s + "; got " + java.util.Arrays.toString(size));
        }
        return 1 + (size[0] / s) * (size[1] / s);
    }

    /** Placeholder tokens of an HD image of (height, width). */
    public int tokens(int[] size) {
        int s = config.vision().imageSize();
        int side = config.tokensPerCropSide();
        int h = size[0] / s;
        int w = size[1] / s;
        return h * (w * side + 1) * side + 1 + side * (side + 1);
    }

    /**
     * The projected features [tokens, H] of a batch's images, in image order.
     *
     * @param pixels     [images, slots, 3, S, S] as the processor gives them (global crop first, zero pads last)
     * @param imageSizes each HD image's (height, width)
     * @param trace      if not null, receives {@code vision.crop_features} (CLIP features of the real crops) and
     *                   {@code vision.hd_features} (the HD layout before the projection)
     */
    public Tensor forward(Tensor pixels, int[][] imageSizes, Map<String, Tensor> trace) {
        int s = config.vision().imageSize();
        if (pixels.rank() != 5 || pixels.size(0) != imageSizes.length || pixels.size(2) != 3 || pixels.size(3) != s
                || pixels.size(4) != s) {
            throw new IllegalArgumentException("Phi-3-V pixel_values must be [" + imageSizes.length + " images, crops, 3, "
                    + s + ", " + s + "], got " + java.util.Arrays.toString(pixels.shape()));
        }
        int[] crops = new int[imageSizes.length];
        List<Tensor> real = new ArrayList<>();
        for (int i = 0; i < crops.length; i++) {
            crops[i] = crops(imageSizes[i]);
            if (crops[i] > pixels.size(1)) {
                throw new IllegalArgumentException("image " + i + " of " + imageSizes[i][0] + "x" + imageSizes[i][1]
                        + " needs " + crops[i] + " crops but pixel_values holds " + pixels.size(1));
            }
            real.add(pixels.select(0, i).narrow(0, 0, crops[i]));
        }
        Tensor all = real.size() == 1 ? real.get(0) : Layout.cat(real, 0);
        int idx = clip.stateIndex(config.layerIdx());
        int gg = config.vision().gridSize() * config.vision().gridSize();
        Tensor features = clip.hiddenStates(all, idx).get(idx).narrow(1, 1, gg);
        List<Tensor> parts = new ArrayList<>();
        int at = 0;
        for (int i = 0; i < crops.length; i++) {
            parts.add(hdLayout(features.narrow(0, at, crops[i]), imageSizes[i]));
            at += crops[i];
        }
        Tensor hd = parts.size() == 1 ? parts.get(0) : Layout.cat(parts, 0);
        if (trace != null) {
            trace.put("vision.crop_features", features);
            trace.put("vision.hd_features", hd);
        }
        Tensor h = projection.projectionAt("0").forward(hd);
        return projection.projectionAt("2").forward(Functional.gelu(h));
    }

    /**
     * One image's HD layout [tokens, 4C] from its crop features [1 + h*w, G*G, C] (global crop first): the
     * sub-crop map with separators, {@code glb_GN}, the global map with separators.
     */
    Tensor hdLayout(Tensor crops, int[] size) {
        int s = config.vision().imageSize();
        int hc = size[0] / s;
        int wc = size[1] / s;
        Tensor sub = merged(crops.narrow(0, 1, hc * wc), hc, wc);
        Tensor global = merged(crops.narrow(0, 0, 1), 1, 1);
        Tensor sep = glbGn.tensor().reshape(1, glbGn.shape()[2]);
        return Layout.cat(List.of(withRowSeparators(sub), sep, withRowSeparators(global)), 0);
    }

    /**
     * Crops [hc*wc, G*G, C] (row-major over the crop grid) -> one map [hc*G/2, wc*G/2, 4C], each cell the 2x2
     * patches (dy, dx) concatenated.
     */
    Tensor merged(Tensor crops, int hc, int wc) {
        int g = config.vision().gridSize();
        int c = crops.size(2);
        int half = g / 2;
        // (hc, wc, a, dy, b, dx, C) -> (hc, a, wc, b, dy, dx, C)
        return crops.view(hc, wc, half, 2, half, 2, c).permute(0, 2, 1, 4, 3, 5, 6).reshape(hc * half, wc * half, 4 * c);
    }

    /** map [rows, cols, 4C] -> [rows * (cols + 1), 4C] with {@code sub_GN} after each row. */
    Tensor withRowSeparators(Tensor map) {
        int rows = map.size(0);
        int c4 = map.size(2);
        Tensor sep = subGn.tensor().reshape(1, 1, c4).expand(rows, 1, c4);
        return Layout.cat(List.of(map, sep), 1).reshape(rows * (map.size(1) + 1), c4);
    }
}
