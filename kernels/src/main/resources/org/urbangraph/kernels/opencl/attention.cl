// Fused scaled-dot-product attention, forward and backward, without a score matrix in memory.
//
// Compile-time constants: DMAX (head dimension rounded up; q, k and v rows are zero-padded to it), BK (rows of the
// other operand staged per tile in local memory) and BQ (work items per group, one row each).
//
// Forward: a group takes BQ query rows of one (batch, head); key and value tiles pass through local memory and each
// work item keeps an online softmax (running max m, sum l, output accumulator) in private memory. Backward follows
// FlashAttention-2: delta = rowsum(dOut * out); dq per query row over key tiles; dk and dv per key row over the query
// rows of every query head that shares the key head (grouped-query attention), in a fixed order, so no atomics.
//
// Masks (all combine): causal with the key range shifted by Lk - Lq, key padding [B, Lk] (0 = never attended),
// query / key segment ids [B, Lq] / [B, Lk] (a query sees keys of its own segment only), and a sliding window
// (query i sees key j only if j > i + shift - window; the host passes it in the bits above the causal flag).

#ifndef DMAX
#define DMAX 64
#endif
#ifndef BK
#define BK 32
#endif
#ifndef BQ
#define BQ 64
#endif

inline long at4(const VDesc* d, int a, int b, int c, int e) {
    return d->off + a * d->st[0] + b * d->st[1] + c * d->st[2] + e * d->st[3];
}

inline long at3(const VDesc* d, int a, int b, int c) {
    return d->off + a * d->st[0] + b * d->st[1] + c * d->st[2];
}

inline long at2(const VDesc* d, int a, int b) {
    return d->off + a * d->st[0] + b * d->st[1];
}

// Loads BK rows (starting at j0) of a [B, H, L, dim] tensor into a zero-padded local tile.
inline void load_tile(local float (*tile)[DMAX], global const uchar* p, const VDesc* d, int b, int h, int j0, int len,
                      int dim) {
    for (int e = get_local_id(0); e < BK * DMAX; e += get_local_size(0)) {
        int jj = e / DMAX;
        int c = e % DMAX;
        int j = j0 + jj;
        tile[jj][c] = (j < len && c < dim) ? ld_f(p, d->dtype, at4(d, b, h, j, c)) : 0.0f;
    }
}

// Key flags of one tile: kok (in range and not padded) and the key segment ids.
inline void load_key_flags(local int* kok, local long* kseg, int b, int j0, int Lk, global const uchar* kp,
                           const VDesc* kpd, int hasKp, global const uchar* ks, const VDesc* ksd, int hasSeg) {
    for (int jj = get_local_id(0); jj < BK; jj += get_local_size(0)) {
        int j = j0 + jj;
        int ok = j < Lk;
        if (ok && hasKp) {
            ok = ld_l(kp, kpd->dtype, at2(kpd, b, j)) != 0;
        }
        kok[jj] = ok;
        kseg[jj] = (ok && hasSeg) ? ld_l(ks, ksd->dtype, at2(ksd, b, j)) : 0;
    }
}

