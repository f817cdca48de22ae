package org.urbangraph.vlm.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.urbangraph.tensor.Tensor;

/**
 * Hugging Face's {@code LlavaNextImageProcessor} (transformers 4.57, the Pillow-based processor of LLaVA-1.6), with
 * its "anyres" tiling, bit-exact with the reference:
 *
 * <ol>
 *   <li>{@link AnyRes#selectBestResolution} picks one of {@code image_grid_pinpoints} (height, width);</li>
 *   <li>the image is resized into it with its aspect kept ({@code math.ceil} on the scaled side) and zero-padded,
 *       centred, to exactly that size (the odd pixel goes to the bottom / right);</li>
 *   <li>that canvas is cut into {@code crop_size} tiles, row-major; the base tile, the whole image squashed to
 *       {@code shortest_edge} square, goes first;</li>
 *   <li>each tile goes through the CLIP steps: shortest-edge resize, centre crop, rescale, normalise;</li>
 *   <li>images with fewer tiles are padded with all-zero tiles to the batch maximum ({@code do_pad}).</li>
 * </ol>
 *
 * The number of {@code <image>} tokens an image expands to is {@link AnyRes#imageTokens}.
 */
public final class LlavaNextImageProcessor {

    /** Settings, as in {@code preprocessor_config.json}. Sizes are (height, width); pinpoints are (height, width). */
    public record Config(boolean doResize, int shortestEdge, int sizeHeight, int sizeWidth, boolean doCenterCrop,
                         int cropHeight, int cropWidth, boolean doPad, int[][] gridPinpoints, Resample.Filter resample,
                         Normalization normalization) {

        public Config {
            if (gridPinpoints.length == 0) {
                throw new IllegalArgumentException("image_grid_pinpoints is empty");
            }
            if (shortestEdge <= 0 && (sizeHeight <= 0 || sizeWidth <= 0)) {
                throw new IllegalArgumentException("size needs shortest_edge or height and width");
            }
            if (cropHeight <= 0 || cropWidth <= 0) {
                throw new IllegalArgumentException("crop_size needs a positive height and width");
            }
            // the canvas is cut into crop_size['height'] squares (divide_to_patches) and the model counts the tiles
            // by whole division: a pinpoint that is not a multiple would give tiles the model does not use
            for (int i = 0; i < gridPinpoints.length; i++) {
                int[] p = gridPinpoints[i];
                if (p.length != 2) {
                    throw new IllegalArgumentException("'image_grid_pinpoints[" + i + "]' must be [height, width], got "
                            + java.util.Arrays.toString(p));
                }
                for (int side : p) {
                    if (side < cropHeight || side % cropHeight != 0) {
                        throw new IllegalArgumentException("'image_grid_pinpoints[" + i + "]' "
                                + java.util.Arrays.toString(p) + " must be positive multiples of crop_size's height "
                                + cropHeight + " (the tile side)");
                    }
                }
            }
        }

        public static Config read(Path file) {
            return fromJson(ProcessorConfigs.read(file), ProcessorConfigs.name(file));
        }

        public static Config fromJson(JsonNode n, String src) {
            String type = n.path("image_processor_type").asText("LlavaNextImageProcessor");
            if (!type.startsWith("LlavaNextImageProcessor")) {
                throw new IllegalArgumentException(src + ": image_processor_type is '" + type
                        + "', expected LlavaNextImageProcessor");
            }
            JsonNode size = n.get("size");
            int shortest = 0;
            int sh = 0;
            int sw = 0;
            if (size == null || size.isNull()) {
                shortest = 224;
            } else if (size.isInt()) {
                shortest = size.intValue();
            } else if (size.has("shortest_edge")) {
                shortest = ProcessorConfigs.positiveInt(size, "shortest_edge", 0, src + " size");
            } else if (size.has("height") && size.has("width")) {
                sh = ProcessorConfigs.positiveInt(size, "height", 0, src + " size");
                sw = ProcessorConfigs.positiveInt(size, "width", 0, src + " size");
            } else {
                throw new IllegalArgumentException(src + ": 'size' must have shortest_edge, or height and width; got "
                        + size);
            }
            JsonNode crop = n.get("crop_size");
            int ch = 224;
            int cw = 224;
            if (crop != null && !crop.isNull()) {
                if (crop.isInt()) {
                    ch = cw = crop.intValue();
                } else {
                    ch = ProcessorConfigs.positiveInt(crop, "height", 0, src + " crop_size");
                    cw = ProcessorConfigs.positiveInt(crop, "width", 0, src + " crop_size");
                }
            }
            JsonNode pins = n.get("image_grid_pinpoints");
            int[][] pinpoints;
            if (pins == null || pins.isNull()) {
                pinpoints = new int[][] {{336, 672}, {672, 336}, {672, 672}, {1008, 336}, {336, 1008}};
            } else {
                if (!pins.isArray()) {
                    throw new IllegalArgumentException(src + ": 'image_grid_pinpoints' must be a list of [height, "
                            + "width] pairs, got " + pins);
                }
                pinpoints = new int[pins.size()][];
                for (int i = 0; i < pins.size(); i++) {
                    JsonNode p = pins.get(i);
                    if (!p.isArray() || p.size() != 2 || !p.get(0).isIntegralNumber() || !p.get(0).canConvertToInt()
                            || !p.get(1).isIntegralNumber() || !p.get(1).canConvertToInt()) {
                        throw new IllegalArgumentException(src + ": 'image_grid_pinpoints[" + i
                                + "]' must be [height, width] in whole pixels, got " + p);
                    }
                    pinpoints[i] = new int[] {p.get(0).intValue(), p.get(1).intValue()};
                }
            }
            try {
                return new Config(ProcessorConfigs.bool(n, "do_resize", true, src), shortest, sh, sw,
                        ProcessorConfigs.bool(n, "do_center_crop", true, src), ch, cw,
                        ProcessorConfigs.bool(n, "do_pad", true, src), pinpoints, ProcessorConfigs.filter(n, src),
                        ProcessorConfigs.normalization(n, src));
            } catch (IllegalArgumentException e) {
                throw e.getMessage().startsWith(src) ? e : new IllegalArgumentException(src + ": " + e.getMessage(), e);
            }
        }

        /** The side of the base tile and of each grid tile before the CLIP steps: (height, width). */
        int[] baseSize() {
            return sizeHeight > 0 && sizeWidth > 0 ? new int[] {sizeHeight, sizeWidth}
                    : new int[] {shortestEdge, shortestEdge};
        }
    }

