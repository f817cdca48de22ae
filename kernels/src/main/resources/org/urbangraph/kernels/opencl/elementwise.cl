// Element-wise kernels over strided views: copy/cast, fill, unary and binary maps, where, rotary embeddings,
// counter-based random fills and the AdamW step. Each work item walks elements i, i + global size, ... (row-major
// order of the output), so any element count fits one launch.

#define FOR_EACH_ELEMENT(n) for (long i = get_global_id(0); i < (n); i += get_global_size(0))

kernel void ew_copy(long n, global const uchar* s, VDesc sd, global uchar* o, VDesc od) {
    FOR_EACH_ELEMENT(n) {
        copy_elem(s, sd.dtype, vd_offset(&sd, i), o, od.dtype, vd_offset(&od, i));
    }
}

kernel void ew_fill(long n, global uchar* o, VDesc od, float fv, long lv, ulong dbits) {
    FOR_EACH_ELEMENT(n) {
        long off = vd_offset(&od, i);
        if (od.dtype == DT_F64) {
            ((global ulong*) o)[off] = dbits;
        } else if (dt_integral(od.dtype)) {
            st_l(o, od.dtype, off, lv);
        } else {
            st_f(o, od.dtype, off, fv);
        }
    }
}

#define SQRT_2_OVER_PI 0.7978845608028654f
#define INV_SQRT_2 0.7071067811865476f
#define INV_SQRT_2PI 0.3989422804014327f

inline float sigmoidf(float x) {
    return 1.0f / (1.0f + exp(-x));
}

inline float unary_f(int op, float x, float alpha, float beta) {
    switch (op) {
        case U_NEG: return -x;
        case U_EXP: return exp(x);
        case U_LOG: return log(x);
        case U_LOG1P: return log1p(x);
        case U_SQRT: return sqrt(x);
        case U_RSQRT: return rsqrt(x);
        case U_ABS: return fabs(x);
        case U_SIN: return sin(x);
        case U_COS: return cos(x);
        case U_TANH: return tanh(x);
        case U_SIGMOID: return sigmoidf(x);
        case U_SIGN: return isnan(x) ? x : sign(x);
        case U_RECIPROCAL: return 1.0f / x;
        case U_SQUARE: return x * x;
        case U_RELU: return x > 0.0f ? x : 0.0f;
        case U_SILU: return x * sigmoidf(x);
        // 1 + erf(z) = erfc(-z) and 1 + tanh(u) = 2 sigmoid(2u) avoid cancellation for negative x
        case U_GELU_ERF: return 0.5f * x * erfc(-x * INV_SQRT_2);
        case U_GELU_TANH: return x * sigmoidf(2.0f * SQRT_2_OVER_PI * (x + 0.044715f * x * x * x));
        case U_QUICK_GELU: return x * sigmoidf(1.702f * x);
        case U_LEAKY_RELU: return x > 0.0f ? x : alpha * x;
        case U_POW_SCALAR: return pow(x, alpha);
        case U_CLAMP: return nan_min(nan_max(x, alpha), beta);
        case U_AFFINE: return alpha * x + beta;
        case U_SILU_GRAD: {
            return sigmoidf(x) * (1.0f + x * sigmoidf(-x));
        }
        case U_GELU_ERF_GRAD:
            return 0.5f * erfc(-x * INV_SQRT_2) + x * exp(-0.5f * x * x) * INV_SQRT_2PI;
        case U_GELU_TANH_GRAD: {
            // 0.5 (1 + tanh u) = sigmoid(2u); 1 - tanh^2 u = 4 sigmoid(2u) sigmoid(-2u), free of cancellation
            float u = SQRT_2_OVER_PI * (x + 0.044715f * x * x * x);
            float sp = sigmoidf(2.0f * u);
            float sm = sigmoidf(-2.0f * u);
            float du = SQRT_2_OVER_PI * (1.0f + 3.0f * 0.044715f * x * x);
            return sp + 2.0f * x * sp * sm * du;
        }
        case U_QUICK_GELU_GRAD: {
            float s = sigmoidf(1.702f * x);
            return s + 1.702f * x * s * sigmoidf(-1.702f * x);
        }
        case U_SIGMOID_GRAD_FROM_INPUT: {
            return sigmoidf(x) * sigmoidf(-x);
        }
        default: return NAN;
    }
}

