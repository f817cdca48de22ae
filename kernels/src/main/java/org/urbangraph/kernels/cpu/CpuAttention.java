package org.urbangraph.kernels.cpu;

import static org.urbangraph.kernels.cpu.CpuMem.F;
import static org.urbangraph.kernels.cpu.CpuMem.LANES;
import static org.urbangraph.kernels.cpu.CpuMem.seg;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import org.urbangraph.kernels.AttentionMask;
import org.urbangraph.kernels.View;

/**
 * Fused scaled-dot-product attention, tiled as FlashAttention-2 does it: the forward pass walks key blocks of one
 * query block with an online softmax (running max and sum per row), so no score matrix larger than BQ x BK exists;
 * the backward pass recomputes the probabilities from the saved log-sum-exp, once per key block for dK and dV (all
 * query heads of a key head's group in one task, so grouped-query sums need no atomics) and once per query block for
 * dQ. Tasks never share an output, so the result does not depend on the thread count. Blocks that the mask hides
 * from every query of a tile (beyond the causal diagonal, outside the query block's segments) are skipped, and tiles
 * it does not touch are not masked element by element ({@link MaskRules}). Long forwards go through
 * {@link RowAttention}, which runs the two products on the packed GEMM.
 */
final class CpuAttention {

    static final int BQ = 64;
    static final int BK = 64;

    private final CpuPool pool;
    private final ThreadLocal<Work> work = new ThreadLocal<>();
    private final RowAttention rows;

    CpuAttention(CpuPool pool, CpuGemm gemm) {
        this.pool = pool;
        this.rows = new RowAttention(pool, gemm);
    }

    /** Tiles of one task. */
    private static final class Work {
        final int d;
        final int dv;
        final float[] q;
        final float[] k;
        final float[] kt;
        final float[] v;
        final float[] vt;
        final float[] s;
        final float[] dp;
        final float[] st;
        final float[] o;
        final float[] dout;
        final float[] dq;
        final float[] dk;
        final float[] dvAcc;
        final float[] m = new float[BQ];
        final float[] l = new float[BQ];
        final float[] lse = new float[BQ];
        final float[] delta = new float[BQ];

        Work(int d, int dv) {
            this.d = d;
            this.dv = dv;
            q = new float[BQ * d];
            k = new float[BK * d];
            kt = new float[d * BK];
            v = new float[BK * dv];
            vt = new float[dv * BK];
            s = new float[BQ * BK];
            dp = new float[BQ * BK];
            st = new float[BK * BQ];
            o = new float[BQ * dv];
            dout = new float[BQ * dv];
            dq = new float[BQ * d];
            dk = new float[BK * d];
            dvAcc = new float[BK * dv];
        }
    }

    private Work work(int d, int dv) {
        Work w = work.get();
        if (w == null || w.d != d || w.dv != dv) {
            w = new Work(d, dv);
            work.set(w);
        }
        return w;
    }

    /** Rows [r0, r0 + n) of head h of batch b of a [B, H, L, dim] view, widened into dst with leading dimension ld. */
    static void loadRows(View t, int b, int h, int r0, int n, int dim, float[] dst, int ld) {
        long[] st = t.strides();
        long base = t.offset() + b * st[0] + h * st[1];
        for (int r = 0; r < n; r++) {
            CpuMem.load(seg(t), t.dtype(), base + (r0 + r) * st[2], st[3], dim, dst, r * ld);
        }
    }

    static void storeRows(float[] src, int ld, View t, int b, int h, int r0, int n, int dim) {
        long[] st = t.strides();
        long base = t.offset() + b * st[0] + h * st[1];
        for (int r = 0; r < n; r++) {
            CpuMem.store(src, r * ld, dim, seg(t), t.dtype(), base + (r0 + r) * st[2], st[3]);
        }
    }

    /**
     * Every head of a [B, H, L, dim] view as a widened [dim, L] array (index b * H + h): the B operand of the score
     * product Q K^T and of dO V^T, transposed once per call rather than once per pair of blocks.
     */
    float[][] transposedHeads(View t, int batch, int heads, int len, int dim) {
        float[][] out = new float[batch * heads][];
        pool.run(batch * heads, bh -> {
            float[] rows = new float[len * dim];
            loadRows(t, bh / heads, bh % heads, 0, len, dim, rows, dim);
            float[] tr = new float[dim * len];
            SmallGemm.transpose(rows, 0, dim, len, dim, tr, 0, len);
            out[bh] = tr;
        });
        return out;
    }

