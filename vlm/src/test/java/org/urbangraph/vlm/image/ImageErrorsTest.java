package org.urbangraph.vlm.image;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.testkit.Fixtures;

/** Unreadable and unsupported files get an {@link ImageFormatException} naming the file and the reason. */
class ImageErrorsTest {

    @TempDir
    Path dir;

    private void assertFails(byte[] content, String expected) throws Exception {
        Path f = dir.resolve("bad-" + Integer.toHexString(Arrays.hashCode(content)) + ".img");
        Files.write(f, content);
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> Images.read(f));
        assertTrue(e.getMessage().startsWith(f.toString() + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), "'" + e.getMessage() + "' should say '" + expected + "'");
    }

    private static byte[] jpeg() throws Exception {
        return Files.readAllBytes(Fixtures.path("images", "jpeg", "s420_q85.jpg"));
    }

    /** The offset of the first SOFn marker's code byte. */
    private static int sof(byte[] d) {
        for (int i = 2; i + 1 < d.length; i++) {
            if ((d[i] & 0xFF) == 0xFF && (d[i + 1] & 0xF0) == 0xC0 && d[i + 1] != (byte) 0xC4) {
                return i + 1;
            }
        }
        throw new AssertionError("no SOF");
    }

    @Test
    void missingEmptyAndForeignFiles() throws Exception {
        Path missing = dir.resolve("nowhere.jpg");
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> Images.read(missing));
        assertTrue(e.getMessage().equals(missing + ": no such file"), e.getMessage());
        assertFails(new byte[0], "empty file");
        assertFails("GIF89a....".getBytes(), "GIF images are not supported");
        assertFails("RIFF\0\0\0\0WEBPVP8 ".getBytes(), "WebP images are not supported");
        assertFails("hello, world".getBytes(), "not a PNG or JPEG image (the file starts with 68 65 6c");
    }

    @Test
    void truncatedJpegs() throws Exception {
        byte[] d = jpeg();
        assertFails(Arrays.copyOf(d, d.length / 2), "truncated JPEG: the file ends inside the compressed data");
        // a sequential file complete but for EOI is read (JpegMissingEoiTest); a progressive one is not
        byte[] p = Files.readAllBytes(Fixtures.path("images", "jpeg", "prog_s420.jpg"));
        assertFails(Arrays.copyOf(p, p.length - 2), "truncated JPEG: the file ends before the EOI marker");
        assertFails(Arrays.copyOf(d, 40), "truncated JPEG");
    }

    @Test
    void unsupportedJpegVariants() throws Exception {
        byte[] d = jpeg();
        int s = sof(d);
        byte[] arith = d.clone();
        arith[s] = (byte) 0xC9;
        assertFails(arith, "arithmetic-coded JPEG (SOF9) is not supported");
        byte[] lossless = d.clone();
        lossless[s] = (byte) 0xC3;
        assertFails(lossless, "lossless JPEG (SOF3) is not supported");
        byte[] twelve = d.clone();
        twelve[s + 3] = 12; // the precision byte after the marker code and the 2-byte length
        assertFails(twelve, "12-bit JPEG samples are not supported");
        byte[] noHeight = d.clone();
        noHeight[s + 4] = 0;
        noHeight[s + 5] = 0;
        assertFails(noHeight, "DNL marker is not supported");
    }

    @Test
    void jpegOverTheDecompressionBombLimit() throws Exception {
        byte[] d = jpeg();
        int s = sof(d);
        for (int i = 4; i < 8; i++) {
            d[s + i] = (byte) 0xFF; // height and width 65535
        }
        assertFails(d, "image of 65535x65535 pixels (4294836225) is over Pillow's decompression-bomb limit of "
                + "178956970 pixels");
    }

    @Test
    void damagedPng() throws Exception {
        byte[] d = Files.readAllBytes(Fixtures.path("images", "png", "rgb8.png"));
        assertFails(Arrays.copyOf(d, d.length / 2), "truncated PNG: the file ends inside its IDAT chunk");
        byte[] badData = d.clone();
        int idat = indexOf(badData, "IDAT");
        badData[idat + 6] ^= (byte) 0xFF; // inside the compressed data
        assertFails(badData, "damaged or unreadable PNG");
    }

    private static int indexOf(byte[] d, String s) {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        outer:
        for (int i = 0; i + b.length <= d.length; i++) {
            for (int j = 0; j < b.length; j++) {
                if (d[i + j] != b[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("no " + s);
    }
}
