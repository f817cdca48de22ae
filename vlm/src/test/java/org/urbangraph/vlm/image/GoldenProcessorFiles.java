package org.urbangraph.vlm.image;

import java.lang.foreign.ValueLayout;
import org.urbangraph.tensor.io.SafetensorsFile;
import org.urbangraph.testkit.Fixtures;

/** The processor goldens ({@code fixtures/golden/<model>/processor.safetensors}) and the two test PNGs. */
final class GoldenProcessorFiles {
    private GoldenProcessorFiles() {}

    static SafetensorsFile processor(String model) {
        return SafetensorsFile.open(Fixtures.golden(model, "processor.safetensors"));
    }

    static byte[] u8(SafetensorsFile f, String name) {
        return f.bytes(name).toArray(ValueLayout.JAVA_BYTE);
    }

    static int[] shape(SafetensorsFile f, String name) {
        return f.info(name).shape();
    }

    static long[] i64(SafetensorsFile f, String name) {
        return f.tensor(name).toLongArray();
    }

    static float[] f32(SafetensorsFile f, String name) {
        return f.tensor(name).toFloatArray();
    }

    static RgbImage imageA(String model) {
        return Images.read(Fixtures.golden(model, "image_a_gradient_100x80.png"));
    }

    static RgbImage imageB(String model) {
        return Images.read(Fixtures.golden(model, "image_b_checker_300x200.png"));
    }

    /** Index of the first differing byte, or -1. */
    static int firstDiff(byte[] a, byte[] b) {
        int n = Math.min(a.length, b.length);
        for (int i = 0; i < n; i++) {
            if (a[i] != b[i]) {
                return i;
            }
        }
        return a.length == b.length ? -1 : n;
    }
}
