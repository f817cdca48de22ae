package org.urbangraph.vlm.image;

/**
 * Pillow's decompression-bomb limit, which both decoders apply from the size in the file's header, before any pixel
 * is decoded: Pillow raises {@code DecompressionBombError} on opening an image of more than
 * 2 x {@code Image.MAX_IMAGE_PIXELS} = 178,956,970 pixels (a 1-bit PNG that size is a small file but 537 MB of RGB).
 */
public final class DecompressionBombLimit {
    private DecompressionBombLimit() {}

    /** 2 x {@code PIL.Image.MAX_IMAGE_PIXELS} (89,478,485, Pillow's default); more pixels than this are refused. */
    public static final long MAX_PIXELS = 2L * 89_478_485;

    /**
     * Refuses an image of more than {@link #MAX_PIXELS} pixels, naming the file and the size.
     *
     * @throws ImageFormatException if it is over the limit
     */
    public static void check(long width, long height, String source) {
        if (width * height > MAX_PIXELS) {
            throw new ImageFormatException(source, "image of " + width + "x" + height + " pixels (" + width * height
                    + ") is over Pillow's decompression-bomb limit of " + MAX_PIXELS + " pixels");
        }
    }
}
