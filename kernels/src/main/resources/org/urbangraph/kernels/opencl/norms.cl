// LayerNorm and RMSNorm over the last dimension, forward and backward. Rows: one work group each (statistics by a
// fixed tree, so deterministic). Weight and bias gradients: one work group per column summing over rows in order,
// then added into dWeight / dBias, so no two work items ever write one element.

kernel void nm_layernorm(int n, long rows, global const uchar* x, VDesc xr, long xs, global const uchar* w, VDesc wd,
                         int hasW, global const uchar* b, VDesc bd, int hasB, float eps, global uchar* o, VDesc orr,
                         long os, global uchar* mean, VDesc md, int hasMean, global uchar* rstd, VDesc rd,
                         int hasRstd) {
    local float sv[WG_MAX];
    int lid = get_local_id(0);
    int wg = get_local_size(0);
    for (long r = get_group_id(0); r < rows; r += get_num_groups(0)) {
        long xb = vd_offset(&xr, r);
        long ob = vd_offset(&orr, r);
        float s = 0.0f;
        float c = 0.0f;
        for (int j = lid; j < n; j += wg) {
            kahan_add(&s, &c, ld_f(x, xr.dtype, xb + j * xs));
        }
        float mu = wg_sum(sv, s) / (float) n;
        s = 0.0f;
        c = 0.0f;
        for (int j = lid; j < n; j += wg) {
            float d = ld_f(x, xr.dtype, xb + j * xs) - mu;
            kahan_add(&s, &c, d * d);
        }
        float var = wg_sum(sv, s) / (float) n;
        float rs = 1.0f / sqrt(var + eps);
        for (int j = lid; j < n; j += wg) {
            float v = (ld_f(x, xr.dtype, xb + j * xs) - mu) * rs;
            if (hasW) {
                v *= ld_f(w, wd.dtype, vd_offset(&wd, j));
            }
            if (hasB) {
                v += ld_f(b, bd.dtype, vd_offset(&bd, j));
            }
            st_f(o, orr.dtype, ob + j * os, v);
        }
        if (lid == 0) {
            if (hasMean) {
                st_f(mean, md.dtype, vd_offset(&md, r), mu);
            }
            if (hasRstd) {
                st_f(rstd, rd.dtype, vd_offset(&rd, r), rs);
            }
        }
    }
}

kernel void nm_layernorm_dx(int n, long rows, global const uchar* x, VDesc xr, long xs, global const uchar* w,
                            VDesc wd, int hasW, global const uchar* mean, VDesc md, global const uchar* rstd, VDesc rd,
                            global const uchar* dy, VDesc gr, long gs, global uchar* dx, VDesc dr, long ds) {
    local float sv[WG_MAX];
    int lid = get_local_id(0);
    int wg = get_local_size(0);
    for (long r = get_group_id(0); r < rows; r += get_num_groups(0)) {
        long xb = vd_offset(&xr, r);
        long gb = vd_offset(&gr, r);
        long db = vd_offset(&dr, r);
        float mu = ld_f(mean, md.dtype, vd_offset(&md, r));
        float rs = ld_f(rstd, rd.dtype, vd_offset(&rd, r));
        float s1 = 0.0f, c1 = 0.0f, s2 = 0.0f, c2 = 0.0f;
        for (int j = lid; j < n; j += wg) {
            float xhat = (ld_f(x, xr.dtype, xb + j * xs) - mu) * rs;
            float gw = ld_f(dy, gr.dtype, gb + j * gs);
            if (hasW) {
                gw *= ld_f(w, wd.dtype, vd_offset(&wd, j));
            }
            kahan_add(&s1, &c1, gw);
            kahan_add(&s2, &c2, gw * xhat);
        }
        float sumG = wg_sum(sv, s1);
        float sumGx = wg_sum(sv, s2);
        for (int j = lid; j < n; j += wg) {
            float xhat = (ld_f(x, xr.dtype, xb + j * xs) - mu) * rs;
            float gw = ld_f(dy, gr.dtype, gb + j * gs);
            if (hasW) {
                gw *= ld_f(w, wd.dtype, vd_offset(&wd, j));
            }
            st_f(dx, dr.dtype, db + j * ds, rs * (gw - sumG / (float) n - xhat * sumGx / (float) n));
        }
    }
}

