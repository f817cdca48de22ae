// Shared definitions of every UrbanGraph OpenCL program (OpenCL C 1.2, no fp64 needed).
//
// The host prepends the numeric codes of DType (DT_*), UnaryOp (U_*), BinaryOp (B_*) and ReduceOp (R_*) as
// #defines generated from the Java enums, so both sides share one definition.
//
// A tensor reaches a kernel as a byte pointer plus a VDesc: element offset, element strides, shape, rank and
// element type. Elements are read and written through ld_f / ld_l / st_f / st_l, which widen and narrow every
// storage type (BF16 and F16 round to nearest even, as PyTorch does).

#define UG_MAX_RANK 8

typedef struct {
    long off;
    long st[UG_MAX_RANK];
    int n[UG_MAX_RANK];
    int rank;
    int dtype;
} VDesc;

// Element offset of the i-th element (row-major order of the view's shape).
inline long vd_offset(const VDesc* d, long i) {
    long off = d->off;
    if (i <= 0x7FFFFFFFL) {
        uint u = (uint) i;
        for (int k = d->rank - 1; k >= 0; k--) {
            uint n = (uint) d->n[k];
            uint q = u / n;
            off += (long) (u - q * n) * d->st[k];
            u = q;
        }
    } else {
        for (int k = d->rank - 1; k >= 0; k--) {
            long n = d->n[k];
            long q = i / n;
            off += (i - q * n) * d->st[k];
            i = q;
        }
    }
    return off;
}

inline long vd_numel(const VDesc* d) {
    long n = 1;
    for (int k = 0; k < d->rank; k++) {
        n *= d->n[k];
    }
    return n;
}

inline int dt_integral(int dt) {
    return !(dt == DT_F32 || dt == DT_F16 || dt == DT_BF16 || dt == DT_F64 || dt == DT_F8_E4M3 || dt == DT_F8_E5M2);
}

// ---- software F64 (no cl_khr_fp64 needed) --------------------------------------------------------------------

inline float f64_to_float(ulong b) {
    uint sign = (uint) (b >> 63) << 31;
    int exp = (int) ((b >> 52) & 0x7FF);
    ulong mant = b & 0xFFFFFFFFFFFFFUL;
    if (exp == 0x7FF) {
        return as_float(sign | (mant != 0 ? 0x7FC00000u : 0x7F800000u));
    }
    if (exp == 0) {
        return as_float(sign);
    }
    int e = exp - 1023 + 127;
    if (e >= 255) {
        return as_float(sign | 0x7F800000u);
    }
    ulong full = mant | (1UL << 52);
    int shift = e > 0 ? 29 : 29 + 1 - e;
    if (shift >= 64) {
        return as_float(sign);
    }
    ulong keep = e > 0 ? mant >> 29 : full >> shift;
    ulong rem = (e > 0 ? mant : full) & ((1UL << shift) - 1);
    ulong halfway = 1UL << (shift - 1);
    if (rem > halfway || (rem == halfway && (keep & 1))) {
        keep++;
    }
    uint bits = e > 0 ? ((uint) e << 23) + (uint) keep : (uint) keep;
    return as_float(sign | bits);
}

inline ulong float_to_f64(float f) {
    uint b = as_uint(f);
    ulong sign = (ulong) (b >> 31) << 63;
    int exp = (int) ((b >> 23) & 0xFF);
    uint mant = b & 0x7FFFFF;
    if (exp == 0xFF) {
        return sign | (0x7FFUL << 52) | ((ulong) mant << 29);
    }
    if (exp == 0) {
        if (mant == 0) {
            return sign;
        }
        int e = -126;
        while ((mant & 0x800000) == 0) {
            mant <<= 1;
            e--;
        }
        mant &= 0x7FFFFF;
        return sign | ((ulong) (e + 1023) << 52) | ((ulong) mant << 29);
    }
    return sign | ((ulong) (exp - 127 + 1023) << 52) | ((ulong) mant << 29);
}

inline ulong long_to_f64(long v) {
    if (v == 0) {
        return 0;
    }
    ulong sign = v < 0 ? (1UL << 63) : 0;
    ulong a = v < 0 ? (ulong) 0 - (ulong) v : (ulong) v;
    int p = 63 - (int) clz(a);
    ulong m;
    if (p <= 52) {
        m = a << (52 - p);
    } else {
        int shift = p - 52;
        m = a >> shift;
        ulong rem = a & ((1UL << shift) - 1);
        ulong halfway = 1UL << (shift - 1);
        if (rem > halfway || (rem == halfway && (m & 1))) {
            m++;
        }
        if (m == (1UL << 53)) {
            m >>= 1;
            p++;
        }
    }
    return sign | ((ulong) (p + 1023) << 52) | (m & 0xFFFFFFFFFFFFFUL);
}

