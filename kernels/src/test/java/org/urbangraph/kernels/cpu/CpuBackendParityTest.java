package org.urbangraph.kernels.cpu;

import org.urbangraph.kernels.Backend;
import org.urbangraph.kernels.BackendParityTest;

/** The Vector API backend against the plain reference, with the default thread pool. */
class CpuBackendParityTest extends BackendParityTest {

    @Override
    protected Backend backend() {
        return CpuBackend.defaultInstance();
    }
}
