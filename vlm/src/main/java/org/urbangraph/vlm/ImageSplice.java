package org.urbangraph.vlm;

import java.util.function.LongPredicate;
import org.urbangraph.tensor.Creation;
import org.urbangraph.tensor.Indexing;
import org.urbangraph.tensor.Pointwise;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Embedding;

/**
 * Token embeddings with image features written over the image placeholder positions, in row-major order of the
 * batch (Hugging Face's {@code masked_scatter} / {@code index_put}): the k-th placeholder of the flattened batch
 * receives feature row k. Gradients reach both the embedding table and the features.
 */
public final class ImageSplice {
    private ImageSplice() {}

    /**
     * @param ids         [B][L] token ids; placeholders may be ids outside the table (Phi-3-V uses negative ones)
     * @param placeholder which ids are image positions
     * @param features    [N, H] image features, N = number of placeholders (null when there are none)
     * @return [B, L, H]
     */
    public static Tensor splice(Embedding table, long[][] ids, LongPredicate placeholder, Tensor features) {
        int b = ids.length;
        int l = ids[0].length;
        long[] flat = new long[b * l];
        long[] source = new long[b * l];
        boolean[] isImage = new boolean[b * l];
        int count = 0;
        for (int r = 0; r < b; r++) {
            for (int i = 0; i < l; i++) {
                long id = ids[r][i];
                if (placeholder.test(id)) {
                    isImage[r * l + i] = true;
                    source[r * l + i] = count++;
                    // the row is overwritten; look up a valid id so the table gather stays in range
                    flat[r * l + i] = 0;
                } else {
                    if (id < 0 || id >= table.num()) {
                        throw new IllegalArgumentException("token id " + id + " at row " + r + ", position " + i
                                + " is outside the embedding table of " + table.num() + " rows");
                    }
                    flat[r * l + i] = id;
                }
            }
        }
        Tensor text = table.forward(Tensor.of(flat, b * l));
        int available = features == null ? 0 : features.size(0);
        if (count != available) {
            throw new IllegalArgumentException("the batch has " + count + " image placeholder tokens but the images "
                    + "give " + available + " features");
        }
        if (count == 0) {
            return text.reshape(b, l, text.size(1));
        }
        if (features.size(1) != text.size(1)) {
            throw new IllegalArgumentException("image features have width " + features.size(1)
                    + " but the token embeddings have " + text.size(1));
        }
        Tensor gathered = Indexing.indexSelect(features, 0, Tensor.of(source, b * l));
        Tensor mask = Creation.fromArray(isImage, b * l, 1);
        return Pointwise.where(mask, gathered, text).reshape(b, l, text.size(1));
    }
}