// Truncation toward zero with saturation; NaN gives 0 (Java's (long) cast).
inline long f64_to_long(ulong b) {
    int exp = (int) ((b >> 52) & 0x7FF);
    ulong mant = b & 0xFFFFFFFFFFFFFUL;
    int neg = (int) (b >> 63);
    if (exp == 0x7FF && mant != 0) {
        return 0;
    }
    int e = exp - 1023;
    if (e < 0) {
        return 0;
    }
    if (e >= 63) {
        return neg ? (long) 0x8000000000000000UL : 0x7FFFFFFFFFFFFFFFL;
    }
    ulong m = mant | (1UL << 52);
    ulong v = e >= 52 ? m << (e - 52) : m >> (52 - e);
    return neg ? -(long) v : (long) v;
}

// ---- narrow floats -------------------------------------------------------------------------------------------

inline float bf16_to_float(ushort h) {
    return as_float((uint) h << 16);
}

inline ushort float_to_bf16(float f) {
    uint bits = as_uint(f);
    if ((bits & 0x7FFFFFFF) > 0x7F800000) {
        return (ushort) ((bits >> 16) | 0x0040);
    }
    uint rounding = 0x7FFF + ((bits >> 16) & 1);
    return (ushort) ((bits + rounding) >> 16);
}

inline float half_bits_to_float(ushort h) {
    uint sign = (uint) (h >> 15) << 31;
    int exp = (h >> 10) & 0x1F;
    uint mant = h & 0x3FF;
    if (exp == 0x1F) {
        return as_float(sign | 0x7F800000u | (mant << 13));
    }
    if (exp == 0) {
        float v = (float) mant * 0x1.0p-24f;
        return sign ? -v : v;
    }
    return as_float(sign | ((uint) (exp - 15 + 127) << 23) | (mant << 13));
}

inline float e4m3_to_float(uchar b) {
    int exp = (b >> 3) & 0xF;
    int man = b & 0x7;
    float v;
    if (exp == 0xF && man == 0x7) {
        v = NAN;
    } else if (exp == 0) {
        v = (float) man * 0x1.0p-9f;
    } else {
        v = (1.0f + (float) man / 8.0f) * ldexp(1.0f, exp - 7);
    }
    return (b & 0x80) ? -v : v;
}

// Rounds an F32 value to what a narrower float type stores (sequential accumulation into BF16/F16 tensors).
inline float round_to(int dt, float v) {
    if (dt == DT_BF16) {
        return bf16_to_float(float_to_bf16(v));
    }
    if (dt == DT_F16) {
        if (isnan(v)) {
            return v;
        }
        if (fabs(v) < 0x1.0p-14f) {
            return rint(v * 0x1.0p24f) * 0x1.0p-24f;
        }
        uint b = as_uint(v);
        b = (b + 0xFFF + ((b >> 13) & 1)) & ~0x1FFFu;
        float r = as_float(b);
        return fabs(r) > 65504.0f ? copysign(INFINITY, v) : r;
    }
    return v;
}

// ---- element access ------------------------------------------------------------------------------------------
// OpenCL C has no recursion, so the float and integer halves are separate helpers that never call back.

inline long ld_int(global const uchar* p, int dt, long i) {
    switch (dt) {
        case DT_I64:
        case DT_U64: return ((global const long*) p)[i];
        case DT_I32: return ((global const int*) p)[i];
        case DT_U32: return ((global const uint*) p)[i];
        case DT_I16: return ((global const short*) p)[i];
        case DT_U16: return ((global const ushort*) p)[i];
        case DT_I8: return ((global const char*) p)[i];
        case DT_U8: return p[i];
        default: return p[i] != 0 ? 1 : 0; // DT_BOOL
    }
}

inline float ld_float(global const uchar* p, int dt, long i) {
    switch (dt) {
        case DT_F32: return ((global const float*) p)[i];
        case DT_BF16: return bf16_to_float(((global const ushort*) p)[i]);
        case DT_F16: return vload_half(i, (global const half*) p);
        case DT_F64: return f64_to_float(((global const ulong*) p)[i]);
        case DT_F8_E4M3: return e4m3_to_float(p[i]);
        default: return half_bits_to_float((ushort) ((ushort) p[i] << 8)); // DT_F8_E5M2
    }
}

inline float ld_f(global const uchar* p, int dt, long i) {
    return dt_integral(dt) ? (float) ld_int(p, dt, i) : ld_float(p, dt, i);
}

inline long ld_l(global const uchar* p, int dt, long i) {
    if (dt_integral(dt)) {
        return ld_int(p, dt, i);
    }
    if (dt == DT_F64) {
        return f64_to_long(((global const ulong*) p)[i]);
    }
    return convert_long_sat_rtz(ld_float(p, dt, i));
}

inline void st_int(global uchar* p, int dt, long i, long v) {
    switch (dt) {
        case DT_I64:
        case DT_U64: ((global long*) p)[i] = v; break;
        case DT_I32:
        case DT_U32: ((global int*) p)[i] = (int) v; break;
        case DT_I16:
        case DT_U16: ((global short*) p)[i] = (short) v; break;
        case DT_I8:
        case DT_U8: p[i] = (uchar) v; break;
        default: p[i] = v != 0 ? 1 : 0; break; // DT_BOOL
    }
}

