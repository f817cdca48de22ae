package org.urbangraph.kernels;

/**
 * A backend that cannot start on this machine or with these settings (no OpenCL driver, a device setting that names
 * no device, a setting out of range). The message says what to install or change; it is not a program defect.
 */
public final class BackendUnavailableException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