kernel void attn_fwd(int Hq, int Hk, int Lq, int Lk, int D, int Dv, float scale, global const uchar* q, VDesc qd,
                     global const uchar* k, VDesc kd, global const uchar* v, VDesc vd, global uchar* o, VDesc od,
                     global uchar* lse, VDesc ld, int hasLse, int causal, global const uchar* kp, VDesc kpd, int hasKp,
                     global const uchar* qs, VDesc qsd, global const uchar* ks, VDesc ksd, int hasSeg) {
    local float Ks[BK][DMAX];
    local float Vs[BK][DMAX];
    local int kok[BK];
    local long kseg[BK];
    int lid = get_local_id(0);
    int i0 = get_group_id(0) * BQ;
    int i = i0 + lid;
    int bh = get_group_id(1);
    int b = bh / Hq;
    int h = bh % Hq;
    int hk = h / (Hq / Hk);
    int active = i < Lq;
    int shift = Lk - Lq;
    int window = causal >> 1;  // the host packs the sliding window into the bits above the causal flag
    causal &= 1;
    float qv[DMAX];
    float acc[DMAX];
    float sc[BK];
    for (int c = 0; c < DMAX; c++) {
        qv[c] = (active && c < D) ? ld_f(q, qd.dtype, at4(&qd, b, h, i, c)) : 0.0f;
        acc[c] = 0.0f;
    }
    long qseg = (active && hasSeg) ? ld_l(qs, qsd.dtype, at2(&qsd, b, i)) : 0;
    float m = -INFINITY;
    float l = 0.0f;
    int end = Lk;
    if (causal) {
        end = clamp(min(Lq - 1, i0 + BQ - 1) + shift + 1, 0, Lk);
    }
    for (int j0 = 0; j0 < end; j0 += BK) {
        load_tile(Ks, k, &kd, b, hk, j0, Lk, D);
        load_tile(Vs, v, &vd, b, hk, j0, Lk, Dv);
        load_key_flags(kok, kseg, b, j0, Lk, kp, &kpd, hasKp, ks, &ksd, hasSeg);
        barrier(CLK_LOCAL_MEM_FENCE);
        if (active) {
            float tmax = -INFINITY;
            for (int jj = 0; jj < BK; jj++) {
                int j = j0 + jj;
                float s = -INFINITY;
                if (kok[jj] && (!causal || j <= i + shift) && (window <= 0 || j > i + shift - window)
                    && (!hasSeg || kseg[jj] == qseg)) {
                    float dot = 0.0f;
                    for (int c = 0; c < DMAX; c++) {
                        dot = mad(qv[c], Ks[jj][c], dot);
                    }
                    s = dot * scale;
                }
                sc[jj] = s;
                tmax = fmax(tmax, s);
            }
            if (tmax > -INFINITY) {
                float mnew = fmax(m, tmax);
                float corr = exp(m - mnew);
                l *= corr;
                for (int c = 0; c < DMAX; c++) {
                    acc[c] *= corr;
                }
                for (int jj = 0; jj < BK; jj++) {
                    if (sc[jj] > -INFINITY) {
                        float p = exp(sc[jj] - mnew);
                        l += p;
                        for (int c = 0; c < DMAX; c++) {
                            acc[c] = mad(p, Vs[jj][c], acc[c]);
                        }
                    }
                }
                m = mnew;
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (active) {
        float inv = l > 0.0f ? 1.0f / l : 0.0f;
        for (int c = 0; c < Dv; c++) {
            st_f(o, od.dtype, at4(&od, b, h, i, c), acc[c] * inv);
        }
        if (hasLse) {
            st_f(lse, ld.dtype, at3(&ld, b, h, i), l > 0.0f ? m + log(l) : -INFINITY);
        }
    }
}

// delta[b, h, i] = sum_c dOut * out, into a contiguous F32 buffer.
kernel void attn_bwd_delta(int Hq, int Lq, int Dv, global const uchar* o, VDesc od, global const uchar* dO, VDesc dod,
                           global float* delta, long rows) {
    for (long r = get_global_id(0); r < rows; r += get_global_size(0)) {
        int i = (int) (r % Lq);
        int bh = (int) (r / Lq);
        int b = bh / Hq;
        int h = bh % Hq;
        float s = 0.0f;
        for (int c = 0; c < Dv; c++) {
            s = mad(ld_f(dO, dod.dtype, at4(&dod, b, h, i, c)), ld_f(o, od.dtype, at4(&od, b, h, i, c)), s);
        }
        delta[r] = s;
    }
}

kernel void attn_bwd_dq(int Hq, int Hk, int Lq, int Lk, int D, int Dv, float scale, global const uchar* q, VDesc qd,
                        global const uchar* k, VDesc kd, global const uchar* v, VDesc vd, global const uchar* lse,
                        VDesc ld, global const float* delta, global const uchar* dO, VDesc dod, global uchar* dq,
                        VDesc dqd, int causal, global const uchar* kp, VDesc kpd, int hasKp, global const uchar* qs,
                        VDesc qsd, global const uchar* ks, VDesc ksd, int hasSeg) {
    local float Ks[BK][DMAX];
    local float Vs[BK][DMAX];
    local int kok[BK];
    local long kseg[BK];
    int lid = get_local_id(0);
    int i0 = get_group_id(0) * BQ;
    int i = i0 + lid;
    int bh = get_group_id(1);
    int b = bh / Hq;
    int h = bh % Hq;
    int hk = h / (Hq / Hk);
    int active = i < Lq;
    int shift = Lk - Lq;
    int window = causal >> 1;  // the host packs the sliding window into the bits above the causal flag
    causal &= 1;
    float qv[DMAX];
    float dov[DMAX];
    float g[DMAX];
    for (int c = 0; c < DMAX; c++) {
        qv[c] = (active && c < D) ? ld_f(q, qd.dtype, at4(&qd, b, h, i, c)) : 0.0f;
        dov[c] = (active && c < Dv) ? ld_f(dO, dod.dtype, at4(&dod, b, h, i, c)) : 0.0f;
        g[c] = 0.0f;
    }
    float li = active ? ld_f(lse, ld.dtype, at3(&ld, b, h, i)) : -INFINITY;
    float di = active ? delta[((long) b * Hq + h) * Lq + i] : 0.0f;
    long qseg = (active && hasSeg) ? ld_l(qs, qsd.dtype, at2(&qsd, b, i)) : 0;
    int end = Lk;
    if (causal) {
        end = clamp(min(Lq - 1, i0 + BQ - 1) + shift + 1, 0, Lk);
    }
    for (int j0 = 0; j0 < end; j0 += BK) {
        load_tile(Ks, k, &kd, b, hk, j0, Lk, D);
        load_tile(Vs, v, &vd, b, hk, j0, Lk, Dv);
        load_key_flags(kok, kseg, b, j0, Lk, kp, &kpd, hasKp, ks, &ksd, hasSeg);
        barrier(CLK_LOCAL_MEM_FENCE);
        if (active && li > -INFINITY) {
            for (int jj = 0; jj < BK; jj++) {
                int j = j0 + jj;
                if (!(kok[jj] && (!causal || j <= i + shift) && (window <= 0 || j > i + shift - window)
                      && (!hasSeg || kseg[jj] == qseg))) {
                    continue;
                }
                float dot = 0.0f;
                float dp = 0.0f;
                for (int c = 0; c < DMAX; c++) {
                    dot = mad(qv[c], Ks[jj][c], dot);
                    dp = mad(dov[c], Vs[jj][c], dp);
                }
                float p = exp(dot * scale - li);
                float ds = p * (dp - di);
                for (int c = 0; c < DMAX; c++) {
                    g[c] = mad(ds, Ks[jj][c], g[c]);
                }
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (active) {
        for (int c = 0; c < D; c++) {
            st_f(dq, dqd.dtype, at4(&dqd, b, h, i, c), g[c] * scale);
        }
    }
}

kernel void attn_bwd_dkdv(int Hq, int Hk, int Lq, int Lk, int D, int Dv, float scale, global const uchar* q, VDesc qd,
                          global const uchar* k, VDesc kd, global const uchar* v, VDesc vd, global const uchar* lse,
                          VDesc ld, global const float* delta, global const uchar* dO, VDesc dod, global uchar* dk,
                          VDesc dkd, global uchar* dv, VDesc dvd, int causal, global const uchar* kp, VDesc kpd,
                          int hasKp, global const uchar* qs, VDesc qsd, global const uchar* ks, VDesc ksd,
                          int hasSeg) {
    local float Qs[BK][DMAX];
    local float Os[BK][DMAX];
    local float lq[BK];
    local float dq[BK];
    local long qseg[BK];
    int lid = get_local_id(0);
    int j0g = get_group_id(0) * BQ;
    int j = j0g + lid;
    int bh = get_group_id(1);
    int b = bh / Hk;
    int hk = bh % Hk;
    int group = Hq / Hk;
    int shift = Lk - Lq;
    int window = causal >> 1;  // the host packs the sliding window into the bits above the causal flag
    causal &= 1;
    int active = j < Lk;
    if (active && hasKp) {
        active = ld_l(kp, kpd.dtype, at2(&kpd, b, j)) != 0;
    }
    long kseg = (active && hasSeg) ? ld_l(ks, ksd.dtype, at2(&ksd, b, j)) : 0;
    float kv[DMAX];
    float vv[DMAX];
    float gk[DMAX];
    float gv[DMAX];
    for (int c = 0; c < DMAX; c++) {
        kv[c] = (j < Lk && c < D) ? ld_f(k, kd.dtype, at4(&kd, b, hk, j, c)) : 0.0f;
        vv[c] = (j < Lk && c < Dv) ? ld_f(v, vd.dtype, at4(&vd, b, hk, j, c)) : 0.0f;
        gk[c] = 0.0f;
        gv[c] = 0.0f;
    }
    // causal: query i sees key j when j <= i + shift, so queries before j0g - shift see no key of this group
    int start = causal ? max(0, j0g - shift) : 0;
    start = (start / BK) * BK;
    for (int h = hk * group; h < (hk + 1) * group; h++) {
        for (int i0 = start; i0 < Lq; i0 += BK) {
            load_tile(Qs, q, &qd, b, h, i0, Lq, D);
            load_tile(Os, dO, &dod, b, h, i0, Lq, Dv);
            for (int ii = lid; ii < BK; ii += get_local_size(0)) {
                int i = i0 + ii;
                lq[ii] = i < Lq ? ld_f(lse, ld.dtype, at3(&ld, b, h, i)) : -INFINITY;
                dq[ii] = i < Lq ? delta[((long) b * Hq + h) * Lq + i] : 0.0f;
                qseg[ii] = (i < Lq && hasSeg) ? ld_l(qs, qsd.dtype, at2(&qsd, b, i)) : 0;
            }
            barrier(CLK_LOCAL_MEM_FENCE);
            if (active) {
                for (int ii = 0; ii < BK; ii++) {
                    int i = i0 + ii;
                    if (i >= Lq || lq[ii] == -INFINITY || (causal && j > i + shift) || (window > 0 && j <= i + shift - window)
                        || (hasSeg && qseg[ii] != kseg)) {
                        continue;
                    }
                    float dot = 0.0f;
                    float dp = 0.0f;
                    for (int c = 0; c < DMAX; c++) {
                        dot = mad(Qs[ii][c], kv[c], dot);
                        dp = mad(Os[ii][c], vv[c], dp);
                    }
                    float p = exp(dot * scale - lq[ii]);
                    float ds = p * (dp - dq[ii]);
                    for (int c = 0; c < DMAX; c++) {
                        gv[c] = mad(p, Os[ii][c], gv[c]);
                        gk[c] = mad(ds, Qs[ii][c], gk[c]);
                    }
                }
            }
            barrier(CLK_LOCAL_MEM_FENCE);
        }
    }
    if (j < Lk) {
        for (int c = 0; c < D; c++) {
            st_f(dk, dkd.dtype, at4(&dkd, b, hk, j, c), gk[c] * scale);
        }
        for (int c = 0; c < Dv; c++) {
            st_f(dv, dvd.dtype, at4(&dvd, b, hk, j, c), gv[c]);
        }
    }
}
