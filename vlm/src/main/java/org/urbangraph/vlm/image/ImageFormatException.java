package org.urbangraph.vlm.image;

/**
 * An image file that cannot be read: not an image, a format or variant this package does not decode, or
 * damaged data. The message names the file and says what was expected.
 */
public final class ImageFormatException extends RuntimeException {

    public ImageFormatException(String source, String reason) {
        super(source + ": " + reason);
    }

    public ImageFormatException(String source, String reason, Throwable cause) {
        super(source + ": " + reason, cause);
    }
}
