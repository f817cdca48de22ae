// Reductions along one dimension, softmax and its backward. One work group per output element (or row): each
// work item accumulates a strided share with Kahan summation, then a fixed tree combines the shares, so the bits
// depend only on the shapes and the group size, never on timing.

// Picks (v2, i2) over (v, i) for ARGMAX / ARGMIN: the first NaN wins, then the extreme value, ties to the lower index.
inline void arg_pick(float* v, long* i, float v2, long i2, int isMax) {
    int n1 = isnan(*v);
    int n2 = isnan(v2);
    int take;
    if (n1 || n2) {
        take = n2 && (!n1 || i2 < *i);
    } else if (v2 == *v) {
        take = i2 < *i;
    } else {
        take = isMax ? v2 > *v : v2 < *v;
    }
    if (take) {
        *v = v2;
        *i = i2;
    }
}

inline void arg_pick_long(long* v, long* i, long v2, long i2, int isMax) {
    int take = v2 == *v ? i2 < *i : (isMax ? v2 > *v : v2 < *v);
    if (take) {
        *v = v2;
        *i = i2;
    }
}

// Each family is its own kernel: barriers never sit under a branch (compilers that serialise work items, such as
// PoCL on a CPU, replicate code around conditional barriers and compile such kernels very slowly).

kernel void rd_sum(int op, int n, long outer, long step, global const uchar* x, VDesc xs, global uchar* o, VDesc os) {
    local float sv[WG_MAX];
    int lid = get_local_id(0);
    int wg = get_local_size(0);
    for (long g = get_group_id(0); g < outer; g += get_num_groups(0)) {
        long base = vd_offset(&xs, g);
        float s = 0.0f;
        float c = 0.0f;
        for (int j = lid; j < n; j += wg) {
            float v = ld_f(x, xs.dtype, base + j * step);
            kahan_add(&s, &c, op == R_SUM_SQUARES ? v * v : v);
        }
        float r = wg_sum(sv, s);
        if (lid == 0) {
            st_f(o, os.dtype, vd_offset(&os, g), op == R_MEAN ? r / (float) n : r);
        }
    }
}

