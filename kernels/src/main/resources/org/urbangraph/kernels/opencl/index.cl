// index_select, gather, and the deterministic accumulating ops: index_add, scatter_add and the segment softmax.
//
// No float atomics: the accumulating ops first build one 64-bit key per contribution, (target << 32) | source
// position, sort the keys (bitonic, in place), and then let the first work item of each run of equal targets add
// that run's contributions in source order. Results are therefore the same bits as a sequential loop in index
// order, which is what the reference does. Ids outside their range are reported through the error flag (the
// smallest failing position) and skipped; their keys are all ones, which sorts last and is never a valid target.

#define FOR_EACH(e, n) for (long e = get_global_id(0); e < (n); e += get_global_size(0))
#define NO_KEY 0xFFFFFFFFFFFFFFFFUL
#define TARGET(key) ((key) >> 32)
#define SOURCE(key) ((long) ((key) & 0xFFFFFFFFUL))

kernel void ix_index_select(long total, int m, long inner, int n, global const uchar* x, VDesc xd,
                            global const uchar* idx, VDesc id, global uchar* o, VDesc od, global int* err, int code) {
    FOR_EACH(e, total) {
        long c = e % inner;
        long t = e / inner;
        int i = (int) (t % m);
        long outer = t / m;
        long src = ld_l(idx, id.dtype, vd_offset(&id, i));
        if (src < 0 || src >= n) {
            report_error(err, code, i);
            continue;
        }
        copy_elem(x, xd.dtype, vd_offset(&xd, (outer * n + src) * inner + c), o, od.dtype, vd_offset(&od, e));
    }
}

kernel void ix_gather(long total, int m, long inner, long innerX, int n, global const uchar* x, VDesc xd,
                      global const uchar* idx, VDesc id, global uchar* o, VDesc od, global int* err, int code) {
    FOR_EACH(e, total) {
        long c = e % inner;
        long outer = e / inner / m;
        long src = ld_l(idx, id.dtype, vd_offset(&id, e));
        if (src < 0 || src >= n) {
            report_error(err, code, e);
            continue;
        }
        copy_elem(x, xd.dtype, vd_offset(&xd, (outer * n + src) * innerX + c), o, od.dtype, vd_offset(&od, e));
    }
}

// Keys for a 1-D index (index_add, segment ops): (index[p] << 32) | p; padding up to the sorted length.
kernel void ix_keys_index(long m, int n, global const uchar* idx, VDesc id, global ulong* keys, long padded,
                          global int* err, int code) {
    FOR_EACH(p, padded) {
        ulong key = NO_KEY;
        if (p < m) {
            long t = ld_l(idx, id.dtype, vd_offset(&id, p));
            if (t < 0 || t >= n) {
                report_error(err, code, p);
            } else {
                key = ((ulong) t << 32) | (ulong) p;
            }
        }
        keys[p] = key;
    }
}

// Keys for scatter_add: the target is the linear index into dst of element e of index.
kernel void ix_keys_scatter(long total, int m, long inner, long innerD, int n, global const uchar* idx, VDesc id,
                            global ulong* keys, long padded, global int* err, int code) {
    FOR_EACH(e, padded) {
        ulong key = NO_KEY;
        if (e < total) {
            long c = e % inner;
            long outer = e / inner / m;
            long t = ld_l(idx, id.dtype, vd_offset(&id, e));
            if (t < 0 || t >= n) {
                report_error(err, code, e);
            } else {
                key = ((ulong) ((outer * n + t) * innerD + c) << 32) | (ulong) e;
            }
        }
        keys[e] = key;
    }
}

// One compare-exchange step of a bitonic sort of keys (length a power of two).
kernel void ix_bitonic(global ulong* keys, uint j, uint k) {
    uint i = get_global_id(0);
    uint ixj = i ^ j;
    if (ixj > i) {
        ulong a = keys[i];
        ulong b = keys[ixj];
        int ascending = (i & k) == 0;
        if ((a > b) == ascending) {
            keys[i] = b;
            keys[ixj] = a;
        }
    }
}

inline int run_head(global const ulong* keys, long p, ulong limit) {
    ulong t = TARGET(keys[p]);
    return t < limit && (p == 0 || TARGET(keys[p - 1]) != t);
}

// Adds a to the accumulator the way the reference does: exact for integers, rounded to dst's type each step.
inline void acc_add(int ddt, float* af, long* al, global const uchar* src, int sdt, long so) {
    if (dt_integral(ddt)) {
        *al = dt_integral(sdt) ? *al + ld_l(src, sdt, so) : convert_long_sat_rtz((float) *al + ld_f(src, sdt, so));
    } else {
        *af = round_to(ddt, *af + ld_f(src, sdt, so));
    }
}