// Float types only; the 8-bit float types are read-only (the host refuses to write them).
inline void st_float(global uchar* p, int dt, long i, float v) {
    switch (dt) {
        case DT_F32: ((global float*) p)[i] = v; break;
        case DT_BF16: ((global ushort*) p)[i] = float_to_bf16(v); break;
        case DT_F16: vstore_half_rte(v, i, (global half*) p); break;
        case DT_F64: ((global ulong*) p)[i] = float_to_f64(v); break;
        default: break;
    }
}

inline void st_f(global uchar* p, int dt, long i, float v) {
    if (dt == DT_BOOL) {
        p[i] = v != 0.0f ? 1 : 0;
    } else if (dt_integral(dt)) {
        st_int(p, dt, i, convert_long_sat_rtz(v));
    } else {
        st_float(p, dt, i, v);
    }
}

inline void st_l(global uchar* p, int dt, long i, long v) {
    if (dt_integral(dt)) {
        st_int(p, dt, i, v);
    } else if (dt == DT_F64) {
        ((global ulong*) p)[i] = long_to_f64(v);
    } else {
        st_float(p, dt, i, (float) v);
    }
}

// out = src with the conversion rules of Backend.copy: identical types copy bits, integer to integer stays exact,
// everything else goes through F32 (F64 to and from integers exactly, in software).
inline void copy_elem(global const uchar* s, int sdt, long si, global uchar* o, int odt, long oi) {
    if (sdt == odt) {
        switch (sdt) {
            case DT_F64: case DT_I64: case DT_U64: ((global long*) o)[oi] = ((global const long*) s)[si]; return;
            case DT_F32: case DT_I32: case DT_U32: ((global int*) o)[oi] = ((global const int*) s)[si]; return;
            case DT_F16: case DT_BF16: case DT_I16: case DT_U16:
                ((global short*) o)[oi] = ((global const short*) s)[si]; return;
            default: o[oi] = s[si]; return;
        }
    }
    if (dt_integral(sdt) && dt_integral(odt)) {
        st_l(o, odt, oi, ld_l(s, sdt, si));
    } else if (sdt == DT_F64 && dt_integral(odt)) {
        st_l(o, odt, oi, f64_to_long(((global const ulong*) s)[si]));
    } else if (odt == DT_F64 && dt_integral(sdt)) {
        ((global ulong*) o)[oi] = long_to_f64(ld_l(s, sdt, si));
    } else {
        st_f(o, odt, oi, ld_f(s, sdt, si));
    }
}

// ---- device-side errors --------------------------------------------------------------------------------------

// err[0]: the code of the first launch that failed (each checked launch gets its own code from the host, and the
// in-order queue runs launches in call order); err[1]: that launch's smallest failing position (atomic_min, so the
// report is deterministic).
inline void report_error(global int* err, int code, long position) {
    int prev = atomic_cmpxchg(err, 0, code);
    if (prev == 0 || prev == code) {
        atomic_min(err + 1, position > 0x7FFFFFFFL ? 0x7FFFFFFF : (int) position);
    }
}

// ---- counter-based random numbers (CounterRng, bit for bit) --------------------------------------------------

inline ulong rng_bits(ulong seed, ulong i) {
    ulong z = seed * 0x9E3779B97F4A7C15UL + (i + 1) * 0xD1B54A32D192ED03UL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
    return z ^ (z >> 31);
}

inline float rng_uniform(ulong seed, ulong i) {
    return (float) (uint) (rng_bits(seed, i) >> 40) * 0x1.0p-24f;
}

inline float rng_normal(ulong seed, ulong i) {
    ulong p = i >> 1;
    float u1 = rng_uniform(seed, 2 * p);
    float u2 = rng_uniform(seed, 2 * p + 1);
    float r = sqrt(-2.0f * log(1.0f - u1));
    return (i & 1) == 0 ? r * cospi(2.0f * u2) : r * sinpi(2.0f * u2);
}

// NaN-propagating max / min (fmax and fmin ignore NaN; the reference propagates it).
inline float nan_max(float a, float b) {
    return isnan(a) || isnan(b) ? NAN : fmax(a, b);
}

inline float nan_min(float a, float b) {
    return isnan(a) || isnan(b) ? NAN : fmin(a, b);
}

// Kahan summation step: keeps long float sums close to the double-accumulated reference.
inline void kahan_add(float* sum, float* comp, float v) {
    float y = v - *comp;
    float t = *sum + y;
    *comp = (t - *sum) - y;
    *sum = t;
}

// ---- work-group reductions (power-of-two group sizes; every work item of the group must call) ----------------

#define WG_MAX 256

inline float wg_sum(local float* s, float v) {
    int lid = get_local_id(0);
    s[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int k = get_local_size(0) / 2; k > 0; k >>= 1) {
        if (lid < k) {
            s[lid] += s[lid + k];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = s[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

inline float wg_max(local float* s, float v) {
    int lid = get_local_id(0);
    s[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int k = get_local_size(0) / 2; k > 0; k >>= 1) {
        if (lid < k) {
            s[lid] = nan_max(s[lid], s[lid + k]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = s[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}
