package org.urbangraph.vlm;

import org.urbangraph.tensor.Tensor;

/**
 * A padded batch for a vision-language model: token ids [B][L] with image placeholder tokens already expanded,
 * the attention mask [B][L] (1 = real token), and the images' pixels and geometry in order of appearance (null when
 * the batch has no image). The geometry is per family: Qwen2-VL's grids (t, h, w) with pixel rows [N, 1176];
 * LLaVA-NeXT's original image sizes (height, width) with tiles [images, tiles, 3, S, S]; Phi-3-V's HD image sizes
 * (height, width) with crops [images, crops, 3, S, S].
 */
public record MultimodalBatch(long[][] inputIds, long[][] attentionMask, Tensor pixelValues, int[][] imageGrids) {

    public MultimodalBatch {
        if (inputIds.length == 0 || inputIds.length != attentionMask.length) {
            throw new IllegalArgumentException("input_ids and attention_mask must have the same, non-zero batch size");
        }
        for (int i = 0; i < inputIds.length; i++) {
            if (inputIds[i].length != inputIds[0].length || attentionMask[i].length != inputIds[0].length) {
                throw new IllegalArgumentException("row " + i + " of the batch is not padded to length "
                        + inputIds[0].length);
            }
        }
        if ((pixelValues == null) != (imageGrids == null || imageGrids.length == 0)) {
            throw new IllegalArgumentException("pixel values and image grids must be given together");
        }
    }

    public static MultimodalBatch textOnly(long[][] ids, long[][] mask) {
        return new MultimodalBatch(ids, mask, null, null);
    }

    /**
     * Rows of different lengths padded on the left with {@code padId} (mask 0), as the embedders and generation
     * expect; the images of all rows are given together, in row order.
     */
    public static MultimodalBatch leftPadded(java.util.List<long[]> rows, long padId, Tensor pixelValues,
                                             int[][] imageGrids) {
        int l = 0;
        for (long[] r : rows) {
            l = Math.max(l, r.length);
        }
        long[][] ids = new long[rows.size()][l];
        long[][] mask = new long[rows.size()][l];
        for (int i = 0; i < rows.size(); i++) {
            long[] r = rows.get(i);
            int pad = l - r.length;
            java.util.Arrays.fill(ids[i], 0, pad, padId);
            System.arraycopy(r, 0, ids[i], pad, r.length);
            java.util.Arrays.fill(mask[i], pad, l, 1);
        }
        return new MultimodalBatch(ids, mask, pixelValues, imageGrids);
    }

    public int batchSize() {
        return inputIds.length;
    }

    public int length() {
        return inputIds[0].length;
    }

    /** Index of the last real token of each row (the embedding is pooled there). */
    public int[] lastTokenIndex() {
        int[] idx = new int[inputIds.length];
        for (int r = 0; r < idx.length; r++) {
            idx[r] = -1;
            for (int i = attentionMask[r].length - 1; i >= 0; i--) {
                if (attentionMask[r][i] != 0) {
                    idx[r] = i;
                    break;
                }
            }
            if (idx[r] < 0) {
                throw new IllegalArgumentException("row " + r + " of the batch has no real token");
            }
        }
        return idx;
    }
}
