package org.urbangraph.vlm.image;

import static org.urbangraph.vlm.image.EdgeFixtures.assertDecodesAsPillow;
import static org.urbangraph.vlm.image.EdgeFixtures.assertRefused;
import static org.urbangraph.vlm.image.EdgeFixtures.assertSamePixels;
import static org.urbangraph.vlm.image.EdgeFixtures.file;
import static org.urbangraph.vlm.image.EdgeFixtures.pillow;
import static org.urbangraph.vlm.image.EdgeFixtures.pillowError;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * JPEG files without their EOI marker ({@code fixtures/images/edge}), against Pillow 9.4: a sequential file whose one
 * scan is complete is read, files with several scans and files cut inside the scan are refused.
 */
class JpegMissingEoiTest {

    /**
     * Pillow reads a baseline file without EOI when some bytes follow the scan; the zero-filled one had its last scan
     * bytes replaced by zeros, which libjpeg decodes as data, and so do we.
     */
    @ParameterizedTest
    @ValueSource(strings = {"baseline_no_eoi_padded.jpg", "baseline_cut_zero_filled.jpg"})
    void sequentialWithoutEoiReadsAsInPillow(String name) {
        assertDecodesAsPillow(name);
    }

    /**
     * With nothing after the scan Pillow refuses the file (its input buffering wants a few more bytes); every block is
     * there, so we read it, and the pixels are those of the intact file.
     */
    @Test
    void sequentialWithoutEoiOrPaddingIsTheIntactImage() {
        pillowError("baseline_no_eoi.jpg");
        assertSamePixels("baseline_no_eoi.jpg", pillow("baseline.jpg"), Images.read(file("baseline_no_eoi.jpg")));
    }

    @Test
    void cutInsideTheScanIsRefused() {
        assertRefused("baseline_cut_mid_scan.jpg", "truncated JPEG: the file ends inside the compressed data");
    }

    /** libjpeg outputs a multi-scan image only after EOI: Pillow refuses these without it, and so do we. */
    @Test
    void multiScanFilesNeedTheirEoi() {
        assertRefused("progressive_no_eoi_padded.jpg",
                "truncated JPEG: the file ends before the EOI marker (a progressive file needs all its scans)");
        assertRefused("separate_scans_no_eoi_padded.jpg", "truncated JPEG: the file ends before the EOI marker");
    }
}
