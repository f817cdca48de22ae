package org.urbangraph.kernels.cpu;

import org.urbangraph.kernels.Backend;
import org.urbangraph.kernels.ref.ReferenceBackend;

/**
 * The default host backend: Vector API kernels, multi-threaded over a pool whose size is the setting
 * {@code ug.threads} (default: all cores). Kernels without a fast path yet fall back to the plain reference.
 */
public final class CpuBackend extends DelegatingBackend {

    private static volatile CpuBackend instance;

    private CpuBackend(Backend fallback) {
        super(fallback);
    }

    public static CpuBackend defaultInstance() {
        if (instance == null) {
            synchronized (CpuBackend.class) {
                if (instance == null) {
                    instance = new CpuBackend(ReferenceBackend.INSTANCE);
                }
            }
        }
        return instance;
    }

    @Override
    public String name() {
        return "cpu";
    }
}
