package org.urbangraph.vlm.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.urbangraph.tensor.Tensor;

/**
 * Hugging Face's {@code Qwen2VLImageProcessor} (transformers 4.57, the Pillow-based "slow" processor, also used by
 * Qwen2.5-VL), bit-exact on the resized pixels and on the normalised values:
 *
 * <ol>
 *   <li>{@link #smartResize}: both sides a multiple of {@code patch_size * merge_size} (28), the pixel count
 *       within [min_pixels, max_pixels], the aspect ratio about kept;</li>
 *   <li>Pillow resize with the configured filter (BICUBIC by default) on the 8-bit image;</li>
 *   <li>rescale and normalise ({@link Normalization});</li>
 *   <li>a single image repeated to {@code temporal_patch_size} frames;</li>
 *   <li>patches of {@code temporal × patch × patch} pixels, one row each, rows ordered (t, hb, wb, hm, wm) so that
 *       the {@code merge × merge} patches of each merged token are consecutive, each row laid out (c, t, py, px).</li>
 * </ol>
 */
public final class Qwen2VLImageProcessor {

    /** Settings, as in {@code preprocessor_config.json}. */
    public record Config(boolean doResize, Resample.Filter resample, Normalization normalization, int minPixels,
                         int maxPixels, int patchSize, int temporalPatchSize, int mergeSize) {

        public static final int DEFAULT_MIN_PIXELS = 56 * 56;
        public static final int DEFAULT_MAX_PIXELS = 28 * 28 * 1280;

        public Config {
            if (minPixels <= 0 || maxPixels < minPixels) {
                throw new IllegalArgumentException("need 0 < min_pixels <= max_pixels, got " + minPixels + " and "
                        + maxPixels);
            }
            if (patchSize <= 0 || temporalPatchSize <= 0 || mergeSize <= 0) {
                throw new IllegalArgumentException("patch_size, temporal_patch_size and merge_size must be "
                        + "positive, got " + patchSize + ", " + temporalPatchSize + ", " + mergeSize);
            }
        }

        /** The defaults of the class (those of the Qwen2-VL checkpoints). */
        public static Config defaults() {
            return new Config(true, Resample.Filter.BICUBIC, Normalization.of(true, 1.0 / 255, true,
                    Normalization.CLIP_MEAN, Normalization.CLIP_STD), DEFAULT_MIN_PIXELS, DEFAULT_MAX_PIXELS, 14, 2,
                    2);
        }

        public Config withPixels(int min, int max) {
            return new Config(doResize, resample, normalization, min, max, patchSize, temporalPatchSize, mergeSize);
        }

        public static Config read(Path file) {
            return fromJson(ProcessorConfigs.read(file), ProcessorConfigs.name(file));
        }

        /**
         * Both layouts the hub uses: the flat {@code min_pixels} / {@code max_pixels} keys, and the
         * {@code size: {shortest_edge, longest_edge}} dict (in pixels, not edges). As in transformers, a
         * {@code size} dict must have both keys, and the flat keys win where both are present.
         */
        public static Config fromJson(JsonNode n, String src) {
            int min = DEFAULT_MIN_PIXELS;
            int max = DEFAULT_MAX_PIXELS;
            JsonNode size = n.get("size");
            if (size != null && !size.isNull()) {
                if (!size.isObject() || !size.has("shortest_edge") || !size.has("longest_edge")) {
                    throw new IllegalArgumentException(src + ": 'size' must contain 'shortest_edge' and "
                            + "'longest_edge' (pixel counts), got " + size);
                }
                min = ProcessorConfigs.positiveInt(size, "shortest_edge", min, src + " size");
                max = ProcessorConfigs.positiveInt(size, "longest_edge", max, src + " size");
            }
            Integer flatMin = ProcessorConfigs.intOrNull(n, "min_pixels", src);
            Integer flatMax = ProcessorConfigs.intOrNull(n, "max_pixels", src);
            if (flatMin != null) {
                min = flatMin;
            }
            if (flatMax != null) {
                max = flatMax;
            }
            String type = n.path("image_processor_type").asText("Qwen2VLImageProcessor");
            if (!type.startsWith("Qwen2VLImageProcessor")) {
                throw new IllegalArgumentException(src + ": image_processor_type is '" + type
                        + "', expected Qwen2VLImageProcessor");
            }
            try {
                return new Config(ProcessorConfigs.bool(n, "do_resize", true, src), ProcessorConfigs.filter(n, src),
                        ProcessorConfigs.normalization(n, src), min, max,
                        ProcessorConfigs.positiveInt(n, "patch_size", 14, src),
                        ProcessorConfigs.positiveInt(n, "temporal_patch_size", 2, src),
                        ProcessorConfigs.positiveInt(n, "merge_size", 2, src));
            } catch (IllegalArgumentException e) {
                throw e.getMessage().startsWith(src) ? e : new IllegalArgumentException(src + ": " + e.getMessage(), e);
            }
        }
    }

