package org.urbangraph.kernels.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The OpenCL backend's settings are read strictly (no device is needed for these). */
class ClRuntimeSettingsTest {

    @Test
    void theMemoryFractionMustBeANumberAboveZeroAndAtMostOne() {
        assertEquals(0.5, ClRuntime.memoryFraction("0.5"));
        assertEquals(1.0, ClRuntime.memoryFraction(" 1 "));
        for (String bad : new String[] {"0", "2", "-0.3", "text", "NaN", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ClRuntime.memoryFraction(bad), bad);
            assertTrue(e.getMessage().contains("-Dug.opencl.memoryFraction=" + bad) && e.getMessage().contains("(0, 1]"),
                    e.getMessage());
        }
    }
}
