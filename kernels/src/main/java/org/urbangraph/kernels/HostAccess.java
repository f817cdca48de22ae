package org.urbangraph.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Reads and writes single elements of any {@link DType} in host memory (little-endian, unaligned), and converts
 * between float widths with PyTorch's rounding (round to nearest even). Slow by design: the plain reference
 * kernels and conversions use it; fast kernels read arrays or vectors directly.
 */
public final class HostAccess {
    private HostAccess() {}

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Element i (in elements, not bytes) as a double. Integers convert exactly up to 2^53. */
    public static double get(MemorySegment s, DType t, long i) {
        return switch (t) {
            case F32 -> s.get(F32, i * 4);
            case F64 -> s.get(F64, i * 8);
            case BF16 -> bf16ToFloat(s.get(I16, i * 2));
            case F16 -> Float.float16ToFloat(s.get(I16, i * 2));
            case F8_E4M3 -> e4m3ToFloat(s.get(ValueLayout.JAVA_BYTE, i));
            case F8_E5M2 -> e5m2ToFloat(s.get(ValueLayout.JAVA_BYTE, i));
            default -> (double) getLong(s, t, i);
        };
    }

    /** Element i as a long: integers exactly (U64 above 2^63 wraps), floats truncated toward zero. */
    public static long getLong(MemorySegment s, DType t, long i) {
        return switch (t) {
            case I64, U64 -> s.get(I64, i * 8);
            case I32 -> s.get(I32, i * 4);
            case U32 -> Integer.toUnsignedLong(s.get(I32, i * 4));
            case I16 -> s.get(I16, i * 2);
            case U16 -> Short.toUnsignedInt(s.get(I16, i * 2));
            case I8 -> s.get(ValueLayout.JAVA_BYTE, i);
            case U8 -> Byte.toUnsignedInt(s.get(ValueLayout.JAVA_BYTE, i));
            case BOOL -> s.get(ValueLayout.JAVA_BYTE, i) != 0 ? 1 : 0;
            default -> (long) get(s, t, i);
        };
    }

    /** Writes element i, rounding to the type (nearest even for narrow floats, truncation for integers). */
    public static void set(MemorySegment s, DType t, long i, double v) {
        switch (t) {
            case F32 -> s.set(F32, i * 4, (float) v);
            case F64 -> s.set(F64, i * 8, v);
            case BF16 -> s.set(I16, i * 2, floatToBf16((float) v));
            case F16 -> s.set(I16, i * 2, Float.floatToFloat16((float) v));
            case F8_E4M3, F8_E5M2 -> throw new UnsupportedOperationException("writing " + t + " is not supported");
            case BOOL -> s.set(ValueLayout.JAVA_BYTE, i, (byte) (v != 0 ? 1 : 0));
            default -> setLong(s, t, i, (long) v);
        }
    }

    public static void setLong(MemorySegment s, DType t, long i, long v) {
        switch (t) {
            case I64, U64 -> s.set(I64, i * 8, v);
            case I32, U32 -> s.set(I32, i * 4, (int) v);
            case I16, U16 -> s.set(I16, i * 2, (short) v);
            case I8, U8 -> s.set(ValueLayout.JAVA_BYTE, i, (byte) v);
            case BOOL -> s.set(ValueLayout.JAVA_BYTE, i, (byte) (v != 0 ? 1 : 0));
            default -> set(s, t, i, (double) v);
        }
    }

    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** Round to nearest even, as {@code torch.Tensor.to(torch.bfloat16)}; NaN stays a quiet NaN. */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7FFFFFFF) > 0x7F800000) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    public static float e4m3ToFloat(byte b) {
        int sign = (b >> 7) & 1;
        int exp = (b >> 3) & 0xF;
        int man = b & 0x7;
        float v;
        if (exp == 0xF && man == 0x7) {
            v = Float.NaN;
        } else if (exp == 0) {
            v = man * 0x1.0p-9f;
        } else {
            v = (1 + man / 8f) * (float) Math.pow(2, exp - 7);
        }
        return sign == 1 ? -v : v;
    }

    public static float e5m2ToFloat(byte b) {
        return Float.float16ToFloat((short) ((b & 0xFF) << 8));
    }
}
