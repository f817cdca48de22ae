package org.urbangraph.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.HostAccess;
import org.urbangraph.kernels.HostBuffer;
import org.urbangraph.kernels.ReduceOp;
import org.urbangraph.kernels.View;
import org.urbangraph.kernels.ref.ReferenceBackend;

/**
 * Integer reductions of the CPU backend equal the reference's exactly for every integer dtype, over either dimension
 * of a matrix stored row-major, transposed or with a step (so both the per-output and the column path), on every kind
 * of storage a host buffer may have: the dtype's own array (read directly), another array, an array sliced off its
 * element alignment, and native memory.
 */
class CpuIntegerReduceTest {

    private static final DType[] TYPES = {DType.I64, DType.U64, DType.I32, DType.U32, DType.I16, DType.U16, DType.I8,
        DType.U8, DType.BOOL};
    private static final ReduceOp[] OPS = {ReduceOp.SUM, ReduceOp.SUM_SQUARES, ReduceOp.MAX, ReduceOp.MIN,
        ReduceOp.ARGMAX, ReduceOp.ARGMIN};
    private static final String[] STORAGES = {"long[]", "int[]", "byte[]", "long[] + 4 bytes", "native"};

    /** A random value of the dtype's range; 64-bit values reach past 2^53, where a double stops being exact. */
    private static long value(Random rnd, DType t) {
        return switch (t) {
            case I64 -> rnd.nextLong() >> rnd.nextInt(64);
            case U64 -> (rnd.nextLong() >>> 1) >> rnd.nextInt(63);
            case I32 -> rnd.nextInt();
            case U32 -> rnd.nextLong(1L << 32);
            case I16 -> (short) rnd.nextInt();
            case U16 -> rnd.nextInt(1 << 16);
            case I8 -> (byte) rnd.nextInt();
            case U8 -> rnd.nextInt(256);
            case BOOL -> rnd.nextInt(2);
            default -> throw new IllegalArgumentException(t.toString());
        };
    }

    private static MemorySegment storage(String kind, MemorySegment bytes) {
        long n = bytes.byteSize();
        MemorySegment s = switch (kind) {
            case "long[]" -> MemorySegment.ofArray(new long[(int) (n / 8 + 1)]);
            case "int[]" -> MemorySegment.ofArray(new int[(int) (n / 4 + 1)]);
            case "byte[]" -> MemorySegment.ofArray(new byte[(int) n]);
            case "long[] + 4 bytes" -> MemorySegment.ofArray(new long[(int) (n / 8 + 2)]).asSlice(4);
            case "native" -> Arena.ofAuto().allocate(n, 8);
            default -> throw new IllegalArgumentException(kind);
        };
        s = s.asSlice(0, n);
        s.copyFrom(bytes);
        return s;
    }

    @Test
    void everyIntegerTypeLayoutAndStorageReducesAsTheReference() {
        Random rnd = new Random(5);
        CpuBackend cpu = CpuBackend.defaultInstance();
        int[][] shapes = {{7, 33}, {33, 7}, {1, 5}, {5, 1}, {3, 300}};
        for (DType t : TYPES) {
            for (int[] shape : shapes) {
                int rows = shape[0];
                int cols = shape[1];
                // storage for the widest layout (a step of 2 along the rows) plus an offset of 3
                int elements = 3 + rows * cols * 2;
                MemorySegment bytes = MemorySegment.ofArray(new byte[elements * t.size()]);
                for (int i = 0; i < elements; i++) {
                    HostAccess.setLong(bytes, t, i, value(rnd, t));
                }
                long[][] strides = {{cols, 1}, {1, rows}, {2L * cols, 2}};
                for (String kind : STORAGES) {
                    HostBuffer ref = new HostBuffer(storage("byte[]", bytes));
                    HostBuffer dev = new HostBuffer(storage(kind, bytes));
                    for (long[] st : strides) {
                        View xr = new View(ref, t, 3, shape.clone(), st.clone());
                        View xd = new View(dev, t, 3, shape.clone(), st.clone());
                        for (int dim = 0; dim < 2; dim++) {
                            int[] os = shape.clone();
                            os[dim] = 1;
                            for (ReduceOp op : OPS) {
                                HostBuffer outR = HostBuffer.allocate(DType.I64, os[0] * os[1]);
                                HostBuffer outD = HostBuffer.allocate(DType.I64, os[0] * os[1]);
                                long[] contiguous = {os[1], 1};
                                ReferenceBackend.INSTANCE.reduce(op, xr, dim,
                                        new View(outR, DType.I64, 0, os.clone(), contiguous.clone()));
                                cpu.reduce(op, xd, dim, new View(outD, DType.I64, 0, os.clone(), contiguous.clone()));
                                assertArrayEquals(outR.segment().toArray(java.lang.foreign.ValueLayout.JAVA_LONG),
                                        outD.segment().toArray(java.lang.foreign.ValueLayout.JAVA_LONG),
                                        op + " of " + t + " " + shape[0] + "x" + shape[1] + " strides "
                                                + st[0] + "," + st[1] + " over dim " + dim + " on " + kind);
                            }
                        }
                    }
                }
            }
        }
    }
}
