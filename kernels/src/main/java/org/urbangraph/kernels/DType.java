package org.urbangraph.kernels;

/**
 * Element types of tensor storage. The names are the safetensors names, so a header's {@code "dtype"} maps
 * with {@link #fromSafetensors(String)}.
 *
 * <p>Compute is F32 (see the design notes): float types narrower than 32 bits are widened inside kernels,
 * and F64 / 8-bit float types exist so that every safetensors file can be read and converted.
 */
public enum DType {
    F64(8, Kind.FLOAT),
    F32(4, Kind.FLOAT),
    F16(2, Kind.FLOAT),
    BF16(2, Kind.FLOAT),
    F8_E4M3(1, Kind.FLOAT),
    F8_E5M2(1, Kind.FLOAT),
    I64(8, Kind.INT),
    I32(4, Kind.INT),
    I16(2, Kind.INT),
    I8(1, Kind.INT),
    U64(8, Kind.UINT),
    U32(4, Kind.UINT),
    U16(2, Kind.UINT),
    U8(1, Kind.UINT),
    BOOL(1, Kind.BOOL);

    public enum Kind { FLOAT, INT, UINT, BOOL }

    private final int size;
    private final Kind kind;

    DType(int size, Kind kind) {
        this.size = size;
        this.kind = kind;
    }

    /** Bytes per element. */
    public int size() {
        return size;
    }

    public Kind kind() {
        return kind;
    }

    public boolean isFloat() {
        return kind == Kind.FLOAT;
    }

    /** Integer or boolean: values that kernels handle as {@code long}. */
    public boolean isIntegral() {
        return kind != Kind.FLOAT;
    }

    /** The safetensors spelling of this type. */
    public String safetensorsName() {
        return name();
    }

    /** Parses a safetensors dtype string; returns null for a name this project does not know. */
    public static DType fromSafetensors(String name) {
        for (DType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }
}
