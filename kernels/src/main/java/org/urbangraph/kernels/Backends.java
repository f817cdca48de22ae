package org.urbangraph.kernels;

import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.urbangraph.kernels.cpu.CpuBackend;
import org.urbangraph.kernels.ref.ReferenceBackend;

/**
 * Picks the compute backend. The choice is one setting: the system property {@code ug.backend} (or the CLI flag
 * {@code --backend}, which sets it): {@code cpu} (default), {@code reference}, or {@code opencl}.
 * Backends are created once, on first use.
 */
public final class Backends {
    private Backends() {}

    public static final String PROPERTY = "ug.backend";

    private static final ConcurrentHashMap<String, Backend> CACHE = new ConcurrentHashMap<>();
    private static volatile Backend current;

    /** The backend new tensors are created on. */
    public static Backend current() {
        Backend b = current;
        if (b == null) {
            synchronized (Backends.class) {
                if (current == null) {
                    current = byName(System.getProperty(PROPERTY, "cpu"));
                }
                b = current;
            }
        }
        return b;
    }

    /** Makes {@code backend} the default for new tensors (tests switch between backends with this). */
    public static void setCurrent(Backend backend) {
        current = backend;
    }

    public static Backend byName(String name) {
        String key = name.trim().toLowerCase(Locale.ROOT);
        Supplier<Backend> make = switch (key) {
            case "cpu" -> CpuBackend::defaultInstance;
            case "reference", "ref" -> () -> ReferenceBackend.INSTANCE;
            case "opencl", "cl" -> Backends::openCl;
            default -> throw new IllegalArgumentException("unknown backend '" + name
                    + "' (set -D" + PROPERTY + " or --backend to cpu, reference or opencl)");
        };
        return CACHE.computeIfAbsent(key.equals("ref") ? "reference" : key.equals("cl") ? "opencl" : key,
                k -> make.get());
    }

    /** The backend that computes on this buffer: the current one when it can, else the first that owns it. */
    public static Backend forBuffer(Buffer buffer) {
        Backend cur = current();
        if (cur.owns(buffer)) {
            return cur;
        }
        for (Backend b : CACHE.values()) {
            if (b.owns(buffer)) {
                return b;
            }
        }
        if (buffer instanceof HostBuffer) {
            return byName("cpu");
        }
        throw new IllegalStateException("no backend owns a buffer on " + buffer.deviceName());
    }

    private static Backend openCl() {
        try {
            Class<?> c = Class.forName("org.urbangraph.kernels.opencl.OpenClBackend");
            return (Backend) c.getMethod("create").invoke(null);
        } catch (ClassNotFoundException e) {
            throw new BackendUnavailableException("the OpenCL backend is not part of this build", e);
        } catch (ReflectiveOperationException e) {
            // no OpenCL driver, a device setting that names no device, a setting out of range: the machine's or the
            // user's to change, not a defect
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new BackendUnavailableException("cannot start the OpenCL backend: " + cause.getMessage(), cause);
        }
    }
}
