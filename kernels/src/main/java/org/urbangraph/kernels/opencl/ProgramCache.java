package org.urbangraph.kernels.opencl;

import static org.jocl.CL.CL_PROGRAM_BUILD_LOG;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_program;

/**
 * Programs built once per context and kept: one per kernel source (a resource {@code opencl/NAME.cl}, preceded by
 * the generated constants and {@code common.cl}) and per set of build options (tile sizes and types are compile-time
 * constants of some kernels). Kernel objects are cached too; callers hold the runtime's lock while they set
 * arguments and enqueue, because a {@code cl_kernel} keeps its arguments.
 */
final class ProgramCache {

    private static final String RESOURCE_DIR = "/org/urbangraph/kernels/opencl/";

    private final cl_context context;
    private final cl_device_id device;
    private final String deviceDescription;
    private final Map<String, cl_program> programs = new HashMap<>();
    private final Map<String, cl_kernel> kernels = new HashMap<>();
    private String common;
    private int builds;

    ProgramCache(cl_context context, cl_device_id device, String deviceDescription) {
        this.context = context;
        this.device = device;
        this.deviceDescription = deviceDescription;
    }

    /** A kernel of program {@code name} built with {@code options} (built on first use). */
    synchronized cl_kernel kernel(String name, String options, String kernelName) {
        String key = name + "|" + options + "|" + kernelName;
        cl_kernel k = kernels.get(key);
        if (k == null) {
            cl_program p = program(name, options);
            try {
                k = CL.clCreateKernel(p, kernelName, null);
            } catch (CLException e) {
                throw new IllegalStateException("OpenCL program " + name + ".cl has no kernel '" + kernelName + "' ("
                        + e.getMessage() + ")", e);
            }
            kernels.put(key, k);
        }
        return k;
    }

    synchronized cl_program program(String name, String options) {
        String key = name + "|" + options;
        cl_program p = programs.get(key);
        if (p == null) {
            p = build(name + ".cl", source(name), options);
            programs.put(key, p);
        }
        return p;
    }

    /** How many programs this cache has compiled (a test checks that a second use does not compile again). */
    synchronized int buildCount() {
        return builds;
    }

    /**
     * Compiles {@code body} (after the shared preamble) for this device; a compile error becomes an
     * {@link IllegalStateException} that names the program and the options and carries the compiler's log.
     */
    synchronized cl_program build(String what, String body, String options) {
        String src = preamble() + body;
        cl_program p = CL.clCreateProgramWithSource(context, 1, new String[] {src}, null, null);
        String opts = "-cl-std=CL1.2 " + (options == null ? "" : options);
        try {
            CL.clBuildProgram(p, 1, new cl_device_id[] {device}, opts, null, null);
        } catch (CLException e) {
            String log = buildLog(p);
            CL.clReleaseProgram(p);
            throw new IllegalStateException("OpenCL program " + what + " failed to build on " + deviceDescription
                    + " with options '" + opts.trim() + "' (" + e.getMessage().lines().findFirst().orElse("") + "); build log:\n"
                    + log, e);
        }
        if (builds++ == 0) {
            SignalChaining.warnIfReplaced(); // a platform may install its signal handlers at the first compile
        }
        return p;
    }

    private String buildLog(cl_program p) {
        try {
            long[] size = new long[1];
            CL.clGetProgramBuildInfo(p, device, CL_PROGRAM_BUILD_LOG, 0, null, size);
            byte[] buf = new byte[(int) size[0]];
            CL.clGetProgramBuildInfo(p, device, CL_PROGRAM_BUILD_LOG, buf.length, Pointer.to(buf), null);
            return DeviceSelection.cString(buf);
        } catch (CLException e) {
            return "(no build log: " + e.getMessage() + ")";
        }
    }

    private String preamble() {
        if (common == null) {
            common = ClTypes.defines() + source("common");
        }
        return common;
    }

    static String source(String name) {
        String path = RESOURCE_DIR + name + ".cl";
        try (InputStream in = ProgramCache.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("OpenCL kernel source " + path + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read OpenCL kernel source " + path, e);
        }
    }
}
