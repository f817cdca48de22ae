package org.urbangraph.vlm.image;

/**
 * The EXIF Orientation tag, read and applied as Pillow's {@code ImageOps.exif_transpose} does: orientation 2 to 8
 * maps to one of the seven {@code Image.transpose} methods, 1 (or no tag) leaves the image as stored.
 *
 * <p>The tag is read from IFD0 of the EXIF block: in a JPEG, the first APP1 segment that starts with
 * {@code "Exif\0\0"} before the scan; in a PNG, the {@code eXIf} chunk (before or after the image data). Pillow also
 * takes an orientation from a PNG's XMP packet or ImageMagick's "Raw profile type exif" text chunk when there is no
 * EXIF tag; those are not read here. An EXIF block that cannot be parsed counts as no orientation (Pillow raises).
 */
final class ExifOrientation {
    private ExifOrientation() {}

    private static final int TAG_ORIENTATION = 0x0112;

    /** The file's EXIF orientation, 1 to 8; 1 when it has none or the value is out of range. */
    static int read(byte[] data, Images.Format format) {
        int o = switch (format) {
            case JPEG -> fromJpeg(data);
            case PNG -> fromPng(data);
            default -> 1;
        };
        return o >= 1 && o <= 8 ? o : 1;
    }

    private static int fromJpeg(byte[] d) {
        int at = 2;
        while (at + 4 <= d.length) {
            if ((d[at] & 0xFF) != 0xFF) {
                return 1;
            }
            int marker = d[at + 1] & 0xFF;
            if (marker == 0xFF) {
                at++; // fill byte
                continue;
            }
            if (marker == 0xDA || marker == 0xD9) {
                return 1; // the scan (or the end) before any EXIF block
            }
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                at += 2;
                continue;
            }
            int len = u16(d, at + 2, false);
            int body = at + 4;
            int end = at + 2 + len;
            if (len < 2 || end > d.length) {
                return 1;
            }
            if (marker == 0xE1 && end - body >= 6 && d[body] == 'E' && d[body + 1] == 'x' && d[body + 2] == 'i'
                    && d[body + 3] == 'f' && d[body + 4] == 0 && d[body + 5] == 0) {
                return fromTiff(d, body + 6, end);
            }
            at = end;
        }
        return 1;
    }

    private static int fromPng(byte[] d) {
        int at = 8;
        while (at + 12 <= d.length) {
            long len = u32(d, at, false);
            if (at + 12 + len > d.length) {
                return 1;
            }
            if (d[at + 4] == 'e' && d[at + 5] == 'X' && d[at + 6] == 'I' && d[at + 7] == 'f') {
                return fromTiff(d, at + 8, at + 8 + (int) len);
            }
            if (d[at + 4] == 'I' && d[at + 5] == 'E' && d[at + 6] == 'N' && d[at + 7] == 'D') {
                return 1;
            }
            at += (int) (12 + len);
        }
        return 1;
    }

    /** The Orientation entry of IFD0 of the TIFF structure in {@code d[start, end)}; 1 if absent or unreadable. */
    static int fromTiff(byte[] d, int start, int end) {
        if (end - start < 8) {
            return 1;
        }
        boolean le;
        if (d[start] == 'I' && d[start + 1] == 'I') {
            le = true;
        } else if (d[start] == 'M' && d[start + 1] == 'M') {
            le = false;
        } else {
            return 1;
        }
        if (u16(d, start + 2, le) != 42) {
            return 1;
        }
        long ifd = u32(d, start + 4, le);
        if (ifd < 8 || start + ifd + 2 > end) {
            return 1;
        }
        int p = start + (int) ifd;
        int entries = u16(d, p, le);
        for (int i = 0; i < entries; i++) {
            int e = p + 2 + 12 * i;
            if (e + 12 > end) {
                return 1;
            }
            if (u16(d, e, le) != TAG_ORIENTATION) {
                continue;
            }
            int type = u16(d, e + 2, le);
            long count = u32(d, e + 4, le);
            if (count != 1) {
                return 1; // Pillow gets a tuple, which is no orientation
            }
            return switch (type) {
                case 1 -> d[e + 8] & 0xFF; // BYTE
                case 3 -> u16(d, e + 8, le); // SHORT
                case 4 -> (int) Math.min(u32(d, e + 8, le), Integer.MAX_VALUE); // LONG
                default -> 1;
            };
        }
        return 1;
    }

    /**
     * The image as {@code exif_transpose} gives it: 2 mirrors left-right, 3 rotates 180 degrees, 4 mirrors top-bottom,
     * 5 transposes, 6 rotates 90 degrees clockwise, 7 transverses, 8 rotates 90 degrees counter-clockwise; 5 to 8
     * swap width and height.
     */
    static RgbImage apply(RgbImage img, int orientation) {
        if (orientation < 2 || orientation > 8) {
            return img;
        }
        int w = img.width();
        int h = img.height();
        boolean swap = orientation >= 5;
        int ow = swap ? h : w;
        int oh = swap ? w : h;
        byte[] src = img.pixels();
        byte[] out = new byte[src.length];
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                // the source pixel of output pixel (x, y), as Pillow's Image.transpose methods define it
                int sx;
                int sy;
                switch (orientation) {
                    case 2 -> { sx = w - 1 - x; sy = y; }                  // FLIP_LEFT_RIGHT
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }          // ROTATE_180
                    case 4 -> { sx = x; sy = h - 1 - y; }                  // FLIP_TOP_BOTTOM
                    case 5 -> { sx = y; sy = x; }                          // TRANSPOSE
                    case 6 -> { sx = y; sy = h - 1 - x; }                  // ROTATE_270
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }          // TRANSVERSE
                    default -> { sx = w - 1 - y; sy = x; }                 // 8: ROTATE_90
                }
                int s = (sy * w + sx) * 3;
                int o = (y * ow + x) * 3;
                out[o] = src[s];
                out[o + 1] = src[s + 1];
                out[o + 2] = src[s + 2];
            }
        }
        return new RgbImage(ow, oh, out);
    }

    private static int u16(byte[] d, int at, boolean le) {
        return le ? (d[at] & 0xFF) | (d[at + 1] & 0xFF) << 8 : (d[at] & 0xFF) << 8 | (d[at + 1] & 0xFF);
    }

    private static long u32(byte[] d, int at, boolean le) {
        return le ? (u16(d, at, true) | (long) u16(d, at + 2, true) << 16)
                : ((long) u16(d, at, false) << 16 | u16(d, at + 2, false));
    }
}