kernel void rd_extreme(int op, int n, long outer, long step, global const uchar* x, VDesc xs, global uchar* o,
                       VDesc os) {
    local float sv[WG_MAX];
    int lid = get_local_id(0);
    int wg = get_local_size(0);
    int isMax = op == R_MAX;
    for (long g = get_group_id(0); g < outer; g += get_num_groups(0)) {
        long base = vd_offset(&xs, g);
        float a = isMax ? -INFINITY : INFINITY;
        for (int j = lid; j < n; j += wg) {
            float v = ld_f(x, xs.dtype, base + j * step);
            a = isMax ? nan_max(a, v) : nan_min(a, v);
        }
        sv[lid] = a;
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int k = wg / 2; k > 0; k >>= 1) {
            if (lid < k) {
                sv[lid] = isMax ? nan_max(sv[lid], sv[lid + k]) : nan_min(sv[lid], sv[lid + k]);
            }
            barrier(CLK_LOCAL_MEM_FENCE);
        }
        if (lid == 0) {
            st_f(o, os.dtype, vd_offset(&os, g), sv[0]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
}

kernel void rd_arg(int op, int n, long outer, long step, global const uchar* x, VDesc xs, global uchar* o, VDesc os) {
    local float sv[WG_MAX];
    local long si[WG_MAX];
    int lid = get_local_id(0);
    int wg = get_local_size(0);
    int isMax = op == R_ARGMAX;
    for (long g = get_group_id(0); g < outer; g += get_num_groups(0)) {
        long base = vd_offset(&xs, g);
        float bv = isMax ? -INFINITY : INFINITY;
        long bi = 0x7FFFFFFFFFFFFFFFL;
        for (int j = lid; j < n; j += wg) {
            arg_pick(&bv, &bi, ld_f(x, xs.dtype, base + j * step), j, isMax);
        }
        sv[lid] = bv;
        si[lid] = bi;
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int k = wg / 2; k > 0; k >>= 1) {
            if (lid < k) {
                float v = sv[lid];
                long i = si[lid];
                arg_pick(&v, &i, sv[lid + k], si[lid + k], isMax);
                sv[lid] = v;
                si[lid] = i;
            }
            barrier(CLK_LOCAL_MEM_FENCE);
        }
        if (lid == 0) {
            st_l(o, os.dtype, vd_offset(&os, g), si[0] == 0x7FFFFFFFFFFFFFFFL ? 0 : si[0]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
}

kernel void rd_logsumexp(int op, int n, long outer, long step, global const uchar* x, VDesc xs, global uchar* o,
                         VDesc os) {
    local float sv[WG_MAX];
    int lid = get_local_id(0);
    int wg = get_local_size(0);
    for (long g = get_group_id(0); g < outer; g += get_num_groups(0)) {
        long base = vd_offset(&xs, g);
        float a = -INFINITY;
        for (int j = lid; j < n; j += wg) {
            a = nan_max(a, ld_f(x, xs.dtype, base + j * step));
        }
        float m = wg_max(sv, a);
        float s = 0.0f;
        float c = 0.0f;
        for (int j = lid; j < n && !isinf(m); j += wg) {
            kahan_add(&s, &c, exp(ld_f(x, xs.dtype, base + j * step) - m));
        }
        float r = wg_sum(sv, s);
        if (lid == 0) {
            st_f(o, os.dtype, vd_offset(&os, g), isinf(m) ? m : m + log(r));
        }
    }
}

// Integer inputs: exact 64-bit sums, squares and extremes (the reference accumulates them exactly in double).
kernel void rd_reduce_long(int op, int n, long outer, long step, global const uchar* x, VDesc xs, global uchar* o,
                           VDesc os) {
    local long sv[WG_MAX];
    local long si[WG_MAX];
    int lid = get_local_id(0);
    int wg = get_local_size(0);
    int dt = xs.dtype;
    int isArg = op == R_ARGMAX || op == R_ARGMIN;
    int isMax = op == R_MAX || op == R_ARGMAX;
    int isSum = op == R_SUM || op == R_SUM_SQUARES;
    for (long g = get_group_id(0); g < outer; g += get_num_groups(0)) {
        long base = vd_offset(&xs, g);
        long oo = vd_offset(&os, g);
        long a = isSum ? 0 : (isMax ? (long) 0x8000000000000000UL : 0x7FFFFFFFFFFFFFFFL);
        long ai = 0x7FFFFFFFFFFFFFFFL;
        for (int j = lid; j < n; j += wg) {
            long v = ld_l(x, dt, base + j * step);
            if (isSum) {
                a += op == R_SUM_SQUARES ? v * v : v;
            } else {
                arg_pick_long(&a, &ai, v, j, isMax);
            }
        }
        sv[lid] = a;
        si[lid] = ai;
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int k = wg / 2; k > 0; k >>= 1) {
            if (lid < k) {
                if (isSum) {
                    sv[lid] += sv[lid + k];
                } else {
                    long v = sv[lid];
                    long i = si[lid];
                    arg_pick_long(&v, &i, sv[lid + k], si[lid + k], isMax);
                    sv[lid] = v;
                    si[lid] = i;
                }
            }
            barrier(CLK_LOCAL_MEM_FENCE);
        }
        if (lid == 0) {
            if (isArg) {
                st_l(o, os.dtype, oo, si[0] == 0x7FFFFFFFFFFFFFFFL ? 0 : si[0]);
            } else if (!isSum && n == 0) {
                st_f(o, os.dtype, oo, isMax ? -INFINITY : INFINITY);
            } else {
                st_l(o, os.dtype, oo, sv[0]);
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
}

// Softmax (or log-softmax) of each row: x [rows, n] with rows described by xr and the last stride xs.
kernel void rd_softmax(int n, long rows, global const uchar* x, VDesc xr, long xs, global uchar* o, VDesc orr,
                       long os, int logMode) {
    local float sv[WG_MAX];
    int lid = get_local_id(0);
    int wg = get_local_size(0);
    for (long r = get_group_id(0); r < rows; r += get_num_groups(0)) {
        long xb = vd_offset(&xr, r);
        long ob = vd_offset(&orr, r);
        float a = -INFINITY;
        for (int j = lid; j < n; j += wg) {
            a = nan_max(a, ld_f(x, xr.dtype, xb + j * xs));
        }
        float m = wg_max(sv, a);
        float s = 0.0f;
        float c = 0.0f;
        for (int j = lid; j < n; j += wg) {
            kahan_add(&s, &c, exp(ld_f(x, xr.dtype, xb + j * xs) - m));
        }
        float sum = wg_sum(sv, s);
        float logSum = log(sum);
        for (int j = lid; j < n; j += wg) {
            float v = ld_f(x, xr.dtype, xb + j * xs);
            // (v - m) - log(sum), not v - (m + log(sum)): exact near the maximum, where outputs are small
            st_f(o, orr.dtype, ob + j * os, logMode ? (v - m) - logSum : exp(v - m) / sum);
        }
    }
}

kernel void rd_softmax_backward(int n, long rows, global const uchar* y, VDesc yr, long ys, global const uchar* dy,
                                VDesc dyr, long dys, global uchar* dx, VDesc dxr, long dxs, int logMode) {
    local float sv[WG_MAX];
    int lid = get_local_id(0);
    int wg = get_local_size(0);
    for (long r = get_group_id(0); r < rows; r += get_num_groups(0)) {
        long yb = vd_offset(&yr, r);
        long gb = vd_offset(&dyr, r);
        long db = vd_offset(&dxr, r);
        float s = 0.0f;
        float c = 0.0f;
        for (int j = lid; j < n; j += wg) {
            float g = ld_f(dy, dyr.dtype, gb + j * dys);
            kahan_add(&s, &c, logMode ? g : g * ld_f(y, yr.dtype, yb + j * ys));
        }
        float dot = wg_sum(sv, s);
        for (int j = lid; j < n; j += wg) {
            float yv = ld_f(y, yr.dtype, yb + j * ys);
            float g = ld_f(dy, dyr.dtype, gb + j * dys);
            st_f(dx, dxr.dtype, db + j * dxs, logMode ? g - exp(yv) * dot : yv * (g - dot));
        }
    }
}
