package org.urbangraph.vlm.embed;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.vlm.MultimodalBatch;

/**
 * One input of a batch, ready for the model, whatever the family: its token ids with the image placeholders already
 * expanded (Phi-3-V's are negative), and the preprocessed pixels of its images in order, as whole leading-dimension
 * units of the family's {@code pixel_values} with each image's geometry as the model takes it:
 *
 * <table>
 *   <caption>pixel units and image geometry per family</caption>
 *   <tr><th>family</th><th>unit ({@code unitShape})</th><th>{@code imageGrids} per image</th></tr>
 *   <tr><td>Qwen2-VL / Qwen2.5-VL</td><td>one patch row [1176]</td><td>(t, h, w) in patches</td></tr>
 *   <tr><td>LLaVA-NeXT</td><td>one real tile [3, S, S]</td><td>the original (height, width)</td></tr>
 *   <tr><td>Phi-3-V</td><td>one image [crops + 1, 3, S, S]</td><td>the HD image's (height, width)</td></tr>
 * </table>
 *
 * A text-only input has no pixels, no unit shape and no grids. Units of one batch are concatenated along the
 * leading dimension, which is the layout each family's model accepts.
 */
public record EncodedInput(int[] ids, float[] pixels, int[] unitShape, int[][] imageGrids) {

    public EncodedInput {
        if (ids.length == 0) {
            throw new IllegalArgumentException("an input needs at least one token");
        }
        int unit = unitSize(unitShape);
        if (pixels.length == 0 != (imageGrids.length == 0)) {
            throw new IllegalArgumentException("an input with " + imageGrids.length + " images has " + pixels.length
                    + " pixel values");
        }
        if (pixels.length > 0 && (unit == 0 || pixels.length % unit != 0)) {
            throw new IllegalArgumentException(pixels.length + " pixel values are not whole units of "
                    + Arrays.toString(unitShape));
        }
    }

    public static EncodedInput text(int[] ids) {
        return new EncodedInput(ids, new float[0], new int[0], new int[0][]);
    }

    /** The number of pixel units (Qwen: patch rows; LLaVA-NeXT: tiles; Phi-3-V: images). */
    public int units() {
        return pixels.length == 0 ? 0 : pixels.length / unitSize(unitShape);
    }

    public int images() {
        return imageGrids.length;
    }

    private static int unitSize(int[] shape) {
        int n = shape.length == 0 ? 0 : 1;
        for (int d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException("pixel unit shape " + Arrays.toString(shape) + " has a dimension <= 0");
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /**
     * Left-pads inputs into one batch ({@code padId} under mask 0); the images of all inputs go together, in input
     * order, as [units, ...unitShape].
     */
    public static MultimodalBatch batch(List<EncodedInput> inputs, long padId) {
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("no inputs to batch");
        }
        List<long[]> rows = new ArrayList<>(inputs.size());
        List<int[]> grids = new ArrayList<>();
        int[] shape = null;
        int firstWithImages = -1;
        int values = 0;
        for (int r = 0; r < inputs.size(); r++) {
            EncodedInput in = inputs.get(r);
            long[] ids = new long[in.ids.length];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = in.ids[i];
            }
            rows.add(ids);
            if (in.images() == 0) {
                continue;
            }
            if (shape == null) {
                shape = in.unitShape;
                firstWithImages = r;
            } else if (!Arrays.equals(shape, in.unitShape)) {
                throw new IllegalArgumentException("input " + r + " has pixel units " + Arrays.toString(in.unitShape)
                        + " but input " + firstWithImages + " has " + Arrays.toString(shape)
                        + "; one batch needs one image layout");
            }
            grids.addAll(Arrays.asList(in.imageGrids));
            values = Math.addExact(values, in.pixels.length);
        }
        if (shape == null) {
            return MultimodalBatch.leftPadded(rows, padId, null, null);
        }
        float[] pixels = new float[values];
        int at = 0;
        for (EncodedInput in : inputs) {
            System.arraycopy(in.pixels, 0, pixels, at, in.pixels.length);
            at += in.pixels.length;
        }
        int[] full = new int[shape.length + 1];
        full[0] = values / unitSize(shape);
        System.arraycopy(shape, 0, full, 1, shape.length);
        return MultimodalBatch.leftPadded(rows, padId, Tensor.of(pixels, full), grids.toArray(new int[0][]));
    }
}