    /**
     * The processed batch: {@code pixelValues} is [images, maxTiles, 3, tileHeight, tileWidth] (zero tiles pad the
     * shorter images when {@code do_pad} is on), {@code tiles} the real tile count per image (base tile included),
     * {@code imageSizes} the original (height, width) per image, as the model's {@code image_sizes}.
     */
    public record Output(float[] pixelValues, int images, int maxTiles, int tileHeight, int tileWidth, int[] tiles,
                         int[][] imageSizes) {

        /** {@code pixel_values} as an [images, maxTiles, 3, tileHeight, tileWidth] tensor. */
        public Tensor pixelValuesTensor() {
            return Tensor.of(pixelValues, images, maxTiles, 3, tileHeight, tileWidth);
        }
    }

    /** The same before rescale and normalisation: 8-bit tiles, in the same layout. */
    public record Uint8Output(byte[] pixelValues, int images, int maxTiles, int tileHeight, int tileWidth,
                              int[] tiles, int[][] imageSizes) {}

    private final Config config;
    private final float[] lut;

    public LlavaNextImageProcessor(Config config) {
        this.config = config;
        this.lut = config.normalization().table();
    }

    public Config config() {
        return config;
    }

    /** The tiles of one image, base tile first, each after the CLIP steps (resize, centre crop), still 8-bit. */
    public List<RgbImage> tiles(RgbImage image) {
        int[] best = AnyRes.selectBestResolution(image.height(), image.width(), config.gridPinpoints());
        int[] hw = AnyRes.patchOutputSize(image.height(), image.width(), best[0], best[1]);
        RgbImage resized = Resample.resize(image, hw[1], hw[0], config.resample());
        // _pad_for_patching recomputes the size from the resized image; it comes out the same, but copy it.
        int[] hw2 = AnyRes.patchOutputSize(resized.height(), resized.width(), best[0], best[1]);
        RgbImage canvas = padCentred(resized, best[0], best[1], hw2[0], hw2[1]);
        int patch = config.cropHeight();
        List<RgbImage> tiles = new ArrayList<>();
        int[] base = config.baseSize();
        tiles.add(Resample.resize(image, base[1], base[0], config.resample()));
        for (int y = 0; y < canvas.height(); y += patch) {
            for (int x = 0; x < canvas.width(); x += patch) {
                tiles.add(canvas.crop(x, y, Math.min(patch, canvas.width() - x), Math.min(patch, canvas.height() - y)));
            }
        }
        List<RgbImage> out = new ArrayList<>(tiles.size());
        for (RgbImage t : tiles) {
            out.add(clipSteps(t));
        }
        return out;
    }

    public Output preprocess(List<RgbImage> images) {
        Uint8Output u8 = preprocessUint8(images);
        byte[] src = u8.pixelValues();
        float[] out = new float[src.length];
        int plane = u8.tileHeight() * u8.tileWidth();
        int tileLen = 3 * plane;
        for (int i = 0; i < u8.images(); i++) {
            for (int t = 0; t < u8.tiles()[i]; t++) {
                int base = (i * u8.maxTiles() + t) * tileLen;
                for (int c = 0; c < 3; c++) {
                    int off = base + c * plane;
                    for (int k = 0; k < plane; k++) {
                        out[off + k] = lut[c * 256 + (src[off + k] & 0xFF)];
                    }
                }
            }
            // padding tiles stay 0.0: the reference pads the normalised values with zeros
        }
        return new Output(out, u8.images(), u8.maxTiles(), u8.tileHeight(), u8.tileWidth(), u8.tiles(),
                u8.imageSizes());
    }