kernel void ew_unary(int op, long n, global const uchar* x, VDesc xd, global uchar* o, VDesc od, float alpha,
                     float beta) {
    FOR_EACH_ELEMENT(n) {
        float v = ld_f(x, xd.dtype, vd_offset(&xd, i));
        st_f(o, od.dtype, vd_offset(&od, i), unary_f(op, v, alpha, beta));
    }
}

inline float binary_f(int op, float a, float b) {
    switch (op) {
        case B_ADD: return a + b;
        case B_SUB: return a - b;
        case B_MUL: return a * b;
        case B_DIV: return a / b;
        case B_MAX: return nan_max(a, b);
        case B_MIN: return nan_min(a, b);
        case B_POW: return pow(a, b);
        case B_EQ: return a == b ? 1.0f : 0.0f;
        case B_NE: return a != b ? 1.0f : 0.0f;
        case B_LT: return a < b ? 1.0f : 0.0f;
        case B_LE: return a <= b ? 1.0f : 0.0f;
        case B_GT: return a > b ? 1.0f : 0.0f;
        case B_GE: return a >= b ? 1.0f : 0.0f;
        case B_MASK_POSITIVE: return b > 0.0f ? a : 0.0f;
        case B_ATAN2: return atan2(a, b);
        default: return NAN;
    }
}

// Integer power by squaring; a negative exponent gives what (long) Math.pow gives.
inline long ipow(long a, long b) {
    if (b < 0) {
        if (a == 1) {
            return 1;
        }
        if (a == -1) {
            return (b & 1) ? -1 : 1;
        }
        return a == 0 ? 0x7FFFFFFFFFFFFFFFL : 0;
    }
    long r = 1;
    while (b > 0) {
        if (b & 1) {
            r *= a;
        }
        a *= a;
        b >>= 1;
    }
    return r;
}

