package org.urbangraph.kernels.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.HostAccess;
import org.urbangraph.kernels.HostBuffer;
import org.urbangraph.kernels.View;

/**
 * Moves runs of elements between host segments of any float width and F32 scratch arrays: a contiguous F32 run is a
 * bulk copy, a contiguous BF16 run is widened eight lanes at a time, anything else goes element by element. Kernels
 * compute on the scratch arrays, so every dtype and stride shares one vectorised compute path.
 */
final class CpuMem {
    private CpuMem() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int LANES = F.length();
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> SH =
            VectorSpecies.of(short.class, jdk.incubator.vector.VectorShape.forBitSize(I.vectorBitSize() / 2));

    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * The float[] behind a heap segment, or null. Vector loads and stores on it go through fromArray / intoArray:
     * C2 does not intrinsify fromMemorySegment on every kind of heap segment, and a vector that is not intrinsified
     * is boxed on every access.
     */
    static float[] floats(MemorySegment s) {
        return s.heapBase().orElse(null) instanceof float[] a ? a : null;
    }

    /** The short[] behind a heap segment (BF16 and F16 storage), or null. */
    static short[] shorts(MemorySegment s) {
        return s.heapBase().orElse(null) instanceof short[] a ? a : null;
    }

    /** The long[] behind a heap segment (I64 and U64 storage), or null. */
    static long[] longs(MemorySegment s) {
        return s.heapBase().orElse(null) instanceof long[] a ? a : null;
    }

    /** The int[] behind a heap segment (I32 and U32 storage), or null. */
    static int[] ints(MemorySegment s) {
        return s.heapBase().orElse(null) instanceof int[] a ? a : null;
    }

    static MemorySegment seg(View v) {
        return ((HostBuffer) v.buffer()).segment();
    }

    static float get(MemorySegment s, DType t, long i) {
        return switch (t) {
            case F32 -> s.get(F32, i * 4);
            case BF16 -> Float.intBitsToFloat(s.get(I16, i * 2) << 16);
            case F16 -> Float.float16ToFloat(s.get(I16, i * 2));
            default -> (float) HostAccess.get(s, t, i);
        };
    }

    static void set(MemorySegment s, DType t, long i, float v) {
        switch (t) {
            case F32 -> s.set(F32, i * 4, v);
            case BF16 -> s.set(I16, i * 2, HostAccess.floatToBf16(v));
            case F16 -> s.set(I16, i * 2, Float.floatToFloat16(v));
            default -> HostAccess.set(s, t, i, v);
        }
    }

    /** Integer element i (indices, masks, segment ids). */
    static long getLong(MemorySegment s, DType t, long i) {
        return switch (t) {
            case I64 -> s.get(I64, i * 8);
            case I32 -> s.get(I32, i * 4);
            default -> HostAccess.getLong(s, t, i);
        };
    }

