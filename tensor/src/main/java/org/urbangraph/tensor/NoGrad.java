package org.urbangraph.tensor;

/**
 * A scope in which operations are not recorded: {@code try (var g = NoGrad.enter()) { ... }}. Scopes nest and are
 * per thread. Inference, optimizer steps and backward functions themselves run inside one.
 */
public final class NoGrad implements AutoCloseable {
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private boolean closed;

    private NoGrad() {}

    public static NoGrad enter() {
        DEPTH.get()[0]++;
        return new NoGrad();
    }

    /** Whether operations on this thread are recorded for backward now. */
    public static boolean enabled() {
        return DEPTH.get()[0] == 0;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            DEPTH.get()[0]--;
        }
    }
}
