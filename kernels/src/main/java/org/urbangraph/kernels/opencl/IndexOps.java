package org.urbangraph.kernels.opencl;

import java.lang.foreign.MemorySegment;
import org.urbangraph.kernels.HostAccess;
import org.urbangraph.kernels.View;

/**
 * Host side of {@code index.cl}: index_select, gather, and index_add / scatter_add / segment softmax, which sort
 * (target, source) keys on the device so that every target's contributions are added in source order by one work
 * item (deterministic, no float atomics). Bad ids raise {@link IndexOutOfBoundsException} with the reference's
 * wording, from the device's error flag (see {@link DeviceErrors}).
 */
final class IndexOps {

    private static final String PROGRAM = "index";

    private final ClRuntime rt;

    IndexOps(ClRuntime rt) {
        this.rt = rt;
    }

    private Launch launch(String kernel) {
        return Launch.of(rt, PROGRAM, "", kernel);
    }

    private static long inner(View v, int dim) {
        long n = 1;
        for (int i = dim + 1; i < v.rank(); i++) {
            n *= v.shape()[i];
        }
        return n;
    }

    /** Registers the error that a bad id at some position of {@code index} raises. */
    int indexError(String op, View index, int bound) {
        return rt.errors().register(pos -> new IndexOutOfBoundsException(op + ": index " + readId(index, pos)
                + " at position " + pos + " is outside [0, " + bound + ")"));
    }

    /** The id at a row-major position of an index view (read back only to word an error). */
    private long readId(View index, long position) {
        try {
            long off = org.urbangraph.kernels.Strides.offsetOf(index, position);
            int size = index.dtype().size();
            MemorySegment one = MemorySegment.ofArray(new byte[8]);
            rt.read(rt.bufferOf(index, "index"), off * size, one.asSlice(0, size));
            return HostAccess.getLong(one, index.dtype(), 0);
        } catch (RuntimeException e) {
            return Long.MIN_VALUE;
        }
    }

    void indexSelect(View x, int dim, View index, View out) {
        int n = x.shape()[dim];
        int m = out.shape()[dim];
        long total = out.numel();
        int code = indexError("index_select", index, n);
        launch("ix_index_select").arg(total).arg(m).arg(inner(out, dim)).arg(n).view(x).view(index).view(out)
                .errors(code).runElements(total);
        rt.errors().launched();
    }

    void gather(View x, int dim, View index, View out) {
        int n = x.shape()[dim];
        int m = out.shape()[dim];
        long total = out.numel();
        int code = indexError("gather", index, n);
        launch("ix_gather").arg(total).arg(m).arg(inner(out, dim)).arg(inner(x, dim)).arg(n).view(x).view(index)
                .view(out).errors(code).runElements(total);
        rt.errors().launched();
    }

    void indexAdd(View dst, int dim, View index, View src) {
        int n = dst.shape()[dim];
        int m = src.shape()[dim];
        long in = inner(src, dim);
        long outer = src.numel() / Math.max(1, (long) m * in);
        if (m == 0 || in == 0 || outer == 0) {
            return;
        }
        ClBuffer keys = sortedKeysOf1d(index, m, n, "index_add");
        long work = outer * in;
        launch("ix_index_add").arg((long) m).arg(n).arg(outer).arg(in).mem(keys).view(dst).view(src)
                .run(new long[] {m, Math.min(work, 1L << 16)}, null);
    }

    void scatterAdd(View dst, int dim, View index, View src) {
        long total = index.numel();
        if (total == 0) {
            return;
        }
        if (total >= 1L << 32 || dst.numel() >= 0xFFFFFFFFL) {
            throw new IllegalArgumentException("scatter_add on OpenCL handles fewer than 2^32 elements; got index "
                    + index + " and dst " + dst);
        }
        int n = dst.shape()[dim];
        int m = index.shape()[dim];
        long padded = Long.highestOneBit(Math.max(1, total - 1)) << 1;
        ClBuffer keys = rt.allocate(padded * 8, false);
        int code = indexError("scatter_add", index, n);
        launch("ix_keys_scatter").arg(total).arg(m).arg(inner(index, dim)).arg(inner(dst, dim)).arg(n).view(index)
                .mem(keys).arg(padded).errors(code).runElements(padded);
        sort(keys, padded);
        launch("ix_scatter_add").arg(total).arg(dst.numel()).mem(keys).view(dst).view(src).runElements(total);
        rt.errors().launched();
    }

    void segmentSoftmax(View x, View segment, int segments, float eps, View out) {
        int rows = x.shape()[0];
        int cols = x.rank() > 1 ? x.shape()[1] : 1;
        if (rows == 0 || cols == 0) {
            return;
        }
        ClBuffer keys = sortedKeysOf1d(segment, rows, segments, "segment_softmax");
        launch("ix_segment_softmax").arg((long) rows).arg(cols).arg(segments).mem(keys).view(flat(x)).view(flat(out))
                .arg(eps).run(new long[] {rows, cols}, null);
    }

    void segmentSoftmaxBackward(View y, View dy, View segment, int segments, View dx) {
        int rows = y.shape()[0];
        int cols = y.rank() > 1 ? y.shape()[1] : 1;
        if (rows == 0 || cols == 0) {
            return;
        }
        ClBuffer keys = sortedKeysOf1d(segment, rows, segments, "segment_softmax");
        launch("ix_segment_softmax_backward").arg((long) rows).arg(cols).arg(segments).mem(keys).view(flat(y))
                .view(flat(dy)).view(flat(dx)).run(new long[] {rows, cols}, null);
    }

    /** Views addressed by linear element index (row-major), merged where contiguous. */
    private static View flat(View v) {
        return ViewDesc.coalesce(v)[0];
    }

    /** Keys (index[p] << 32 | p) of a 1-D index, checked against [0, n) and sorted on the device. */
    ClBuffer sortedKeysOf1d(View index, long m, int n, String op) {
        long padded = Long.highestOneBit(Math.max(1, m - 1)) << 1;
        ClBuffer keys = rt.allocate(padded * 8, false);
        int code = indexError(op, index, n);
        launch("ix_keys_index").arg(m).arg(n).view(index).mem(keys).arg(padded).errors(code).runElements(padded);
        rt.errors().launched();
        sort(keys, padded);
        return keys;
    }

    /** Bitonic sort of a power-of-two number of keys: log2(n) (log2(n) + 1) / 2 queued passes, no host wait. */
    private void sort(ClBuffer keys, long n) {
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("cannot sort " + n + " keys on the device");
        }
        long local = Math.min(n, 256);
        for (long k = 2; k <= n; k <<= 1) {
            for (long j = k >> 1; j > 0; j >>= 1) {
                launch("ix_bitonic").mem(keys).arg((int) j).arg((int) k).run(new long[] {n}, new long[] {local});
            }
        }
    }
}