// dWeight[j] += sum_r dy * xhat and dBias[j] += sum_r dy; for RMSNorm (mean absent) xhat = x * rstd.
kernel void nm_norm_dwb(int n, long rows, global const uchar* x, VDesc xr, long xs, global const uchar* mean, VDesc md,
                        int hasMean, global const uchar* rstd, VDesc rd, global const uchar* dy, VDesc gr, long gs,
                        global uchar* dw, VDesc dwd, int hasDw, global uchar* db, VDesc dbd, int hasDb) {
    local float sv[WG_MAX];
    int lid = get_local_id(0);
    int wg = get_local_size(0);
    for (long j = get_group_id(0); j < n; j += get_num_groups(0)) {
        float s1 = 0.0f, c1 = 0.0f, s2 = 0.0f, c2 = 0.0f;
        for (long r = lid; r < rows; r += wg) {
            float mu = hasMean ? ld_f(mean, md.dtype, vd_offset(&md, r)) : 0.0f;
            float rs = ld_f(rstd, rd.dtype, vd_offset(&rd, r));
            float xhat = (ld_f(x, xr.dtype, vd_offset(&xr, r) + j * xs) - mu) * rs;
            float g = ld_f(dy, gr.dtype, vd_offset(&gr, r) + j * gs);
            kahan_add(&s1, &c1, g * xhat);
            kahan_add(&s2, &c2, g);
        }
        float sw = wg_sum(sv, s1);
        float sb = wg_sum(sv, s2);
        if (lid == 0) {
            if (hasDw) {
                long o = vd_offset(&dwd, j);
                st_f(dw, dwd.dtype, o, ld_f(dw, dwd.dtype, o) + sw);
            }
            if (hasDb) {
                long o = vd_offset(&dbd, j);
                st_f(db, dbd.dtype, o, ld_f(db, dbd.dtype, o) + sb);
            }
        }
    }
}

kernel void nm_rmsnorm(int n, long rows, global const uchar* x, VDesc xr, long xs, global const uchar* w, VDesc wd,
                       int hasW, float eps, global uchar* o, VDesc orr, long os, global uchar* rstd, VDesc rd,
                       int hasRstd) {
    local float sv[WG_MAX];
    int lid = get_local_id(0);
    int wg = get_local_size(0);
    for (long r = get_group_id(0); r < rows; r += get_num_groups(0)) {
        long xb = vd_offset(&xr, r);
        long ob = vd_offset(&orr, r);
        float s = 0.0f;
        float c = 0.0f;
        for (int j = lid; j < n; j += wg) {
            float v = ld_f(x, xr.dtype, xb + j * xs);
            kahan_add(&s, &c, v * v);
        }
        float rs = 1.0f / sqrt(wg_sum(sv, s) / (float) n + eps);
        for (int j = lid; j < n; j += wg) {
            float v = ld_f(x, xr.dtype, xb + j * xs) * rs;
            if (hasW) {
                v *= ld_f(w, wd.dtype, vd_offset(&wd, j));
            }
            st_f(o, orr.dtype, ob + j * os, v);
        }
        if (lid == 0 && hasRstd) {
            st_f(rstd, rd.dtype, vd_offset(&rd, r), rs);
        }
    }
}

kernel void nm_rmsnorm_dx(int n, long rows, global const uchar* x, VDesc xr, long xs, global const uchar* w, VDesc wd,
                          int hasW, global const uchar* rstd, VDesc rd, global const uchar* dy, VDesc gr, long gs,
                          global uchar* dx, VDesc dr, long ds) {
    local float sv[WG_MAX];
    int lid = get_local_id(0);
    int wg = get_local_size(0);
    for (long r = get_group_id(0); r < rows; r += get_num_groups(0)) {
        long xb = vd_offset(&xr, r);
        long gb = vd_offset(&gr, r);
        long db = vd_offset(&dr, r);
        float rs = ld_f(rstd, rd.dtype, vd_offset(&rd, r));
        float s = 0.0f;
        float c = 0.0f;
        for (int j = lid; j < n; j += wg) {
            float gw = ld_f(dy, gr.dtype, gb + j * gs);
            if (hasW) {
                gw *= ld_f(w, wd.dtype, vd_offset(&wd, j));
            }
            kahan_add(&s, &c, gw * ld_f(x, xr.dtype, xb + j * xs));
        }
        float dot = wg_sum(sv, s);
        for (int j = lid; j < n; j += wg) {
            float xv = ld_f(x, xr.dtype, xb + j * xs);
            float gw = ld_f(dy, gr.dtype, gb + j * gs);
            if (hasW) {
                gw *= ld_f(w, wd.dtype, vd_offset(&wd, j));
            }
            st_f(dx, dr.dtype, db + j * ds, rs * gw - xv * rs * rs * rs * dot / (float) n);
        }
    }
}
