// Tiled, batched GEMM: C = alpha * A @ B + beta * C for A [M, K] (F32), B [K, N] (F32, BF16 or F16, chosen at compile
// time by B_KIND and widened while a tile is loaded, so weights are never copied to F32), C [M, N] (F32), each with
// its own strides (either operand may be transposed) and batch stride. A 16 x 16 work group computes a 64 x 64 tile
// of C, each work item a 4 x 4 block, from 64 x 16 / 16 x 64 tiles of A and B staged in local memory.

#ifndef B_KIND
#define B_KIND 0
#endif
#if B_KIND == 0
#define B_PTR global const float*
#define LOAD_B(p, i) ((p)[i])
#elif B_KIND == 1
#define B_PTR global const ushort*
#define LOAD_B(p, i) bf16_to_float((p)[i])
#else
#define B_PTR global const half*
#define LOAD_B(p, i) vload_half((i), (p))
#endif

#define TM 64
#define TN 64
#define TK 16
#define WX 16
#define WY 16
#define RM (TM / WY)
#define RN (TN / WX)

__attribute__((reqd_work_group_size(WX, WY, 1)))
kernel void gemm(int M, int N, int K, global const float* A, long aoff, long abs, long ams, long aks, B_PTR B,
                 long boff, long bbs, long bks, long bns, global float* C, long coff, long cbs, long cms, long cns,
                 float alpha, float beta) {
    local float As[TK][TM + 1];
    local float Bs[TK][TN + 1];
    int tx = get_local_id(0);
    int ty = get_local_id(1);
    int lid = ty * WX + tx;
    int m0 = get_group_id(1) * TM;
    int n0 = get_group_id(0) * TN;
    long batch = get_global_id(2);
    long abase = aoff + batch * abs;
    long bbase = boff + batch * bbs;
    float acc[RM][RN];
    for (int r = 0; r < RM; r++) {
        for (int c = 0; c < RN; c++) {
            acc[r][c] = 0.0f;
        }
    }
    for (int k0 = 0; k0 < K; k0 += TK) {
        for (int e = lid; e < TM * TK; e += WX * WY) {
            int mi = aks == 1 ? e / TK : e % TM;
            int ki = aks == 1 ? e % TK : e / TM;
            int gm = m0 + mi;
            int gk = k0 + ki;
            As[ki][mi] = (gm < M && gk < K) ? A[abase + (long) gm * ams + (long) gk * aks] : 0.0f;
        }
        for (int e = lid; e < TN * TK; e += WX * WY) {
            int ni = bns == 1 ? e % TN : e / TK;
            int ki = bns == 1 ? e / TN : e % TK;
            int gn = n0 + ni;
            int gk = k0 + ki;
            Bs[ki][ni] = (gn < N && gk < K) ? LOAD_B(B, bbase + (long) gk * bks + (long) gn * bns) : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int k = 0; k < TK; k++) {
            float a[RM];
            float b[RN];
            for (int r = 0; r < RM; r++) {
                a[r] = As[k][ty + WY * r];
            }
            for (int c = 0; c < RN; c++) {
                b[c] = Bs[k][tx + WX * c];
            }
            for (int r = 0; r < RM; r++) {
                for (int c = 0; c < RN; c++) {
                    acc[r][c] = mad(a[r], b[c], acc[r][c]);
                }
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    long cbase = coff + batch * cbs;
    for (int r = 0; r < RM; r++) {
        int gm = m0 + ty + WY * r;
        if (gm >= M) {
            continue;
        }
        for (int c = 0; c < RN; c++) {
            int gn = n0 + tx + WX * c;
            if (gn < N) {
                long idx = cbase + (long) gm * cms + (long) gn * cns;
                float v = alpha * acc[r][c];
                if (beta != 0.0f) {
                    v += beta * C[idx];
                }
                C[idx] = v;
            }
        }
    }
}
