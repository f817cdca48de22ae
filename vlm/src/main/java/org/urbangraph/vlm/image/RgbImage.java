package org.urbangraph.vlm.image;

import java.util.Objects;

/**
 * An 8-bit RGB image, rows top to bottom, pixels left to right, channels R, G, B interleaved (HWC), exactly the
 * layout of a Pillow {@code "RGB"} image's {@code tobytes()} and of a numpy {@code uint8[H, W, 3]} array.
 *
 * <p>The array is owned by the image: callers must not change it after construction (the processors never do).
 */
public record RgbImage(int width, int height, byte[] pixels) {

    public RgbImage {
        Objects.requireNonNull(pixels, "pixels");
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if ((long) width * height * 3 != pixels.length) {
            throw new IllegalArgumentException("an RGB image of " + width + "x" + height + " needs "
                    + (long) width * height * 3 + " bytes, got " + pixels.length);
        }
    }

    /** Sample {@code c} (0 = R, 1 = G, 2 = B) of pixel (x, y), as 0..255. */
    public int get(int x, int y, int c) {
        return pixels[(y * width + x) * 3 + c] & 0xFF;
    }

    /** The rectangle [x, x + w) x [y, y + h), which must lie inside the image. */
    public RgbImage crop(int x, int y, int w, int h) {
        if (x < 0 || y < 0 || w <= 0 || h <= 0 || x + w > width || y + h > height) {
            throw new IllegalArgumentException("crop " + w + "x" + h + "+" + x + "+" + y + " is outside the "
                    + width + "x" + height + " image");
        }
        byte[] out = new byte[w * h * 3];
        for (int row = 0; row < h; row++) {
            System.arraycopy(pixels, ((y + row) * width + x) * 3, out, row * w * 3, w * 3);
        }
        return new RgbImage(w, h, out);
    }

    /** Pillow's {@code Image.transpose(TRANSPOSE)}: rows become columns, (x, y) -> (y, x). */
    public RgbImage transpose() {
        byte[] out = new byte[pixels.length];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int src = (y * width + x) * 3;
                int dst = (x * height + y) * 3;
                out[dst] = pixels[src];
                out[dst + 1] = pixels[src + 1];
                out[dst + 2] = pixels[src + 2];
            }
        }
        return new RgbImage(height, width, out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RgbImage r && r.width == width && r.height == height
                && java.util.Arrays.equals(r.pixels, pixels);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + java.util.Arrays.hashCode(pixels);
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }
}