// dst[outer, t, c] += src[outer, i, c] for every i with index[i] == t, in increasing i. Grid: sorted position x
// (outer * inner) elements.
kernel void ix_index_add(long m, int n, long outer, long inner, global const ulong* keys, global uchar* dst, VDesc dd,
                         global const uchar* src, VDesc sd) {
    long p = get_global_id(0);
    if (p >= m || !run_head(keys, p, (ulong) n)) {
        return;
    }
    long t = (long) TARGET(keys[p]);
    for (long q = get_global_id(1); q < outer * inner; q += get_global_size(1)) {
        long o = q / inner;
        long c = q % inner;
        long di = vd_offset(&dd, (o * n + t) * inner + c);
        float af = dt_integral(dd.dtype) ? 0.0f : ld_f(dst, dd.dtype, di);
        long al = dt_integral(dd.dtype) ? ld_l(dst, dd.dtype, di) : 0;
        for (long r = p; r < m && (long) TARGET(keys[r]) == t; r++) {
            acc_add(dd.dtype, &af, &al, src, sd.dtype, vd_offset(&sd, (o * m + SOURCE(keys[r])) * inner + c));
        }
        if (dt_integral(dd.dtype)) {
            st_l(dst, dd.dtype, di, al);
        } else {
            st_f(dst, dd.dtype, di, af);
        }
    }
}

kernel void ix_scatter_add(long total, ulong dstNumel, global const ulong* keys, global uchar* dst, VDesc dd,
                           global const uchar* src, VDesc sd) {
    FOR_EACH(p, total) {
        if (!run_head(keys, p, dstNumel)) {
            continue;
        }
        ulong t = TARGET(keys[p]);
        long di = vd_offset(&dd, (long) t);
        float af = dt_integral(dd.dtype) ? 0.0f : ld_f(dst, dd.dtype, di);
        long al = dt_integral(dd.dtype) ? ld_l(dst, dd.dtype, di) : 0;
        for (long r = p; r < total && TARGET(keys[r]) == t; r++) {
            acc_add(dd.dtype, &af, &al, src, sd.dtype, vd_offset(&sd, SOURCE(keys[r])));
        }
        if (dt_integral(dd.dtype)) {
            st_l(dst, dd.dtype, di, al);
        } else {
            st_f(dst, dd.dtype, di, af);
        }
    }
}

// Softmax of x [rows, cols] over the rows of each segment, per column. Grid: sorted position x column.
kernel void ix_segment_softmax(long rows, int cols, int segments, global const ulong* keys, global const uchar* x,
                               VDesc xd, global uchar* o, VDesc od, float eps) {
    long p = get_global_id(0);
    int c = get_global_id(1);
    if (p >= rows || c >= cols || !run_head(keys, p, (ulong) segments)) {
        return;
    }
    ulong s = TARGET(keys[p]);
    float m = -INFINITY;
    long r = p;
    for (; r < rows && TARGET(keys[r]) == s; r++) {
        m = nan_max(m, ld_f(x, xd.dtype, vd_offset(&xd, SOURCE(keys[r]) * cols + c)));
    }
    long end = r;
    float sum = 0.0f;
    float comp = 0.0f;
    for (r = p; r < end; r++) {
        kahan_add(&sum, &comp, exp(ld_f(x, xd.dtype, vd_offset(&xd, SOURCE(keys[r]) * cols + c)) - m));
    }
    for (r = p; r < end; r++) {
        long e = SOURCE(keys[r]) * cols + c;
        st_f(o, od.dtype, vd_offset(&od, e), exp(ld_f(x, xd.dtype, vd_offset(&xd, e)) - m) / (sum + eps));
    }
}

kernel void ix_segment_softmax_backward(long rows, int cols, int segments, global const ulong* keys,
                                        global const uchar* y, VDesc yd, global const uchar* dy, VDesc dyd,
                                        global uchar* dx, VDesc dxd) {
    long p = get_global_id(0);
    int c = get_global_id(1);
    if (p >= rows || c >= cols || !run_head(keys, p, (ulong) segments)) {
        return;
    }
    ulong s = TARGET(keys[p]);
    float dot = 0.0f;
    float comp = 0.0f;
    long r = p;
    for (; r < rows && TARGET(keys[r]) == s; r++) {
        long e = SOURCE(keys[r]) * cols + c;
        kahan_add(&dot, &comp, ld_f(y, yd.dtype, vd_offset(&yd, e)) * ld_f(dy, dyd.dtype, vd_offset(&dyd, e)));
    }
    long end = r;
    for (r = p; r < end; r++) {
        long e = SOURCE(keys[r]) * cols + c;
        float yv = ld_f(y, yd.dtype, vd_offset(&yd, e));
        st_f(dx, dxd.dtype, vd_offset(&dxd, e), yv * (ld_f(dy, dyd.dtype, vd_offset(&dyd, e)) - dot));
    }
}
