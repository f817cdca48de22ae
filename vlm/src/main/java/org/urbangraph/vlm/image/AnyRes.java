package org.urbangraph.vlm.image;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The arithmetic of LLaVA-NeXT's "anyres" scheme, shared by the image processor (which tiles the image) and the
 * model (which packs the tile features and must know how many {@code <image>} tokens to expect).
 * Python's float semantics are copied where they decide a pixel: {@code int()} truncates, {@code math.ceil},
 * and {@code round(x, 7)}, which rounds the exact binary value to 7 decimals, half to even.
 */
public final class AnyRes {
    private AnyRes() {}

    /**
     * transformers' {@code select_best_resolution}: the pinpoint (height, width) that keeps the most of the image's
     * resolution once it is scaled to fit, ties broken by the least wasted area; the first wins a full tie.
     */
    public static int[] selectBestResolution(int height, int width, int[][] pinpoints) {
        int[] best = null;
        long maxEffective = 0;
        double minWasted = Double.POSITIVE_INFINITY;
        for (int[] p : pinpoints) {
            int h = p[0];
            int w = p[1];
            double scale = Math.min((double) w / width, (double) h / height);
            long dw = (long) (width * scale);
            long dh = (long) (height * scale);
            long effective = Math.min(dw * dh, (long) width * height);
            long wasted = (long) w * h - effective;
            if (effective > maxEffective || (effective == maxEffective && wasted < minWasted)) {
                maxEffective = effective;
                minWasted = wasted;
                best = new int[] {h, w};
            }
        }
        if (best == null) {
            throw new IllegalArgumentException("no usable pinpoint for a " + width + "x" + height + " image");
        }
        return best;
    }

    /** transformers' {@code get_patch_output_size}: the (height, width) the image is resized to inside the target. */
    public static int[] patchOutputSize(int height, int width, int targetH, int targetW) {
        double scaleW = (double) targetW / width;
        double scaleH = (double) targetH / height;
        if (scaleW < scaleH) {
            return new int[] {(int) Math.min((long) Math.ceil(height * scaleW), targetH), targetW};
        }
        return new int[] {targetH, (int) Math.min((long) Math.ceil(width * scaleH), targetW)};
    }

    /** The tile grid (rows, columns) the processor cuts for an image: the best pinpoint over the tile size. */
    public static int[] tileGrid(int height, int width, int[][] pinpoints, int tileSize) {
        int[] best = selectBestResolution(height, width, pinpoints);
        return new int[] {best[0] / tileSize, best[1] / tileSize};
    }

    /**
     * The feature map left after unpadding (rows, columns) of a grid-tile map of {@code currentH x currentW}
     * features for an original image of {@code height x width}: the model's {@code unpad_image} and the
     * processor's {@code _get_unpadded_features}, which agree.
     */
    public static int[] unpaddedSize(int height, int width, int currentH, int currentW) {
        double originalAspect = (double) width / height;
        double currentAspect = (double) currentW / currentH;
        if (originalAspect > currentAspect) {
            int newH = round7ToInt(height * ((double) currentW / width));
            int padding = Math.floorDiv(currentH - newH, 2);
            return new int[] {currentH - 2 * padding, currentW};
        }
        int newW = round7ToInt(width * ((double) currentH / height));
        int padding = Math.floorDiv(currentW - newW, 2);
        return new int[] {currentH, currentW - 2 * padding};
    }

    /**
     * The number of {@code <image>} tokens one image becomes (transformers' {@code _get_number_of_features}): the base
     * tile's {@code p x p} features, plus the unpadded grid features with one {@code image_newline} per row.
     *
     * @param tileHeight the processed tile size (pixel_values' height), tileWidth likewise
     * @param patchSize  the vision tower's patch size (14)
     * @param keepCls    true for {@code vision_feature_select_strategy "full"}, false for "default" (CLS dropped)
     */
    public static int imageTokens(int height, int width, int[][] pinpoints, int tileHeight, int tileWidth,
                                  int patchSize, boolean keepCls) {
        int[] best = selectBestResolution(height, width, pinpoints);
        int scaleH = best[0] / tileHeight;
        int scaleW = best[1] / tileWidth;
        int ph = tileHeight / patchSize;
        int pw = tileWidth / patchSize;
        int[] unpadded = unpaddedSize(height, width, ph * scaleH, pw * scaleW);
        int base = ph * pw + (keepCls ? 1 : 0);
        return unpadded[0] * unpadded[1] + unpadded[0] + base;
    }

    /** {@code int(round(x, 7))} in Python. */
    static int round7ToInt(double x) {
        return new BigDecimal(x).setScale(7, RoundingMode.HALF_EVEN).intValue();
    }
}
