package org.urbangraph.vlm.llava;

import java.util.ArrayList;
import java.util.List;
import org.urbangraph.tensor.Layout;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.vlm.image.AnyRes;

/**
 * LLaVA-NeXT's {@code pack_image_features}: one image's projected tile features become its sequence of
 * {@code <image>} embeddings.
 *
 * <pre>
 *   tiles [T, G*G, H]: tile 0 is the base (whole image squashed), tiles 1.. the grid of the best pinpoint, row-major
 *   grid tiles -> one (rows*G) x (cols*G) feature map -> unpadded to the image's aspect (int(round(x, 7)), the same
 *   number of rows or columns cut from each side) -> image_newline appended to every row -> flattened row-major
 *   output = base tile's G*G features, then the map
 * </pre>
 */
public final class AnyResPacking {
    private AnyResPacking() {}

    /**
     * @param tiles      [T, G*G, H] projected features of one image's real tiles (base first)
     * @param height     the original image height (image_sizes[0])
     * @param width      the original image width
     * @param pinpoints  image_grid_pinpoints (height, width)
     * @param tileSize   the vision tower's input size (the processor's tile size)
     * @param newline    image_newline [H]
     * @return [tokens, H]
     */
    public static Tensor pack(Tensor tiles, int height, int width, int[][] pinpoints, int tileSize, Tensor newline) {
        int t = tiles.size(0);
        int gg = tiles.size(1);
        int h = tiles.size(2);
        int g = (int) Math.round(Math.sqrt(gg));
        if (g * g != gg) {
            throw new IllegalArgumentException("tile features hold " + gg + " tokens, not a square patch grid");
        }
        Tensor base = tiles.select(0, 0);
        if (t == 1) {
            return Layout.cat(List.of(base, newline.reshape(1, h)), 0);
        }
        int[] grid = AnyRes.tileGrid(height, width, pinpoints, tileSize);
        if (grid[0] * grid[1] != t - 1) {
            throw new IllegalArgumentException("an image of " + height + "x" + width + " (HxW) has a " + grid[0] + "x"
                    + grid[1] + " tile grid, but " + (t - 1) + " grid tiles were given");
        }
        int rows = grid[0] * g;
        int cols = grid[1] * g;
        Tensor map = tiles.narrow(0, 1, t - 1).view(grid[0], grid[1], g, g, h).permute(0, 2, 1, 3, 4)
                .reshape(rows, cols, h);
        int[] kept = AnyRes.unpaddedSize(height, width, rows, cols);
        if (kept[0] != rows) {
            map = map.narrow(0, (rows - kept[0]) / 2, kept[0]);
        }
        if (kept[1] != cols) {
            map = map.narrow(1, (cols - kept[1]) / 2, kept[1]);
        }
        Tensor nl = newline.reshape(1, 1, h).expand(kept[0], 1, h);
        Tensor withNewlines = Layout.cat(List.of(map, nl), 1).reshape(kept[0] * (kept[1] + 1), h);
        List<Tensor> parts = new ArrayList<>();
        parts.add(base);
        parts.add(withNewlines);
        return Layout.cat(parts, 0);
    }
}