    /**
     * dst[off .. off+n) = integer elements base, base+stride, ... of s, exactly (as {@link HostAccess#getLong}), the
     * dtype chosen once per run: I64 and I32 runs read their heap array directly where there is one.
     */
    static void loadLong(MemorySegment s, DType t, long base, long stride, int n, long[] dst, int off) {
        switch (t) {
            case I64, U64 -> {
                long[] arr = s.address() % 8 == 0 ? longs(s) : null;
                if (arr != null && stride == 1) {
                    System.arraycopy(arr, Math.toIntExact(s.address() / 8 + base), dst, off, n);
                } else if (arr != null) {
                    long first = s.address() / 8 + base;
                    for (int i = 0; i < n; i++) {
                        dst[off + i] = arr[(int) (first + i * stride)];
                    }
                } else {
                    for (int i = 0; i < n; i++) {
                        dst[off + i] = s.get(I64, (base + i * stride) * 8);
                    }
                }
            }
            case I32, U32 -> {
                int[] arr = s.address() % 4 == 0 ? ints(s) : null;
                boolean unsigned = t == DType.U32;
                if (arr != null) {
                    long first = s.address() / 4 + base;
                    for (int i = 0; i < n; i++) {
                        int v = arr[(int) (first + i * stride)];
                        dst[off + i] = unsigned ? Integer.toUnsignedLong(v) : v;
                    }
                } else {
                    for (int i = 0; i < n; i++) {
                        int v = s.get(I32, (base + i * stride) * 4);
                        dst[off + i] = unsigned ? Integer.toUnsignedLong(v) : v;
                    }
                }
            }
            case I16 -> {
                for (int i = 0; i < n; i++) {
                    dst[off + i] = s.get(I16, (base + i * stride) * 2);
                }
            }
            case U16 -> {
                for (int i = 0; i < n; i++) {
                    dst[off + i] = Short.toUnsignedInt(s.get(I16, (base + i * stride) * 2));
                }
            }
            case I8 -> {
                for (int i = 0; i < n; i++) {
                    dst[off + i] = s.get(ValueLayout.JAVA_BYTE, base + i * stride);
                }
            }
            case U8 -> {
                for (int i = 0; i < n; i++) {
                    dst[off + i] = Byte.toUnsignedInt(s.get(ValueLayout.JAVA_BYTE, base + i * stride));
                }
            }
            case BOOL -> {
                for (int i = 0; i < n; i++) {
                    dst[off + i] = s.get(ValueLayout.JAVA_BYTE, base + i * stride) != 0 ? 1 : 0;
                }
            }
            default -> {
                for (int i = 0; i < n; i++) {
                    dst[off + i] = HostAccess.getLong(s, t, base + i * stride);
                }
            }
        }
    }

    /** dst[off .. off+n) = widened elements base, base+stride, ... of s. */
    static void load(MemorySegment s, DType t, long base, long stride, int n, float[] dst, int off) {
        if (stride == 1 && t == DType.F32) {
            float[] arr = floats(s);
            if (arr != null) {
                // short runs (a GEMM panel row is 16 floats): arraycopy costs far less per call than a segment copy
                System.arraycopy(arr, Math.toIntExact(s.address() / 4 + base), dst, off, n);
            } else {
                MemorySegment.copy(s, F32, base * 4, dst, off, n);
            }
        } else if (stride == 1 && t == DType.BF16) {
            loadBf16(s, base, n, dst, off);
        } else if (stride == 0) {
            java.util.Arrays.fill(dst, off, off + n, get(s, t, base));
        } else {
            for (int i = 0; i < n; i++) {
                dst[off + i] = get(s, t, base + i * stride);
            }
        }
    }

    /** Contiguous BF16 to F32: the 16 bits become the high half of each float. */
    static void loadBf16(MemorySegment s, long base, int n, float[] dst, int off) {
        int i = 0;
        int step = I.length();
        short[] arr = shorts(s);
        if (arr != null) {
            int first = Math.toIntExact(s.address() / 2 + base);
            for (; i + step <= n; i += step) {
                ShortVector h = ShortVector.fromArray(SH, arr, first + i);
                IntVector w = (IntVector) h.convertShape(VectorOperators.S2I, I, 0);
                w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, off + i);
            }
        } else if (!s.isNative()) {
            // another heap array (an upload's long[]): element by element below
            i = 0;
        } else {
            long bytes = base * 2;
            for (; i + step <= n; i += step) {
                ShortVector h = ShortVector.fromMemorySegment(SH, s, bytes + i * 2L, ByteOrder.LITTLE_ENDIAN);
                IntVector w = (IntVector) h.convertShape(VectorOperators.S2I, I, 0);
                w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, off + i);
            }
        }
        for (; i < n; i++) {
            dst[off + i] = Float.intBitsToFloat(s.get(I16, (base + i) * 2) << 16);
        }
    }

    /** Elements base, base+stride, ... of s = src[off .. off+n), rounded to the segment's type. */
    static void store(float[] src, int off, int n, MemorySegment s, DType t, long base, long stride) {
        if (stride == 1 && t == DType.F32) {
            float[] arr = floats(s);
            if (arr != null) {
                System.arraycopy(src, off, arr, Math.toIntExact(s.address() / 4 + base), n);
            } else {
                MemorySegment.copy(src, off, s, F32, base * 4, n);
            }
        } else {
            for (int i = 0; i < n; i++) {
                set(s, t, base + i * stride, src[off + i]);
            }
        }
    }
}
