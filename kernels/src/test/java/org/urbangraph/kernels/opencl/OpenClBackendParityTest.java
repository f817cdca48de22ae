package org.urbangraph.kernels.opencl;

import org.urbangraph.kernels.Backend;
import org.urbangraph.kernels.BackendParityTest;

/**
 * The OpenCL backend against the plain reference, on the device that {@code ug.opencl.device} names (PoCL on a CPU
 * in CI). Skipped, saying so, only where no OpenCL platform exists.
 */
class OpenClBackendParityTest extends BackendParityTest {

    @Override
    protected Backend backend() {
        return ClTestSupport.backend();
    }
}