    /** (t, h, w) in patches, as in {@code image_grid_thw}. */
    public record Grid(int t, int h, int w) {
        public int patches() {
            return t * h * w;
        }
    }

    /**
     * The processed batch: {@code pixelValues} is [rows, rowSize] row-major (rowSize = 3 · t · p · p = 1176),
     * {@code grids} one per image, {@code imageTokens} the number of {@code <|image_pad|>} tokens (merged patches)
     * per image, which the prompt must hold.
     */
    public record Output(float[] pixelValues, int rows, int rowSize, List<Grid> grids, int[] imageTokens) {

        /** {@code pixel_values} as a [rows, rowSize] tensor (wraps the array on the current backend). */
        public Tensor pixelValuesTensor() {
            return Tensor.of(pixelValues, rows, rowSize);
        }

        /** {@code image_grid_thw} as {t, h, w} per image, the form the vision tower takes. */
        public int[][] gridThw() {
            int[][] g = new int[grids.size()][];
            for (int i = 0; i < g.length; i++) {
                g[i] = new int[] {grids.get(i).t(), grids.get(i).h(), grids.get(i).w()};
            }
            return g;
        }
    }

    /** The same rows before rescale and normalisation: the resized 8-bit pixels in patch layout. */
    public record Uint8Output(byte[] pixelValues, int rows, int rowSize, List<Grid> grids) {}

    private final Config config;
    private final float[] lut;

    public Qwen2VLImageProcessor(Config config) {
        this.config = config;
        this.lut = config.normalization().table();
    }

    public Config config() {
        return config;
    }

    /**
     * transformers' {@code smart_resize}: returns {height, width}. Python's {@code round} rounds halves to even, and
     * so does {@link Math#rint}.
     */
    public static int[] smartResize(int height, int width, int factor, int minPixels, int maxPixels) {
        if ((double) Math.max(height, width) / Math.min(height, width) > 200) {
            throw new IllegalArgumentException("absolute aspect ratio must be smaller than 200, got "
                    + (double) Math.max(height, width) / Math.min(height, width) + " (" + width + "x" + height + ")");
        }
        long hBar = (long) Math.rint((double) height / factor) * factor;
        long wBar = (long) Math.rint((double) width / factor) * factor;
        if (hBar * wBar > maxPixels) {
            double beta = Math.sqrt((double) height * width / maxPixels);
            hBar = Math.max(factor, (long) Math.floor(height / beta / factor) * factor);
            wBar = Math.max(factor, (long) Math.floor(width / beta / factor) * factor);
        } else if (hBar * wBar < minPixels) {
            double beta = Math.sqrt((double) minPixels / ((double) height * width));
            hBar = (long) Math.ceil(height * beta / factor) * factor;
            wBar = (long) Math.ceil(width * beta / factor) * factor;
        }
        return new int[] {Math.toIntExact(hBar), Math.toIntExact(wBar)};
    }

    /** The size an image of {@code width x height} is resized to: {height, width}. */
    public int[] targetSize(int width, int height) {
        if (!config.doResize()) {
            return new int[] {height, width};
        }
        return smartResize(height, width, config.patchSize() * config.mergeSize(), config.minPixels(),
                config.maxPixels());
    }