    static long lseAt(View lse, int b, int h, int i) {
        return lse.offset() + b * lse.strides()[0] + h * lse.strides()[1] + i * lse.strides()[2];
    }

    // ---- forward ---------------------------------------------------------------------------------------------

    void forward(View q, View k, View v, AttentionMask mask, float scale, View out, View lse) {
        int batch = q.size(0);
        int hq = q.size(1);
        int lq = q.size(2);
        int d = q.size(3);
        int hkv = k.size(1);
        int lk = k.size(2);
        int dv = v.size(3);
        int group = hq / hkv;
        MaskRules mk = MaskRules.of(mask, batch, lq, lk);
        int qBlocks = (lq + BQ - 1) / BQ;
        if (RowAttention.suits(lq, lk)) {
            // the row blocks pack each key range from k itself (transposed copies only for the old order)
            rows.forward(q, k, v, mk, scale, out, lse, rows.packsOnce() ? null : transposedHeads(k, batch, hkv, lk, d));
            return;
        }
        // several query blocks per head share one transposed copy of each key head; with a single block (decoding
        // with a KV cache, short sequences) each key block is read once anyway, so it is transposed in place
        float[][] kts = qBlocks > 1 ? transposedHeads(k, batch, hkv, lk, d) : null;
        pool.run(batch * hq * qBlocks, t -> {
            int qb = t % qBlocks;
            int h = t / qBlocks % hq;
            int b = t / qBlocks / hq;
            int hk = h / group;
            float[] kt = kts == null ? null : kts[b * hkv + hk];
            int i0 = qb * BQ;
            int bq = Math.min(BQ, lq - i0);
            Work w = work(d, dv);
            loadRows(q, b, h, i0, bq, d, w.q, d);
            CpuMath.scale(w.q, 0, bq * d, scale);
            Arrays.fill(w.o, 0, bq * dv, 0f);
            Arrays.fill(w.m, 0, bq, Float.NEGATIVE_INFINITY);
            Arrays.fill(w.l, 0, bq, 0f);
            int jEnd = mk.keyEnd(b, i0, bq, lk);
            for (int j0 = mk.keyStart(b, i0) / BK * BK; j0 < jEnd; j0 += BK) {
                int bk = Math.min(BK, jEnd - j0);
                scores(w, kt, k, b, hk, j0, bk, lk, bq, d);
                mk.apply(b, i0, bq, j0, bk, w.s);
                for (int i = 0; i < bq; i++) {
                    onlineSoftmaxRow(w, i, bk, dv);
                }
                loadRows(v, b, hk, j0, bk, dv, w.v, dv);
                SmallGemm.mm(bq, dv, bk, w.s, 0, bk, w.v, 0, dv, w.o, 0, dv, true);
            }
            for (int i = 0; i < bq; i++) {
                float l = w.l[i];
                if (l == 0) {
                    Arrays.fill(w.o, i * dv, (i + 1) * dv, 0f);
                    w.lse[i] = Float.NEGATIVE_INFINITY;
                } else {
                    CpuMath.scale(w.o, i * dv, dv, 1f / l);
                    w.lse[i] = w.m[i] + (float) Math.log(l);
                }
            }
            storeRows(w.o, dv, out, b, h, i0, bq, dv);
            if (lse != null) {
                for (int i = 0; i < bq; i++) {
                    CpuMem.set(seg(lse), lse.dtype(), lseAt(lse, b, h, i0 + i), w.lse[i]);
                }
            }
        });
    }

    /** Below this many query rows, scores are dot products of key rows: transposing the keys would cost as much. */
    private static final int DOT_ROWS = 8;

    /** w.s (bq x bk) = (scaled) queries in w.q times keys [j0, j0 + bk) of head hk, transposed. */
    private static void scores(Work w, float[] kt, View k, int b, int hk, int j0, int bk, int lk, int bq, int d) {
        if (bq < DOT_ROWS) {
            loadRows(k, b, hk, j0, bk, d, w.k, d);
            for (int i = 0; i < bq; i++) {
                for (int j = 0; j < bk; j++) {
                    w.s[i * bk + j] = CpuMath.dot(w.q, i * d, w.k, j * d, d);
                }
            }
        } else if (kt != null) {
            SmallGemm.mm(bq, bk, d, w.q, 0, d, kt, j0, lk, w.s, 0, bk, false);
        } else {
            loadRows(k, b, hk, j0, bk, d, w.k, d);
            SmallGemm.transpose(w.k, 0, d, bk, d, w.kt, 0, bk);
            SmallGemm.mm(bq, bk, d, w.q, 0, d, w.kt, 0, bk, w.s, 0, bk, false);
        }
    }