inline long floor_div(long a, long b) {
    long q = a / b;
    return ((a % b) != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

kernel void ew_binary(int op, long n, global const uchar* a, VDesc ad, global const uchar* b, VDesc bd,
                      global uchar* o, VDesc od, global int* err, int errCode) {
    int integral = dt_integral(ad.dtype) && dt_integral(bd.dtype);
    FOR_EACH_ELEMENT(n) {
        long oo = vd_offset(&od, i);
        if (integral) {
            long x = ld_l(a, ad.dtype, vd_offset(&ad, i));
            long y = ld_l(b, bd.dtype, vd_offset(&bd, i));
            long r;
            switch (op) {
                case B_ADD: r = x + y; break;
                case B_SUB: r = x - y; break;
                case B_MUL: r = x * y; break;
                case B_DIV:
                    if (y == 0) {
                        report_error(err, errCode, i);
                        r = 0;
                    } else {
                        r = floor_div(x, y);
                    }
                    break;
                case B_MAX: r = max(x, y); break;
                case B_MIN: r = min(x, y); break;
                case B_POW: r = ipow(x, y); break;
                case B_EQ: r = x == y; break;
                case B_NE: r = x != y; break;
                case B_LT: r = x < y; break;
                case B_LE: r = x <= y; break;
                case B_GT: r = x > y; break;
                case B_GE: r = x >= y; break;
                case B_MASK_POSITIVE: r = y > 0 ? x : 0; break;
                default: r = convert_long_sat_rtz(atan2((float) x, (float) y)); break;
            }
            st_l(o, od.dtype, oo, r);
        } else {
            float x = ld_f(a, ad.dtype, vd_offset(&ad, i));
            float y = ld_f(b, bd.dtype, vd_offset(&bd, i));
            st_f(o, od.dtype, oo, binary_f(op, x, y));
        }
    }
}

kernel void ew_where(long n, global const uchar* c, VDesc cd, global const uchar* a, VDesc ad,
                     global const uchar* b, VDesc bd, global uchar* o, VDesc od) {
    int integral = dt_integral(ad.dtype) && dt_integral(bd.dtype) && dt_integral(od.dtype);
    FOR_EACH_ELEMENT(n) {
        long co = vd_offset(&cd, i);
        int pick = dt_integral(cd.dtype) ? ld_l(c, cd.dtype, co) != 0 : ld_f(c, cd.dtype, co) != 0.0f;
        long oo = vd_offset(&od, i);
        if (pick) {
            if (integral) {
                st_l(o, od.dtype, oo, ld_l(a, ad.dtype, vd_offset(&ad, i)));
            } else {
                copy_elem(a, ad.dtype, vd_offset(&ad, i), o, od.dtype, oo);
            }
        } else {
            if (integral) {
                st_l(o, od.dtype, oo, ld_l(b, bd.dtype, vd_offset(&bd, i)));
            } else {
                copy_elem(b, bd.dtype, vd_offset(&bd, i), o, od.dtype, oo);
            }
        }
    }
}

// x, out [B, H, L, D]; cos, sin [B, L, D]. rotate_half(x) = cat(-x2, x1); inverse negates sin.
kernel void ew_rotary(long n, global const uchar* x, VDesc xd, global const uchar* cs, VDesc cd,
                      global const uchar* sn, VDesc sd, global uchar* o, VDesc od, int inverse) {
    int H = od.n[1];
    int L = od.n[2];
    int D = od.n[3];
    int hd = D / 2;
    FOR_EACH_ELEMENT(n) {
        long r = i;
        int d = (int) (r % D);
        r /= D;
        int l = (int) (r % L);
        r /= L;
        int h = (int) (r % H);
        int b = (int) (r / H);
        long xbase = xd.off + b * xd.st[0] + h * xd.st[1] + l * xd.st[2];
        float xv = ld_f(x, xd.dtype, xbase + d * xd.st[3]);
        float rot = d < hd ? -ld_f(x, xd.dtype, xbase + (d + hd) * xd.st[3])
                             : ld_f(x, xd.dtype, xbase + (d - hd) * xd.st[3]);
        float c = ld_f(cs, cd.dtype, cd.off + b * cd.st[0] + l * cd.st[1] + d * cd.st[2]);
        float s = ld_f(sn, sd.dtype, sd.off + b * sd.st[0] + l * sd.st[1] + d * sd.st[2]);
        float v = inverse ? xv * c - rot * s : xv * c + rot * s;
        st_f(o, od.dtype, od.off + b * od.st[0] + h * od.st[1] + l * od.st[2] + d * od.st[3], v);
    }
}

kernel void ew_random(long n, global uchar* o, VDesc od, ulong seed, int normal) {
    FOR_EACH_ELEMENT(n) {
        float v = normal ? rng_normal(seed, (ulong) i) : rng_uniform(seed, (ulong) i);
        st_f(o, od.dtype, vd_offset(&od, i), v);
    }
}

// PyTorch's AdamW in the reference's exact operation order (no contraction into FMAs, so the CPU bits can be
// matched where the device rounds division and square root correctly).
#pragma OPENCL FP_CONTRACT OFF
kernel void ew_adamw(long n, global float* p, VDesc pd, global const float* g, VDesc gd, global float* m, VDesc md,
                     global float* v, VDesc vd, float decay, float stepSize, float beta1, float beta2,
                     float bc2Sqrt, float eps) {
    FOR_EACH_ELEMENT(n) {
        long po = vd_offset(&pd, i);
        long mo = vd_offset(&md, i);
        long vo = vd_offset(&vd, i);
        float gi = g[vd_offset(&gd, i)];
        float pi = p[po] * decay;
        float mi = m[mo];
        mi = mi + (1.0f - beta1) * (gi - mi);
        float vi = v[vo] * beta2 + (1.0f - beta2) * gi * gi;
        float denom = sqrt(vi) / bc2Sqrt + eps;
        pi = pi - stepSize * (mi / denom);
        m[mo] = mi;
        v[vo] = vi;
        p[po] = pi;
    }
}