    /** The resize step alone (the golden's {@code resized_uint8}). */
    public RgbImage resize(RgbImage image) {
        int[] hw = targetSize(image.width(), image.height());
        return Resample.resize(image, hw[1], hw[0], config.resample());
    }

    /** The grid of an image of this size, without processing it (for building prompts). */
    public Grid grid(int width, int height) {
        int[] hw = targetSize(width, height);
        return new Grid(1, hw[0] / config.patchSize(), hw[1] / config.patchSize());
    }

    /** The number of merged image tokens of an image of this size. */
    public int imageTokens(int width, int height) {
        return grid(width, height).patches() / (config.mergeSize() * config.mergeSize());
    }

    public Output preprocess(List<RgbImage> images) {
        Uint8Output u8 = preprocessUint8(images);
        float[] out = new float[u8.pixelValues().length];
        int rowSize = u8.rowSize();
        int chanSize = rowSize / 3;
        byte[] src = u8.pixelValues();
        for (int r = 0; r < u8.rows(); r++) {
            int base = r * rowSize;
            for (int c = 0; c < 3; c++) {
                int lutBase = c * 256;
                int off = base + c * chanSize;
                for (int i = 0; i < chanSize; i++) {
                    out[off + i] = lut[lutBase + (src[off + i] & 0xFF)];
                }
            }
        }
        int merge2 = config.mergeSize() * config.mergeSize();
        int[] tokens = new int[u8.grids().size()];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = u8.grids().get(i).patches() / merge2;
        }
        return new Output(out, u8.rows(), rowSize, u8.grids(), tokens);
    }

    public Uint8Output preprocessUint8(List<RgbImage> images) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no images to process");
        }
        int p = config.patchSize();
        int tps = config.temporalPatchSize();
        int m = config.mergeSize();
        int rowSize = 3 * tps * p * p;
        List<RgbImage> resized = new ArrayList<>();
        List<Grid> grids = new ArrayList<>();
        long rows = 0;
        for (int i = 0; i < images.size(); i++) {
            RgbImage img = resize(images.get(i));
            if (img.height() % (p * m) != 0 || img.width() % (p * m) != 0) {
                throw new IllegalArgumentException("image " + i + " is " + img.width() + "x" + img.height()
                        + ", not a multiple of patch_size * merge_size = " + p * m + " (do_resize is off)");
            }
            Grid g = new Grid(1, img.height() / p, img.width() / p);
            resized.add(img);
            grids.add(g);
            rows += g.patches();
        }
        byte[] out = new byte[Math.toIntExact(rows * rowSize)];
        int row = 0;
        for (int i = 0; i < resized.size(); i++) {
            row = writePatches(resized.get(i), grids.get(i), out, row, rowSize);
        }
        return new Uint8Output(out, Math.toIntExact(rows), rowSize, List.copyOf(grids));
    }

    /** Writes one image's rows from {@code row} on; every temporal frame is the same image. */
    private int writePatches(RgbImage img, Grid g, byte[] out, int row, int rowSize) {
        int p = config.patchSize();
        int tps = config.temporalPatchSize();
        int m = config.mergeSize();
        int w = img.width();
        byte[] px = img.pixels();
        for (int hb = 0; hb < g.h() / m; hb++) {
            for (int wb = 0; wb < g.w() / m; wb++) {
                for (int hm = 0; hm < m; hm++) {
                    for (int wm = 0; wm < m; wm++) {
                        int y0 = (hb * m + hm) * p;
                        int x0 = (wb * m + wm) * p;
                        int base = row * rowSize;
                        for (int c = 0; c < 3; c++) {
                            for (int t = 0; t < tps; t++) {
                                int o = base + (c * tps + t) * p * p;
                                for (int py = 0; py < p; py++) {
                                    int src = ((y0 + py) * w + x0) * 3 + c;
                                    for (int pxi = 0; pxi < p; pxi++) {
                                        out[o + py * p + pxi] = px[src + pxi * 3];
                                    }
                                }
                            }
                        }
                        row++;
                    }
                }
            }
        }
        return row;
    }
}
