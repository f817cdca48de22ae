package org.urbangraph.vlm.embed;

import java.util.List;
import org.urbangraph.vlm.image.Qwen2VLImageProcessor;

/**
 * One input of a batch, ready for the model: its token ids (image pads expanded) and the preprocessed pixel rows of
 * its images in order (none for a text-only input).
 */
public record EncodedInput(int[] ids, float[] pixelRows, int rowSize, List<Qwen2VLImageProcessor.Grid> grids) {

    public static EncodedInput text(int[] ids) {
        return new EncodedInput(ids, new float[0], 0, List.of());
    }

    public int rows() {
        return rowSize == 0 ? 0 : pixelRows.length / rowSize;
    }
}
