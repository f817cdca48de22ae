package org.urbangraph.bench;

import org.urbangraph.kernels.opencl.OpenClBackend;

/**
 * Lists the OpenCL devices JOCL sees and the one {@code ug.opencl.device} selects; exits with status 2 when there is
 * no OpenCL platform (the GPU check script stops there with the reason).
 */
public final class OpenClDevices {
    private OpenClDevices() {}

    public static void main(String[] args) {
        String reason = OpenClBackend.unavailableReason();
        if (reason != null) {
            System.err.println(reason);
            System.exit(2);
        }
        OpenClBackend.devices().forEach(d -> System.out.println("device " + d));
        System.out.println("selected " + OpenClBackend.create().device());
    }
}
