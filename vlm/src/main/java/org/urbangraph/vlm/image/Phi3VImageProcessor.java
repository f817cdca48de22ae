package org.urbangraph.vlm.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import org.urbangraph.tensor.Tensor;

/**
 * Phi-3-Vision's image processor ({@code Phi3VImageProcessor}, {@code image_processing_phi3_v.py} of the
 * microsoft/Phi-3-vision-128k-instruct repository): the "HD transform".
 *
 * <ol>
 *   <li>A portrait image is transposed first (and back at the end), so the steps below see width >= height.</li>
 *   <li>The largest {@code scale} with {@code scale * ceil(scale / ratio) <= num_crops} (ratio = width / height)
 *       gives width {@code scale * 336} and height {@code int(width / ratio)}; the image is resized to that with
 *       Pillow's BILINEAR (torchvision's {@code resize} on a PIL image).</li>
 *   <li>The height is padded with white to the next multiple of 336, {@code int(pad / 2)} rows on top.</li>
 *   <li>{@code ToTensor} and {@code Normalize}: {@code (u8 / 255 - mean) / std} in float32.</li>
 *   <li>The global image is the normalised HD image shrunk to 336 x 336 with PyTorch's bicubic
 *       ({@link TorchBicubic}).</li>
 *   <li>{@code pixel_values} per image: the global image, then the 336 x 336 crops of the HD image row-major,
 *       padded with zero crops to {@code num_crops + 1}; {@code image_sizes} is the HD image's (height, width).</li>
 * </ol>
 *
 * The model turns an image of {@code h x w} crops into {@code (h w + 1) 144 + 1 + (h + 1) 12} tokens
 * ({@link #imageTokens}).
 */
public final class Phi3VImageProcessor {

    /**
     * Settings from {@code preprocessor_config.json}: {@code num_crops}, {@code image_mean}, {@code image_std}.
     * {@code cropSize} is 336 in the reference, which hard-codes it; it is a parameter here only so that tests can
     * pair the processor with a tiny vision tower.
     */
    public record Config(int numCrops, float[] mean, float[] std, int cropSize) {

        public Config {
            if (numCrops < 1) {
                throw new IllegalArgumentException("num_crops must be at least 1, got " + numCrops);
            }
            if (cropSize < 1) {
                throw new IllegalArgumentException("crop size must be positive, got " + cropSize);
            }
            mean = mean.clone();
            std = std.clone();
        }

        public static Config read(Path file) {
            return fromJson(ProcessorConfigs.read(file), ProcessorConfigs.name(file));
        }

        public static Config fromJson(JsonNode n, String src) {
            String type = n.path("image_processor_type").asText("Phi3VImageProcessor");
            if (!type.startsWith("Phi3VImageProcessor")) {
                throw new IllegalArgumentException(src + ": image_processor_type is '" + type
                        + "', expected Phi3VImageProcessor");
            }
            // the class default is 1; the released model's preprocessor_config.json sets 16
            int crops = ProcessorConfigs.positiveInt(n, "num_crops", 1, src);
            try {
                Normalization norm = Normalization.of(true, 1.0 / 255, true,
                        ProcessorConfigs.triple(n, "image_mean", Normalization.CLIP_MEAN, src),
                        ProcessorConfigs.triple(n, "image_std", Normalization.CLIP_STD, src));
                return new Config(crops, norm.mean(), norm.std(), 336);
            } catch (IllegalArgumentException e) {
                throw e.getMessage().startsWith(src) ? e : new IllegalArgumentException(src + ": " + e.getMessage(), e);
            }
        }

        /** The same settings with another crop size (for tiny test models). */
        public Config withCropSize(int size) {
            return new Config(numCrops, mean, std, size);
        }
    }

    /**
     * The processed batch: {@code pixelValues} [images, numCrops + 1, 3, crop, crop]; {@code imageSizes} the HD
     * images' (height, width), multiples of the crop size; {@code imageTokens} the placeholder count per image.
     */
    public record Output(float[] pixelValues, int images, int slots, int cropSize, int[][] imageSizes,
                         int[] imageTokens) {

        public Tensor pixelValuesTensor() {
            return Tensor.of(pixelValues, images, slots, 3, cropSize, cropSize);
        }
    }

    private final Config config;

    public Phi3VImageProcessor(Config config) {
        this.config = config;
    }

    public Config config() {
        return config;
    }

    /** The HD image (resized, padded with white, transposed back), still 8-bit. */
    public RgbImage hdTransform(RgbImage image) {
        int[] size = resizedSize(image.width(), image.height(), config.numCrops(), config.cropSize());
        boolean transposed = image.width() < image.height();
        RgbImage img = transposed ? image.transpose() : image;
        RgbImage resized = Resample.resize(img, size[0], size[1], Resample.Filter.BILINEAR);
        RgbImage padded = padHeight(resized, config.cropSize());
        return transposed ? padded.transpose() : padded;
    }