    /** Row i of the score tile becomes probabilities relative to the running max; O and l are rescaled. */
    private static void onlineSoftmaxRow(Work w, int i, int bk, int dv) {
        float[] s = w.s;
        int off = i * bk;
        float rowMax = CpuMath.max(s, off, bk);
        float mOld = w.m[i];
        float mNew = Math.max(mOld, rowMax);
        if (mNew == Float.NEGATIVE_INFINITY) {
            Arrays.fill(s, off, off + bk, 0f);
            return;
        }
        float sum = expShift(s, off, bk, mNew);
        float alpha = mOld == Float.NEGATIVE_INFINITY ? 0f : (float) Math.exp(mOld - mNew);
        w.l[i] = w.l[i] * alpha + sum;
        if (alpha != 1f) {
            CpuMath.scale(w.o, i * dv, dv, alpha);
        }
        w.m[i] = mNew;
    }

    /** s[off..off+n) = exp(s - shift) (0 where s is -infinity); returns the sum. */
    static float expShift(float[] s, int off, int n, float shift) {
        FloatVector sh = FloatVector.broadcast(F, shift);
        FloatVector acc = FloatVector.zero(F);
        for (int j = 0; j < n; j += LANES) {
            VectorMask<Float> m = F.indexInRange(j, n);
            FloatVector e = VecMath.exp(FloatVector.fromArray(F, s, off + j, m).sub(sh));
            e = e.blend(0f, e.test(VectorOperators.IS_NAN));
            acc = acc.add(e, m);
            e.intoArray(s, off + j, m);
        }
        return VecMath.sumLanes(acc);
    }

    // ---- backward --------------------------------------------------------------------------------------------

    void backward(View q, View k, View v, AttentionMask mask, float scale, View out, View lse, View dOut, View dq,
                  View dk, View dvOut) {
        int batch = q.size(0);
        int hq = q.size(1);
        int lq = q.size(2);
        int d = q.size(3);
        int hkv = k.size(1);
        int lk = k.size(2);
        int dv = v.size(3);
        int group = hq / hkv;
        MaskRules mk = MaskRules.of(mask, batch, lq, lk);
        // per query row: log-sum-exp (from the forward pass) and delta = sum(dOut * out)
        float[] lseAll = new float[batch * hq * lq];
        float[] deltaAll = new float[batch * hq * lq];
        pool.run(batch * hq, t -> {
            int b = t / hq;
            int h = t % hq;
            float[] ob = Scratch.get(Scratch.A, dv);
            float[] gb = Scratch.get(Scratch.B, dv);
            for (int i = 0; i < lq; i++) {
                int idx = (b * hq + h) * lq + i;
                lseAll[idx] = CpuMem.get(seg(lse), lse.dtype(), lseAt(lse, b, h, i));
                loadRows(out, b, h, i, 1, dv, ob, dv);
                loadRows(dOut, b, h, i, 1, dv, gb, dv);
                deltaAll[idx] = CpuMath.dot(ob, 0, gb, 0, dv);
            }
        });
        if (rows.suitsBackward(batch, hq, lq, lk, d, dv)) {
            rows.backward(q, k, v, mk, scale, dOut, lseAll, deltaAll, dq, dk, dvOut);
            return;
        }
        int kBlocks = (lk + BK - 1) / BK;
        pool.run(batch * hkv * kBlocks, t -> {
            int kb = t % kBlocks;
            int hk = t / kBlocks % hkv;
            int b = t / kBlocks / hkv;
            int j0 = kb * BK;
            int bk = Math.min(BK, lk - j0);
            Work w = work(d, dv);
            loadRows(k, b, hk, j0, bk, d, w.k, d);
            SmallGemm.transpose(w.k, 0, d, bk, d, w.kt, 0, bk);
            loadRows(v, b, hk, j0, bk, dv, w.v, dv);
            SmallGemm.transpose(w.v, 0, dv, bk, dv, w.vt, 0, bk);
            Arrays.fill(w.dk, 0, bk * d, 0f);
            Arrays.fill(w.dvAcc, 0, bk * dv, 0f);
            int iFirst = mk.queryStart(b, j0) / BQ * BQ;
            int iEnd = mk.queryEnd(b, j0 + bk, lq);
            for (int h = hk * group; h < (hk + 1) * group; h++) {
                for (int i0 = iFirst; i0 < iEnd; i0 += BQ) {
                    int bq = Math.min(BQ, lq - i0);
                    loadRows(q, b, h, i0, bq, d, w.q, d);
                    loadRows(dOut, b, h, i0, bq, dv, w.dout, dv);
                    probabilities(w, w.kt, 0, bk, mk, b, h, hq, lq, i0, bq, j0, bk, d, scale, lseAll, deltaAll);
                    // dV += P^T dO
                    SmallGemm.transpose(w.s, 0, bk, bq, bk, w.st, 0, bq);
                    SmallGemm.mm(bk, dv, bq, w.st, 0, bq, w.dout, 0, dv, w.dvAcc, 0, dv, true);
                    scoreGradient(w, w.vt, 0, bk, bq, bk, dv, scale);
                    // dK += dS^T Q
                    SmallGemm.transpose(w.dp, 0, bk, bq, bk, w.st, 0, bq);
                    SmallGemm.mm(bk, d, bq, w.st, 0, bq, w.q, 0, d, w.dk, 0, d, true);
                }
            }
            storeRows(w.dk, d, dk, b, hk, j0, bk, d);
            storeRows(w.dvAcc, dv, dvOut, b, hk, j0, bk, dv);
        });
        int qBlocks = (lq + BQ - 1) / BQ;
        float[][] kts = transposedHeads(k, batch, hkv, lk, d);
        float[][] vts = transposedHeads(v, batch, hkv, lk, dv);
        pool.run(batch * hq * qBlocks, t -> {
            int qb = t % qBlocks;
            int h = t / qBlocks % hq;
            int b = t / qBlocks / hq;
            int hk = h / group;
            float[] kt = kts[b * hkv + hk];
            float[] vt = vts[b * hkv + hk];
            int i0 = qb * BQ;
            int bq = Math.min(BQ, lq - i0);
            Work w = work(d, dv);
            loadRows(q, b, h, i0, bq, d, w.q, d);
            loadRows(dOut, b, h, i0, bq, dv, w.dout, dv);
            Arrays.fill(w.dq, 0, bq * d, 0f);
            int jEnd = mk.keyEnd(b, i0, bq, lk);
            for (int j0 = mk.keyStart(b, i0) / BK * BK; j0 < jEnd; j0 += BK) {
                int bk = Math.min(BK, jEnd - j0);
                loadRows(k, b, hk, j0, bk, d, w.k, d);
                probabilities(w, kt, j0, lk, mk, b, h, hq, lq, i0, bq, j0, bk, d, scale, lseAll, deltaAll);
                scoreGradient(w, vt, j0, lk, bq, bk, dv, scale);
                // dQ += dS K
                SmallGemm.mm(bq, d, bk, w.dp, 0, bk, w.k, 0, d, w.dq, 0, d, true);
            }
            storeRows(w.dq, d, dq, b, h, i0, bq, d);
        });
    }