    public Uint8Output preprocessUint8(List<RgbImage> images) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no images to process");
        }
        List<List<RgbImage>> all = new ArrayList<>();
        int maxTiles = 0;
        int th = -1;
        int tw = -1;
        int[] counts = new int[images.size()];
        int[][] sizes = new int[images.size()][];
        for (int i = 0; i < images.size(); i++) {
            List<RgbImage> t = tiles(images.get(i));
            for (RgbImage tile : t) {
                if (th < 0) {
                    th = tile.height();
                    tw = tile.width();
                } else if (tile.height() != th || tile.width() != tw) {
                    throw new IllegalArgumentException("image " + i + " gives a " + tile.width() + "x"
                            + tile.height() + " tile, but others are " + tw + "x" + th
                            + "; turn do_center_crop on or use pinpoints that are multiples of crop_size");
                }
            }
            all.add(t);
            counts[i] = t.size();
            sizes[i] = new int[] {images.get(i).height(), images.get(i).width()};
            maxTiles = Math.max(maxTiles, t.size());
        }
        if (!config.doPad()) {
            for (int c : counts) {
                if (c != maxTiles) {
                    throw new IllegalArgumentException("images give different tile counts " + java.util.Arrays
                            .toString(counts) + " and do_pad is off, so they cannot form one batch");
                }
            }
        }
        int plane = th * tw;
        byte[] out = new byte[Math.toIntExact((long) images.size() * maxTiles * 3 * plane)];
        for (int i = 0; i < all.size(); i++) {
            List<RgbImage> t = all.get(i);
            for (int k = 0; k < t.size(); k++) {
                byte[] px = t.get(k).pixels();
                int base = (i * maxTiles + k) * 3 * plane;
                for (int p = 0; p < plane; p++) {
                    out[base + p] = px[3 * p];
                    out[base + plane + p] = px[3 * p + 1];
                    out[base + 2 * plane + p] = px[3 * p + 2];
                }
            }
        }
        return new Uint8Output(out, images.size(), maxTiles, th, tw, counts, sizes);
    }

    /** CLIP's per-tile steps: resize (shortest edge, aspect kept, or to height x width), then centre crop. */
    private RgbImage clipSteps(RgbImage tile) {
        RgbImage t = tile;
        if (config.doResize()) {
            int[] hw;
            if (config.shortestEdge() > 0) {
                hw = shortestEdgeSize(t.height(), t.width(), config.shortestEdge());
            } else {
                hw = new int[] {config.sizeHeight(), config.sizeWidth()};
            }
            t = Resample.resize(t, hw[1], hw[0], config.resample());
        }
        if (config.doCenterCrop()) {
            t = centerCrop(t, config.cropHeight(), config.cropWidth());
        }
        return t;
    }

    /** transformers' {@code get_resize_output_image_size(default_to_square=False)}: (height, width). */
    static int[] shortestEdgeSize(int height, int width, int size) {
        int shortSide = Math.min(width, height);
        int longSide = Math.max(width, height);
        int newLong = (int) ((long) size * longSide / (double) shortSide);
        return width <= height ? new int[] {newLong, size} : new int[] {size, newLong};
    }

    /** transformers' {@code center_crop}: crops, and where the crop is larger, zero-pads around the image. */
    static RgbImage centerCrop(RgbImage img, int cropH, int cropW) {
        int h = img.height();
        int w = img.width();
        int top = Math.floorDiv(h - cropH, 2);
        int left = Math.floorDiv(w - cropW, 2);
        if (top >= 0 && left >= 0 && top + cropH <= h && left + cropW <= w) {
            return top == 0 && left == 0 && cropH == h && cropW == w ? img : img.crop(left, top, cropW, cropH);
        }
        int newH = Math.max(cropH, h);
        int newW = Math.max(cropW, w);
        int topPad = (newH - h + 1) / 2;
        int leftPad = (newW - w + 1) / 2;
        RgbImage canvas = paste(img, newH, newW, topPad, leftPad);
        int y0 = Math.max(0, top + topPad);
        int y1 = Math.min(newH, top + topPad + cropH);
        int x0 = Math.max(0, left + leftPad);
        int x1 = Math.min(newW, left + leftPad + cropW);
        return canvas.crop(x0, y0, x1 - x0, y1 - y0);
    }

    private static RgbImage padCentred(RgbImage img, int targetH, int targetW, int newH, int newW) {
        int pasteY = Math.floorDiv(targetH - newH, 2);
        int pasteX = Math.floorDiv(targetW - newW, 2);
        if (pasteX == 0 && pasteY == 0 && img.width() == targetW && img.height() == targetH) {
            return img;
        }
        return paste(img, targetH, targetW, pasteY, pasteX);
    }

    private static RgbImage paste(RgbImage img, int h, int w, int top, int left) {
        byte[] out = new byte[h * w * 3];
        for (int y = 0; y < img.height(); y++) {
            System.arraycopy(img.pixels(), y * img.width() * 3, out, ((top + y) * w + left) * 3, img.width() * 3);
        }
        return new RgbImage(w, h, out);
    }
}