    /**
     * The (width, height) the HD transform resizes to, for an image already turned landscape (width >= height
     * after the transpose): {@code calc_hd_transform_size} before its padding.
     */
    static int[] resizedSize(int width, int height, int hdNum, int unit) {
        int w = Math.max(width, height);
        int h = Math.min(width, height);
        double ratio = (double) w / h;
        int scale = 1;
        while (scale * Math.ceil(scale / ratio) <= hdNum) {
            scale++;
        }
        scale--;
        int newW = scale * unit;
        int newH = (int) (newW / ratio);
        if (newH < 1) {
            throw new IllegalArgumentException("a " + width + "x" + height + " image is too elongated for the HD "
                    + "transform: it would be resized to a height of 0");
        }
        return new int[] {newW, newH};
    }

    /** The HD image's (height, width) for an original of {@code width x height}: {@code calc_hd_transform_size}. */
    public int[] hdSize(int width, int height) {
        int[] s = resizedSize(width, height, config.numCrops(), config.cropSize());
        int unit = config.cropSize();
        int paddedH = (int) Math.ceil((double) s[1] / unit) * unit;
        return width < height ? new int[] {s[0], paddedH} : new int[] {paddedH, s[0]};
    }

    /** Placeholder tokens of an HD image of {@code height x width} (multiples of the crop size). */
    public static int imageTokens(int height, int width, int cropSize, int tokensPerCropSide) {
        int h = height / cropSize;
        int w = width / cropSize;
        int side = tokensPerCropSide;
        return (h * w + 1) * side * side + 1 + (h + 1) * side;
    }

    /** Placeholder tokens of an original image of {@code width x height} with the released model (12 x 12 per crop). */
    public int imageTokensFor(int width, int height) {
        int[] hw = hdSize(width, height);
        return imageTokens(hw[0], hw[1], config.cropSize(), 12);
    }

    public Output preprocess(List<RgbImage> images) {
        return preprocess(images, 12);
    }

    /**
     * @param tokensPerCropSide merged tokens per crop side in the model (12 for CLIP ViT-L/14-336: 24 patches,
     *                          merged 2 x 2), used only for the token counts
     */
    public Output preprocess(List<RgbImage> images, int tokensPerCropSide) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no images to process");
        }
        int s = config.cropSize();
        int slots = config.numCrops() + 1;
        int cropLen;
        int total;
        try {
            cropLen = Math.multiplyExact(3, Math.multiplyExact(s, s));
            total = Math.multiplyExact(Math.multiplyExact(images.size(), slots), cropLen);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(images.size() + " images of " + slots + " crop slots (num_crops "
                    + config.numCrops() + " + the global image) of 3x" + s + "x" + s + " hold more than "
                    + Integer.MAX_VALUE + " values, more than one array can; preprocess fewer images at a time", e);
        }
        float[] out = new float[total];
        int[][] sizes = new int[images.size()][];
        int[] tokens = new int[images.size()];
        for (int i = 0; i < images.size(); i++) {
            RgbImage hd = hdTransform(images.get(i));
            int h = hd.height();
            int w = hd.width();
            float[] planes = normalise(hd);
            float[] global = TorchBicubic.resize(planes, 3, h, w, s, s);
            int base = i * slots * cropLen;
            System.arraycopy(global, 0, out, base, cropLen);
            int k = 1;
            for (int cy = 0; cy < h / s; cy++) {
                for (int cx = 0; cx < w / s; cx++, k++) {
                    int at = base + k * cropLen;
                    for (int c = 0; c < 3; c++) {
                        for (int y = 0; y < s; y++) {
                            System.arraycopy(planes, (c * h + cy * s + y) * w + cx * s, out, at + (c * s + y) * s, s);
                        }
                    }
                }
            }
            sizes[i] = new int[] {h, w};
            tokens[i] = imageTokens(h, w, s, tokensPerCropSide);
        }
        return new Output(out, images.size(), slots, s, sizes, tokens);
    }

    /** ToTensor then Normalize: planes [3, H, W] of {@code (u8 / 255 - mean) / std}, all in float32. */
    float[] normalise(RgbImage img) {
        int plane = img.width() * img.height();
        float[] out = new float[3 * plane];
        byte[] px = img.pixels();
        float[] lut = new float[3 * 256];
        for (int c = 0; c < 3; c++) {
            for (int v = 0; v < 256; v++) {
                lut[c * 256 + v] = ((float) v / 255f - config.mean()[c]) / config.std()[c];
            }
        }
        for (int p = 0; p < plane; p++) {
            for (int c = 0; c < 3; c++) {
                out[c * plane + p] = lut[c * 256 + (px[3 * p + c] & 0xFF)];
            }
        }
        return out;
    }

    /** {@code padding_336}: white rows to the next multiple of {@code unit}, {@code int(pad / 2)} of them on top. */
    static RgbImage padHeight(RgbImage img, int unit) {
        int target = (int) Math.ceil((double) img.height() / unit) * unit;
        if (target == img.height()) {
            return img;
        }
        int top = (target - img.height()) / 2;
        byte[] out = new byte[img.width() * target * 3];
        java.util.Arrays.fill(out, (byte) 255);
        System.arraycopy(img.pixels(), 0, out, top * img.width() * 3, img.pixels().length);
        return new RgbImage(img.width(), target, out);
    }
}
