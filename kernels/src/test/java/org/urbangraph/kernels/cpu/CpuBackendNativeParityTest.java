package org.urbangraph.kernels.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import org.urbangraph.kernels.Backend;
import org.urbangraph.kernels.BackendParityTest;
import org.urbangraph.kernels.HostBuffer;

/**
 * The parity suite with every uploaded buffer in native memory, as weights memory-mapped from a safetensors file
 * are: the kernels' native-segment paths (vector loads from segments, BF16 widening) against the reference.
 */
class CpuBackendNativeParityTest extends BackendParityTest {

    private static final Backend BACKEND = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(),
            new Class<?>[] {Backend.class}, (proxy, method, args) -> {
                if (method.getName().equals("upload")) {
                    MemorySegment host = (MemorySegment) args[0];
                    MemorySegment copy = Arena.ofAuto().allocate(Math.max(1, host.byteSize()), 64)
                            .asSlice(0, host.byteSize());
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
