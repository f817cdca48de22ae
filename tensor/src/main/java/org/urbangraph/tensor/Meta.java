package org.urbangraph.tensor;

import org.urbangraph.kernels.Buffer;

/**
 * Shape-only tensors for building a model whose weights come from a checkpoint: inside {@link #scope()} new tensors
 * get a placeholder buffer and factories skip their kernels, so constructing a 2B-parameter model costs nothing
 * before its weights are memory-mapped in. Touching a placeholder's data is an error that names the tensor.
 */
public final class Meta implements AutoCloseable {

    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    /** The placeholder buffer: it holds no memory and no backend owns it. */
    public static final Buffer BUFFER = new Buffer() {
        @Override
        public long byteSize() {
            return 0;
        }

        @Override
        public boolean isHost() {
            return false;
        }

        @Override
        public String deviceName() {
            return "meta (a weight that was never loaded)";
        }
    };

    private boolean closed;

    private Meta() {}

    public static Meta scope() {
        DEPTH.get()[0]++;
        return new Meta();
    }

    public static boolean active() {
        return DEPTH.get()[0] > 0;
    }

    public static boolean isMeta(Tensor t) {
        return t.buffer() == BUFFER;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            DEPTH.get()[0]--;
        }
    }
}
