package org.urbangraph.vlm.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.urbangraph.vlm.image.EdgeFixtures.assertDecodesAsPillow;
import static org.urbangraph.vlm.image.EdgeFixtures.assertRefused;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** PNG corner cases ({@code fixtures/images/edge}) against Pillow 9.4's {@code convert("RGB")}, every byte. */
class PngEdgeCasesTest {

    /**
     * With a {@code tRNS} chunk the JDK reader widens 1-, 2- and 4-bit gray to 8-bit gray + alpha: the levels must
     * not be scaled a second time (2-bit 1 is 85, not 85 * 85 mod 256).
     */
    @ParameterizedTest
    @ValueSource(strings = {"gray1_trns.png", "gray2_trns.png", "gray4_trns.png"})
    void lowBitGrayWithTransparency(String name) {
        assertDecodesAsPillow(name);
    }

    /**
     * Pillow stops after the image data and never asks for IEND: a file without it reads (one IDAT or several, a
     * palette image too, and one cut inside the CRC that follows complete image data).
     */
    @ParameterizedTest
    @ValueSource(strings = {"no_iend.png", "no_iend_two_idat.png", "palette_no_iend.png", "cut_in_idat_crc.png"})
    void missingIend(String name) {
        assertDecodesAsPillow(name);
    }

    /** A file cut short inside its image data is refused, as Pillow refuses it ("image file is truncated"). */
    @Test
    void cutInsideTheImageData() {
        assertRefused("cut_in_idat.png", "truncated PNG: the file ends inside its IDAT chunk");
    }

    /**
     * Indices past the PLTE entries: Pillow's palette starts as a grey ramp, so index i is (i, i, i); the JDK pads
     * the palette with black. 1-, 2- (with tRNS), 4- and 8-bit palettes.
     */
    @ParameterizedTest
    @ValueSource(strings = {"palette1_short.png", "palette2_short.png", "palette4_short.png", "palette8_short.png"})
    void indicesPastThePalette(String name) {
        assertDecodesAsPillow(name);
    }

    /**
     * Pillow's decompression-bomb limit applies from the header's size, before the image data is read (the fixture
     * has none): 13400 x 13400 is over it; exactly 178,956,970 pixels is not, and that file fails on its missing
     * image data, as in Pillow.
     */
    @Test
    void decompressionBombLimit() {
        assertTrue(EdgeFixtures.pillowError("bomb_13400x13400.png").startsWith("DecompressionBombError"));
        assertRefused("bomb_13400x13400.png", "image of 13400x13400 pixels (179560000) is over Pillow's "
                + "decompression-bomb limit of 178956970 pixels");
        ImageFormatException e = assertRefused("at_limit_178956970x1.png", "PNG");
        assertFalse(e.getMessage().contains("decompression-bomb"), e.getMessage());
    }

    /** A real bomb, 22 KB of PNG that is 13400 x 13400 black pixels (538 MB as RGB), is refused before decoding. */
    @Test
    void aRealBombIsRefusedBeforeDecoding(@TempDir Path dir) throws Exception {
        int side = 13400;
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(idat, new Deflater(9))) {
            byte[] row = new byte[1 + (side + 7) / 8]; // filter byte 0, then 1-bit zeros
            for (int y = 0; y < side; y++) {
                z.write(row);
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        chunk(png, "IHDR", ByteBuffer.allocate(13).putInt(side).putInt(side).put((byte) 1).put((byte) 0)
                .put((byte) 0).put((byte) 0).put((byte) 0).array());
        chunk(png, "IDAT", idat.toByteArray());
        chunk(png, "IEND", new byte[0]);
        Path f = dir.resolve("bomb.png");
        Files.write(f, png.toByteArray());
        assertTrue(Files.size(f) < 64 * 1024, "a small file: " + Files.size(f));
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> Images.read(f));
        assertEquals(f + ": image of 13400x13400 pixels (179560000) is over Pillow's decompression-bomb limit of "
                + "178956970 pixels", e.getMessage());
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        byte[] t = type.getBytes(StandardCharsets.ISO_8859_1);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.write(ByteBuffer.allocate(4).putInt(data.length).array());
        out.write(t);
        out.write(data);
        out.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
