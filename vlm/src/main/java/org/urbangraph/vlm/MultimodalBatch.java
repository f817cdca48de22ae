package org.urbangraph.vlm;

import org.urbangraph.tensor.Tensor;

/**
 * A padded batch for a vision-language model: token ids [B][L] with image placeholder tokens already expanded,
 * the attention mask [B][L] (1 = real token), and the images' pixel rows and grids in order of appearance
 * (null when the batch has no image).
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
