package org.urbangraph.ugdata.photo;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.testkit.Fixtures;

class PhotoDecoderTest {
    @TempDir
    Path tmp;

    @Test
    void completeJpegAndPngPhotosDecode() throws IOException {
        for (int i = 1; i <= 29; i++) {
            Path p = Fixtures.path("data", "images", "lund", String.format("%02d.jpg", i));
            assertNull(PhotoDecoder.problem(p), p.toString());
        }
        assertNull(PhotoDecoder.problem(image("ok.png", "png")));
    }

    @Test
    void aTruncatedJpegIsUnreadableEvenWithItsExifHeaderIntact() throws IOException {
        byte[] jpeg = Files.readAllBytes(Fixtures.path("data", "images", "lund", "02.jpg"));
        for (int keep : new int[] {jpeg.length - 2, jpeg.length * 2 / 3, 20_000, 200}) {
            Path cut = tmp.resolve("cut-" + keep + ".jpg");
            Files.write(cut, Arrays.copyOf(jpeg, keep));
            String problem = PhotoDecoder.problem(cut);
            assertNotNull(problem, "kept " + keep + " of " + jpeg.length + " bytes");
        }
        Path cut = tmp.resolve("cut.jpg");
        Files.write(cut, Arrays.copyOf(jpeg, jpeg.length * 2 / 3));
        assertTrue(PhotoDecoder.problem(cut).toLowerCase().contains("truncated"), PhotoDecoder.problem(cut));
    }

    @Test
    void anImageOfMorePixelsThanTheDecodersAcceptIsRefusedBeforeDecoding() throws IOException {
        // a PNG header of 20,000 x 10,000 pixels (200 million, over the 179 million limit) and no pixel data: the
        // size is refused from the header, without allocating the image
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
        java.nio.ByteBuffer ihdr = java.nio.ByteBuffer.allocate(17).put("IHDR".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                .putInt(20_000).putInt(10_000).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(ihdr.array());
        png.write(java.nio.ByteBuffer.allocate(4).putInt(13).array());
        png.write(ihdr.array());
        png.write(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        Path f = tmp.resolve("huge.png");
        Files.write(f, png.toByteArray());
        String why = PhotoDecoder.problem(f);
        assertNotNull(why);
        assertTrue(why.contains("200000000 pixels"), why);
    }

    @Test
    void otherFilesAreUnreadable() throws IOException {
        Path text = tmp.resolve("notes.jpg");
        Files.writeString(text, "a text file, not a photo\n");
        assertTrue(PhotoDecoder.problem(text).contains("not an image"), PhotoDecoder.problem(text));
        Path empty = Files.createFile(tmp.resolve("empty.png"));
        assertNotNull(PhotoDecoder.problem(empty));
        Path gif = image("map.gif", "gif");
        assertTrue(PhotoDecoder.problem(gif).contains("GIF"), PhotoDecoder.problem(gif));
        byte[] png = Files.readAllBytes(image("whole.png", "png"));
        Path half = tmp.resolve("half.png");
        Files.write(half, Arrays.copyOf(png, png.length / 2));
        assertNotNull(PhotoDecoder.problem(half));
        assertNotNull(PhotoDecoder.problem(tmp.resolve("missing.jpg")));
    }

    @Test
    void onlyWarningsOfCutOrCorruptDataCount() {
        assertTrue(PhotoDecoder.damaged("Truncated File - Missing EOI marker"));
        assertTrue(PhotoDecoder.damaged("Corrupt JPEG data: premature end of data segment"));
        assertTrue(PhotoDecoder.damaged("Corrupt JPEG data: bad Huffman code"));
        assertFalse(PhotoDecoder.damaged("Corrupt JPEG data: 3 extraneous bytes before marker 0xd9"));
        assertFalse(PhotoDecoder.damaged("Embedded color profile is invalid; ignored"));
    }

    /** A noisy 120 x 80 image, so that its compressed data is long enough to cut in half. */
    private Path image(String name, String format) throws IOException {
        BufferedImage img = new BufferedImage(120, 80, BufferedImage.TYPE_INT_RGB);
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                img.setRGB(x, y, rnd.nextInt(1 << 24));
            }
        }
        Path p = tmp.resolve(name);
        assertTrue(ImageIO.write(img, format, p.toFile()));
        return p;
    }
}
