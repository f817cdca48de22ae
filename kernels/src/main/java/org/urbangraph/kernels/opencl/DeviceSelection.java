package org.urbangraph.kernels.opencl;

import static org.jocl.CL.CL_DEVICE_NAME;
import static org.jocl.CL.CL_DEVICE_TYPE;
import static org.jocl.CL.CL_DEVICE_TYPE_ACCELERATOR;
import static org.jocl.CL.CL_DEVICE_TYPE_ALL;
import static org.jocl.CL.CL_DEVICE_TYPE_CPU;
import static org.jocl.CL.CL_DEVICE_TYPE_GPU;
import static org.jocl.CL.CL_PLATFORM_NAME;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * Finds the OpenCL devices of this machine and picks one. The setting {@code ug.opencl.device} chooses:
 * <ul>
 *   <li>{@code P:D} — device D of platform P (indices as {@code clinfo -l} lists them);</li>
 *   <li>{@code gpu}, {@code cpu} or {@code accelerator} — the first device of that type;</li>
 *   <li>any other text — the first device whose platform or device name contains it (case-insensitive).</li>
 * </ul>
 * Without the setting the first GPU wins, else the first device. Errors list what this machine has.
 */
final class DeviceSelection {
    private DeviceSelection() {}

    static final String PROPERTY = "ug.opencl.device";

    /** One device as found: its indices, handles and names. */
    record Candidate(int platformIndex, int deviceIndex, cl_platform_id platform, cl_device_id device,
                     String platformName, String deviceName, long type) {

        String label() {
            return "opencl:" + platformIndex + ":" + deviceIndex;
        }

        String typeName() {
            if ((type & CL_DEVICE_TYPE_GPU) != 0) {
                return "GPU";
            }
            if ((type & CL_DEVICE_TYPE_CPU) != 0) {
                return "CPU";
            }
            return (type & CL_DEVICE_TYPE_ACCELERATOR) != 0 ? "accelerator" : "other";
        }

        @Override
        public String toString() {
            return platformIndex + ":" + deviceIndex + " " + deviceName + " (" + typeName() + ", " + platformName + ")";
        }
    }

    /**
     * Every device of every platform. Throws {@link IllegalStateException} with advice when the OpenCL library
     * cannot be loaded or no platform exists.
     */
    static List<Candidate> listDevices() {
        int[] count = new int[1];
        try {
            CL.setExceptionsEnabled(true);
            CL.clGetPlatformIDs(0, null, count);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new IllegalStateException("no OpenCL platform found: JOCL could not load the OpenCL library "
                    + "libOpenCL.so (" + e.getMessage() + "); install an OpenCL driver and the ICD loader under that "
                    + "name, e.g. 'apt-get install pocl-opencl-icd ocl-icd-libopencl1 ocl-icd-opencl-dev' on Debian "
                    + "(ocl-icd-libopencl1 alone ships only libOpenCL.so.1)", e);
        } catch (CLException e) {
            throw new IllegalStateException("no OpenCL platform found (" + e.getMessage() + "); install an OpenCL "
                    + "driver, e.g. 'apt-get install pocl-opencl-icd' on Debian, or the GPU vendor's driver", e);
        }
        if (count[0] == 0) {
            throw new IllegalStateException("no OpenCL platform found; install an OpenCL driver, e.g. "
                    + "'apt-get install pocl-opencl-icd' on Debian, or the GPU vendor's driver");
        }
        cl_platform_id[] platforms = new cl_platform_id[count[0]];
        CL.clGetPlatformIDs(platforms.length, platforms, null);
        List<Candidate> out = new ArrayList<>();
        for (int p = 0; p < platforms.length; p++) {
            int[] nd = new int[1];
            try {
                CL.clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, 0, null, nd);
            } catch (CLException e) {
                continue; // a platform without devices (CL_DEVICE_NOT_FOUND)
            }
            cl_device_id[] devices = new cl_device_id[nd[0]];
            CL.clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, devices.length, devices, null);
            String pname = platformString(platforms[p], CL_PLATFORM_NAME);
            for (int d = 0; d < devices.length; d++) {
                long[] type = new long[1];
                CL.clGetDeviceInfo(devices[d], CL_DEVICE_TYPE, Sizeof.cl_long, Pointer.to(type), null);
                out.add(new Candidate(p, d, platforms[p], devices[d], pname, deviceString(devices[d], CL_DEVICE_NAME),
                        type[0]));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("no OpenCL device found on " + platforms.length + " platform(s)");
        }
        return out;
    }

    /** The device that {@code spec} (the setting's value, or null for the default rule) names. */
    static Candidate choose(List<Candidate> all, String spec) {
        if (spec == null || spec.isBlank()) {
            return all.stream().filter(c -> (c.type() & CL_DEVICE_TYPE_GPU) != 0).findFirst().orElse(all.get(0));
        }
        String s = spec.trim().toLowerCase(Locale.ROOT);
        if (s.matches("\\d+:\\d+")) {
            int p = Integer.parseInt(s.substring(0, s.indexOf(':')));
            int d = Integer.parseInt(s.substring(s.indexOf(':') + 1));
            return all.stream().filter(c -> c.platformIndex() == p && c.deviceIndex() == d).findFirst()
                    .orElseThrow(() -> notFound(all, spec));
        }
        long type = switch (s) {
            case "gpu" -> CL_DEVICE_TYPE_GPU;
            case "cpu" -> CL_DEVICE_TYPE_CPU;
            case "accelerator" -> CL_DEVICE_TYPE_ACCELERATOR;
            default -> 0;
        };
        return all.stream().filter(c -> type != 0 ? (c.type() & type) != 0
                        : c.deviceName().toLowerCase(Locale.ROOT).contains(s)
                                || c.platformName().toLowerCase(Locale.ROOT).contains(s))
                .findFirst().orElseThrow(() -> notFound(all, spec));
    }

    private static IllegalArgumentException notFound(List<Candidate> all, String spec) {
        StringBuilder sb = new StringBuilder("no OpenCL device matches -D" + PROPERTY + "=" + spec
                + " (use P:D, gpu, cpu, accelerator or part of a name); this machine has:");
        for (Candidate c : all) {
            sb.append("\n  ").append(c);
        }
        return new IllegalArgumentException(sb.toString());
    }

    static String deviceString(cl_device_id device, int param) {
        long[] size = new long[1];
        CL.clGetDeviceInfo(device, param, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        CL.clGetDeviceInfo(device, param, buf.length, Pointer.to(buf), null);
        return cString(buf);
    }

    static String platformString(cl_platform_id platform, int param) {
        long[] size = new long[1];
        CL.clGetPlatformInfo(platform, param, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        CL.clGetPlatformInfo(platform, param, buf.length, Pointer.to(buf), null);
        return cString(buf);
    }

    static String cString(byte[] buf) {
        int n = 0;
        while (n < buf.length && buf[n] != 0) {
            n++;
        }
        return new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8).trim();
    }
}