    /**
     * w.s = P (bq x bk) for keys [j0, j0 + bk), recomputed from the saved log-sum-exp, with the keys read from
     * column kOff of the transposed keys kt (leading dimension ldk); w.lse and w.delta hold the rows' values.
     */
    private static void probabilities(Work w, float[] kt, int kOff, int ldk, MaskRules mk, int b, int h, int hq, int lq,
                                      int i0, int bq, int j0, int bk, int d, float scale, float[] lseAll,
                                      float[] deltaAll) {
        SmallGemm.mm(bq, bk, d, w.q, 0, d, kt, kOff, ldk, w.s, 0, bk, false);
        mk.apply(b, i0, bq, j0, bk, w.s);
        int rowBase = (b * hq + h) * lq + i0;
        for (int i = 0; i < bq; i++) {
            float l = lseAll[rowBase + i];
            w.lse[i] = l;
            w.delta[i] = deltaAll[rowBase + i];
            int off = i * bk;
            if (l == Float.NEGATIVE_INFINITY) {
                Arrays.fill(w.s, off, off + bk, 0f);
                continue;
            }
            CpuMath.scale(w.s, off, bk, scale);
            expShift(w.s, off, bk, l);
        }
    }

    /** w.dp = dS = P * (dO V^T - delta) * scale, with V^T read from column j0 of vt (leading dimension ldv). */
    private static void scoreGradient(Work w, float[] vt, int j0, int ldv, int bq, int bk, int dv, float scale) {
        SmallGemm.mm(bq, bk, dv, w.dout, 0, dv, vt, j0, ldv, w.dp, 0, bk, false);
        for (int i = 0; i < bq; i++) {
            CpuMath.scoreGradient(w.s, w.dp, i * bk, bk, w.delta[i], scale);
        }
    }
}
