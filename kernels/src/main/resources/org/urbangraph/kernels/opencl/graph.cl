// The fused edge kernels of graph attention: GATv2 logits and their gradients, the weighted aggregation of messages
// over edges and its gradients. No [E, H, C] edge tensor is built: each work item recomputes the edge sums it needs.
//
// Per-node sums are deterministic without atomics: the host sorts keys (node << 32) | edge (index.cl's bitonic
// sort), and the work item of (node, column) finds its node's run by binary search and adds the run in increasing
// edge order. The host checks both id vectors first (graph_check_ids reports the smallest bad position through the
// error flag); the compute kernels skip a bad id rather than read outside a buffer when checks are deferred.

#define FOR_EACH(e, n) for (long e = get_global_id(0); e < (n); e += get_global_size(0))
#define KEY_NODE(key) ((key) >> 32)
#define KEY_EDGE(key) ((long) ((key) & 0xFFFFFFFFUL))

inline long at2(const VDesc* d, long a, long b) {
    return d->off + a * d->st[0] + b * d->st[1];
}

inline long at3(const VDesc* d, long a, long b, long c) {
    return d->off + a * d->st[0] + b * d->st[1] + c * d->st[2];
}

// The first sorted position whose node is >= node (keys of absent positions are all ones and sort last).
inline long run_start(global const ulong* keys, long m, ulong node) {
    long lo = 0;
    long hi = m;
    while (lo < hi) {
        long mid = (lo + hi) >> 1;
        if (KEY_NODE(keys[mid]) < node) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

kernel void graph_check_ids(long m, int n, global const uchar* idx, VDesc id, global int* err, int code) {
    FOR_EACH(p, m) {
        long v = ld_l(idx, id.dtype, vd_offset(&id, p));
        if (v < 0 || v >= n) {
            report_error(err, code, p);
        }
    }
}

inline int bad_edge(long s, long d, int ns, int nt) {
    return s < 0 || s >= ns || d < 0 || d >= nt;
}

inline float leaky(float z, float slope) {
    return z > 0.0f ? z : z * slope;
}

// xl[s, h, c] + xr[d, h, c] (+ p[e, h, c])
inline float edge_sum(global const uchar* xl, const VDesc* xld, global const uchar* xr, const VDesc* xrd,
                      global const uchar* p, const VDesc* pd, int hasP, long s, long d, long e, int h, int c) {
    float z = ld_f(xl, xld->dtype, at3(xld, s, h, c)) + ld_f(xr, xrd->dtype, at3(xrd, d, h, c));
    return hasP ? z + ld_f(p, pd->dtype, at3(pd, e, h, c)) : z;
}

// logits[e, h] = sum_c leaky(edge_sum) * att[h, c]. Grid: edges x heads, grid-stride.
kernel void gat_logits(long edges, int heads, int ch, int ns, int nt, global const uchar* xl, VDesc xld,
                       global const uchar* xr, VDesc xrd, global const uchar* p, VDesc pd, int hasP,
                       global const uchar* src, VDesc sd, global const uchar* dst, VDesc dd, global const uchar* att,
                       VDesc ad, float slope, global uchar* logits, VDesc ld) {
    FOR_EACH(i, edges * heads) {
        long e = i / heads;
        int h = (int) (i % heads);
        long s = ld_l(src, sd.dtype, vd_offset(&sd, e));
        long d = ld_l(dst, dd.dtype, vd_offset(&dd, e));
        if (bad_edge(s, d, ns, nt)) {
            continue;
        }
        float sum = 0.0f;
        float comp = 0.0f;
        for (int c = 0; c < ch; c++) {
            float z = edge_sum(xl, &xld, xr, &xrd, p, &pd, hasP, s, d, e, h, c);
            kahan_add(&sum, &comp, leaky(z, slope) * ld_f(att, ad.dtype, at2(&ad, h, c)));
        }
        st_f(logits, ld.dtype, at2(&ld, e, h), sum);
    }
}

// d logit / d edge_sum for one edge and column: dLogits[e, h] * att[h, c] * leaky'(z)
inline float edge_grad(global const uchar* xl, const VDesc* xld, global const uchar* xr, const VDesc* xrd,
                       global const uchar* p, const VDesc* pd, int hasP, global const uchar* att, const VDesc* ad,
                       global const uchar* dl, const VDesc* dld, float slope, long s, long d, long e, int h, int c) {
    float z = edge_sum(xl, xld, xr, xrd, p, pd, hasP, s, d, e, h, c);
    float scaled = ld_f(att, ad->dtype, at2(ad, h, c)) * ld_f(dl, dld->dtype, at2(dld, e, h));
    return z > 0.0f ? scaled : scaled * slope;
}

// dxl (bySource) or dxr: out[n, h, c] = sum over the node's edges, in edge order, of edge_grad. Grid: nodes x (H*C).
kernel void gat_logits_dnode(long edges, int nodes, int heads, int ch, int ns, int nt, global const ulong* keys,
                             global const uchar* xl, VDesc xld, global const uchar* xr, VDesc xrd,
                             global const uchar* p, VDesc pd, int hasP, global const uchar* src, VDesc sd,
                             global const uchar* dst, VDesc dd, global const uchar* att, VDesc ad,
                             global const uchar* dl, VDesc dld, float slope, global uchar* out, VDesc od) {
    long n = get_global_id(0);
    int j = get_global_id(1);
    if (n >= nodes || j >= heads * ch) {
        return;
    }
    int h = j / ch;
    int c = j % ch;
    float sum = 0.0f;
    float comp = 0.0f;
    for (long r = run_start(keys, edges, (ulong) n); r < edges && KEY_NODE(keys[r]) == (ulong) n; r++) {
        long e = KEY_EDGE(keys[r]);
        long s = ld_l(src, sd.dtype, vd_offset(&sd, e));
        long d = ld_l(dst, dd.dtype, vd_offset(&dd, e));
        if (bad_edge(s, d, ns, nt)) {
            continue;
        }
        kahan_add(&sum, &comp, edge_grad(xl, &xld, xr, &xrd, p, &pd, hasP, att, &ad, dl, &dld, slope, s, d, e, h, c));
    }
    st_f(out, od.dtype, at3(&od, n, h, c), sum);
}

// dp[e, h, c] = edge_grad. Grid: edges x (H*C), grid-stride.
kernel void gat_logits_dp(long edges, int heads, int ch, int ns, int nt, global const uchar* xl, VDesc xld,
                          global const uchar* xr, VDesc xrd, global const uchar* p, VDesc pd, int hasP,
                          global const uchar* src, VDesc sd,
                          global const uchar* dst, VDesc dd, global const uchar* att, VDesc ad,
                          global const uchar* dl, VDesc dld, float slope, global uchar* out, VDesc od) {
    long hc = (long) heads * ch;
    FOR_EACH(i, edges * hc) {
        long e = i / hc;
        int h = (int) (i % hc) / ch;
        int c = (int) (i % hc) % ch;
        long s = ld_l(src, sd.dtype, vd_offset(&sd, e));
        long d = ld_l(dst, dd.dtype, vd_offset(&dd, e));
        float g = bad_edge(s, d, ns, nt) ? 0.0f
                : edge_grad(xl, &xld, xr, &xrd, p, &pd, hasP, att, &ad, dl, &dld, slope, s, d, e, h, c);
        st_f(out, od.dtype, at3(&od, e, h, c), g);
    }
}

// dAtt[h, c] = sum over all edges, in order, of dLogits[e, h] * leaky(z). Grid: H*C, grid-stride.
kernel void gat_logits_datt(long edges, int heads, int ch, int ns, int nt, global const uchar* xl, VDesc xld,
                            global const uchar* xr, VDesc xrd, global const uchar* p, VDesc pd, int hasP,
                          global const uchar* src, VDesc sd,
                            global const uchar* dst, VDesc dd, global const uchar* dl, VDesc dld, float slope,
                            global uchar* out, VDesc od) {
    FOR_EACH(j, (long) heads * ch) {
        int h = (int) (j / ch);
        int c = (int) (j % ch);
        float sum = 0.0f;
        float comp = 0.0f;
        for (long e = 0; e < edges; e++) {
            long s = ld_l(src, sd.dtype, vd_offset(&sd, e));
            long d = ld_l(dst, dd.dtype, vd_offset(&dd, e));
            if (bad_edge(s, d, ns, nt)) {
                continue;
            }
            float z = edge_sum(xl, &xld, xr, &xrd, p, &pd, hasP, s, d, e, h, c);
            kahan_add(&sum, &comp, ld_f(dl, dld.dtype, at2(&dld, e, h)) * leaky(z, slope));
        }
        st_f(out, od.dtype, at2(&od, h, c), sum);
    }
}

// out[t, h, c] (or, with meanHeads, out[t, c] averaged over h) = sum over the edges into t, in edge order, of
// weight[e, h] * x[src, h, c]. Grid: nodes x width (H*C, or C with meanHeads).
kernel void edge_aggregate(long edges, int nodes, int heads, int ch, int ns, int meanHeads,
                           global const ulong* keys,
                           global const uchar* x, VDesc xd, global const uchar* w, VDesc wd,
                           global const uchar* src, VDesc sd, global uchar* out, VDesc od) {
    long t = get_global_id(0);
    int j = get_global_id(1);
    int width = meanHeads ? ch : heads * ch;
    if (t >= nodes || j >= width) {
        return;
    }
    int h0 = meanHeads ? 0 : j / ch;
    int h1 = meanHeads ? heads : h0 + 1;
    int c = j % ch;
    float sum = 0.0f;
    float comp = 0.0f;
    for (long r = run_start(keys, edges, (ulong) t); r < edges && KEY_NODE(keys[r]) == (ulong) t; r++) {
        long e = KEY_EDGE(keys[r]);
        long s = ld_l(src, sd.dtype, vd_offset(&sd, e));
        if (s < 0 || s >= ns) {
            continue;
        }
        for (int h = h0; h < h1; h++) {
            kahan_add(&sum, &comp, ld_f(w, wd.dtype, at2(&wd, e, h)) * ld_f(x, xd.dtype, at3(&xd, s, h, c)));
        }
    }
    if (meanHeads) {
        st_f(out, od.dtype, at2(&od, t, c), sum / (float) heads);
    } else {
        st_f(out, od.dtype, at3(&od, t, h0, c), sum);
    }
}

inline float d_out(global const uchar* g, const VDesc* gd, int meanHeads, int heads, long d, int h, int c) {
    return meanHeads ? ld_f(g, gd->dtype, at2(gd, d, c)) / (float) heads : ld_f(g, gd->dtype, at3(gd, d, h, c));
}

// dx[s, h, c] = sum over the edges leaving s, in edge order, of weight[e, h] * dOut[dst, h, c]. Grid: nodes x (H*C).
kernel void edge_aggregate_dx(long edges, int nodes, int heads, int ch, int nt, int meanHeads,
                              global const ulong* keys,
                              global const uchar* w, VDesc wd, global const uchar* dst, VDesc dd,
                              global const uchar* g, VDesc gd, global uchar* out, VDesc od) {
    long s = get_global_id(0);
    int j = get_global_id(1);
    if (s >= nodes || j >= heads * ch) {
        return;
    }
    int h = j / ch;
    int c = j % ch;
    float sum = 0.0f;
    float comp = 0.0f;
    for (long r = run_start(keys, edges, (ulong) s); r < edges && KEY_NODE(keys[r]) == (ulong) s; r++) {
        long e = KEY_EDGE(keys[r]);
        long d = ld_l(dst, dd.dtype, vd_offset(&dd, e));
        if (d < 0 || d >= nt) {
            continue;
        }
        kahan_add(&sum, &comp, ld_f(w, wd.dtype, at2(&wd, e, h)) * d_out(g, &gd, meanHeads, heads, d, h, c));
    }
    st_f(out, od.dtype, at3(&od, s, h, c), sum);
}

// dWeight[e, h] = sum_c dOut[dst, h, c] * x[src, h, c]. Grid: edges x heads, grid-stride.
kernel void edge_aggregate_dw(long edges, int heads, int ch, int ns, int nt, int meanHeads, global const uchar* x,
                              VDesc xd, global const uchar* src, VDesc sd, global const uchar* dst, VDesc dd,
                              global const uchar* g, VDesc gd, global uchar* out, VDesc od) {
    FOR_EACH(i, edges * heads) {
        long e = i / heads;
        int h = (int) (i % heads);
        long s = ld_l(src, sd.dtype, vd_offset(&sd, e));
        long d = ld_l(dst, dd.dtype, vd_offset(&dd, e));
        float sum = 0.0f;
        float comp = 0.0f;
        for (int c = 0; c < ch && !bad_edge(s, d, ns, nt); c++) {
            kahan_add(&sum, &comp, d_out(g, &gd, meanHeads, heads, d, h, c) * ld_f(x, xd.dtype, at3(&xd, s, h, c)));
        }
        st_f(out, od.dtype, at2(&od, e, h), sum);
    }
}
