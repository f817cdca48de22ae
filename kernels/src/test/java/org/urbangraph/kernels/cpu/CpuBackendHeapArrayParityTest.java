package org.urbangraph.kernels.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import org.urbangraph.kernels.Backend;
import org.urbangraph.kernels.BackendParityTest;
import org.urbangraph.kernels.HostBuffer;

/**
 * The parity suite again, with every uploaded buffer backed by a {@code float[]} (or a {@code short[]} when its size
 * is not a whole number of floats), as {@link CpuBackend#allocate} makes them. Several kernels take a faster path on
 * such arrays (GEMM packing and C updates, row copies); {@link CpuBackendParityTest} uploads into {@code long[]}
 * storage and so covers the general segment paths.
 */
class CpuBackendHeapArrayParityTest extends BackendParityTest {

    private static final Backend BACKEND = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(),
            new Class<?>[] {Backend.class}, (proxy, method, args) -> {
                if (method.getName().equals("upload")) {
                    MemorySegment host = (MemorySegment) args[0];
                    long bytes = host.byteSize();
                    MemorySegment copy = bytes % 4 == 0
                            ? MemorySegment.ofArray(new float[Math.toIntExact(bytes / 4)])
                            : MemorySegment.ofArray(new short[Math.toIntExact((bytes + 1) / 2)]).asSlice(0, bytes);
                    copy.copyFrom(host);
                    return new HostBuffer(copy);
                }
                try {
                    return method.invoke(CpuBackend.defaultInstance(), args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            });

    @Override
    protected Backend backend() {
        return BACKEND;
    }
}
