package org.urbangraph.kernels.cpu;

import static org.urbangraph.kernels.cpu.CpuMem.seg;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.View;

/**
 * The forward pass of fused attention for long sequences (the vision tower's 1024 patches per image, long prompts):
 * each task takes {@link #ROWS} query rows of one head, computes their scores against every key they may see in one
 * product, takes an exact softmax per row and multiplies by the values in a second product. Both products run
 * through the packed GEMM ({@link CpuGemm#serial}) rather than the 64 x 64 tiles of {@link CpuAttention}, whose
 * unpacked operands, short loops and per-tile online rescaling reach about 40 % of the GEMM's rate; the price is a
 * score block of ROWS x keys floats per thread instead of 64 x 64, bounded by {@link #MAX_KEYS}.
 *
 * <p>The keys a block may see come from the mask ({@link MaskRules#keyStart}, {@link MaskRules#keyEnd}): several
 * images in one sequence, or Qwen2.5-VL's windows, cost only their own block of the score matrix. The log-sum-exp
 * per row is the same quantity the tiled forward saves, so the tiled backward uses it unchanged. Results do not depend
 * on the thread count: each product is computed on one thread, in an order that does not depend on the split.
 *
 * <p>A task takes a run of query blocks of one head, and packs the keys and values of a key range once for every
 * block of its run that sees that range: the vision tower's images are 16 blocks each, which packed the same keys and
 * values (two 80 x 1024 operands) again for every block, a third of the attention's time and about 7 % of the tower's.
 * Runs are whole heads unless there are fewer heads than twice the threads. Under a causal mask each block sees a
 * different range, and packing once changes nothing.
 */
final class RowAttention {

    /** Query rows per task. */
    static final int ROWS = 64;
    /**
     * The fewest keys for which this path is taken ({@code -Dug.attention.rowMinKeys}; a value above
     * {@link #MAX_KEYS} turns it off, for comparisons). Below it the tiled kernel needs no score block of its own.
     */
    static final int MIN_KEYS = Integer.getInteger("ug.attention.rowMinKeys", 256);
    /** Above this many keys a task's score block (ROWS x keys floats) would outgrow the caches it is meant for. */
    static final int MAX_KEYS = 16384;

    private final CpuPool pool;
    private final CpuGemm gemm;
    /** Pack a key range once per run of blocks (see above); {@code -Dug.attention.packOnce=false}, for comparisons. */
    private final boolean packOnce;
    private final ThreadLocal<float[]> packedK = new ThreadLocal<>();
    private final ThreadLocal<float[]> packedV = new ThreadLocal<>();
    private final ThreadLocal<float[]> packedKRows = new ThreadLocal<>();
    /** The backward below for long sequences; {@code -Dug.attention.rowBackward=false}, for comparisons. */
    private final boolean rowBackward;

    RowAttention(CpuPool pool, CpuGemm gemm) {
        this.pool = pool;
        this.gemm = gemm;
        this.packOnce = !"false".equals(System.getProperty("ug.attention.packOnce"));
        this.rowBackward = !"false".equals(System.getProperty("ug.attention.rowBackward"));
    }

    /** Whether {@link #forward} packs a key range once per run of blocks (and so needs no transposed keys). */
    boolean packsOnce() {
        return packOnce;
    }

    /** Whether a forward of lq queries over lk keys goes this way rather than through the tiles. */
    static boolean suits(int lq, int lk) {
        return lq >= 2 * ROWS && lk >= MIN_KEYS && lk <= MAX_KEYS;
    }

    /**
     * out = softmax(mask(scale * q k^T)) v per head, lse (if not null) = the rows' log-sum-exp. kts, needed only
     * when {@link #packsOnce()} is false, holds every key head transposed to [d, lk] (index b * hkv + hk); otherwise
     * the keys are packed from k itself.
     */
    void forward(View q, View k, View v, MaskRules mk, float scale, View out, View lse, float[][] kts) {
        int batch = q.size(0);
        int hq = q.size(1);
        int lq = q.size(2);
        int d = q.size(3);
        int hkv = k.size(1);
        int lk = k.size(2);
        int dv = v.size(3);
        int group = hq / hkv;
        int blocks = (lq + ROWS - 1) / ROWS;
        int heads = batch * hq;
        int runs = packOnce ? Math.max(1, Math.min(blocks, (2 * pool.threads() + heads - 1) / heads)) : blocks;
        pool.run(heads * runs, t -> {
            int r = t % runs;
            int h = t / runs % hq;
            int b = t / runs / hq;
            int hk = h / group;
            // the key range whose keys and values kp and vp hold (none while packedKeys is 0)
            int packedStart = 0;
            int packedKeys = 0;
            float[] kp = null;
            float[] vp = null;
            for (int qb = (int) ((long) blocks * r / runs), end = (int) ((long) blocks * (r + 1) / runs); qb < end;
                 qb++) {
                int i0 = qb * ROWS;
                int bq = Math.min(ROWS, lq - i0);
                int ks = mk.keyStart(b, i0);
                int kn = Math.max(0, mk.keyEnd(b, i0, bq, lk) - ks);
                float[] o = Scratch.get(Scratch.H, bq * dv);
                float[] rowLse = new float[bq];
                if (kn == 0) {
                    Arrays.fill(o, 0, bq * dv, 0f);
                    Arrays.fill(rowLse, Float.NEGATIVE_INFINITY);
                } else {
                    if (packOnce && (ks != packedStart || kn != packedKeys)) {
                        kp = CpuGemm.buffer(packedK, CpuGemm.packedSize(d, kn));
                        vp = CpuGemm.buffer(packedV, CpuGemm.packedSize(kn, dv));
                        gemm.packWhole(headTransposed(k, b, hk, ks), d, kn, kp);
                        gemm.packWhole(head(v, b, hk, ks), kn, dv, vp);
                        packedStart = ks;
                        packedKeys = kn;
                    }
                    float[] s = Scratch.get(Scratch.G, bq * kn);
                    if (packOnce) {
                        gemm.serialPacked(head(q, b, h, i0), kp, CpuGemm.rows(s, 0, kn), bq, kn, d, scale);
                    } else {
                        gemm.serial(head(q, b, h, i0), CpuGemm.rows(kts[b * hkv + hk], ks, lk),
                                CpuGemm.rows(s, 0, kn), bq, kn, d, scale);
                    }
                    mk.apply(b, i0, bq, ks, kn, s);
                    float[] inv = new float[bq];
                    for (int i = 0; i < bq; i++) {
                        int off = i * kn;
                        float max = CpuMath.max(s, off, kn);
                        if (max == Float.NEGATIVE_INFINITY) {
                            Arrays.fill(s, off, off + kn, 0f);
                            rowLse[i] = Float.NEGATIVE_INFINITY;
                            continue;
                        }
                        float sum = CpuAttention.expShift(s, off, kn, max);
                        inv[i] = 1f / sum;
                        rowLse[i] = max + (float) Math.log(sum);
                    }
                    if (packOnce) {
                        gemm.serialPacked(CpuGemm.rows(s, 0, kn), vp, CpuGemm.rows(o, 0, dv), bq, dv, kn, 1f);
                    } else {
                        gemm.serial(CpuGemm.rows(s, 0, kn), head(v, b, hk, ks), CpuGemm.rows(o, 0, dv), bq, dv, kn,
                                1f);
                    }
                    for (int i = 0; i < bq; i++) {
                        CpuMath.scale(o, i * dv, dv, inv[i]);
                    }
                }
                CpuAttention.storeRows(o, dv, out, b, h, i0, bq, dv);
                if (lse != null) {
                    for (int i = 0; i < bq; i++) {
                        CpuMem.set(seg(lse), lse.dtype(), CpuAttention.lseAt(lse, b, h, i0 + i), rowLse[i]);
                    }
                }
            }
        });
    }

    /**
     * The most floats of per-head key and value gradients (batch x query heads x keys x (d + dv)) for which the
     * backward goes this way; above it, the tiled backward. A shape limit, so that the path never depends on threads.
     */
    static final long MAX_BACKWARD_FLOATS = 16L << 20;

    /**
     * Whether a backward of lq queries over lk keys goes this way rather than through the tiles
     * ({@code -Dug.attention.rowBackward=false} keeps it on the tiles, for comparisons).
     */
    boolean suitsBackward(int batch, int hq, int lq, int lk, int d, int dv) {
        return rowBackward && suits(lq, lk) && (long) batch * hq * lk * (d + dv) <= MAX_BACKWARD_FLOATS;
    }

    /**
     * The backward of {@link #forward}: per head, each block of ROWS queries recomputes its probabilities P from the
     * saved log-sum-exp (lseAll, index (b * hq + h) * lq + i) and, with deltaAll = rowsum(dOut * out), the score
     * gradient dS = P * (dOut V^T - delta) * scale; then dQ = dS K for its rows, and the head's own dK += dS^T Q and
     * dV += P^T dOut over its key range. Five products per block on the packed GEMM, the keys and values of a range
     * packed once per head. A task owns a head: its dQ rows, and its key and value gradients in buffers of its own,
     * which the heads of a group then add into dk and dv in head order (so the bits do not depend on the threads).
     */
    void backward(View q, View k, View v, MaskRules mk, float scale, View dOut, float[] lseAll, float[] deltaAll,
                  View dq, View dk, View dvOut) {
        int batch = q.size(0);
        int hq = q.size(1);
        int lq = q.size(2);
        int d = q.size(3);
        int hkv = k.size(1);
        int lk = k.size(2);
        int dv = v.size(3);
        int group = hq / hkv;
        int blocks = (lq + ROWS - 1) / ROWS;
        float[][] dkHeads = new float[batch * hq][];
        float[][] dvHeads = new float[batch * hq][];
        pool.run(batch * hq, t -> {
            int h = t % hq;
            int b = t / hq;
            int hk = h / group;
            float[] dkAcc = new float[lk * d];
            float[] dvAcc = new float[lk * dv];
            int packedStart = 0;
            int packedKeys = 0;
            float[] ktp = null;
            float[] vtp = null;
            float[] kp = null;
            for (int qb = 0; qb < blocks; qb++) {
                int i0 = qb * ROWS;
                int bq = Math.min(ROWS, lq - i0);
                int ks = mk.keyStart(b, i0);
                int kn = Math.max(0, mk.keyEnd(b, i0, bq, lk) - ks);
                float[] dqRows = Scratch.get(Scratch.H, bq * d);
                if (kn == 0) {
                    Arrays.fill(dqRows, 0, bq * d, 0f);
                    CpuAttention.storeRows(dqRows, d, dq, b, h, i0, bq, d);
                    continue;
                }
                if (ks != packedStart || kn != packedKeys) {
                    ktp = CpuGemm.buffer(packedK, CpuGemm.packedSize(d, kn));
                    vtp = CpuGemm.buffer(packedV, CpuGemm.packedSize(dv, kn));
                    kp = CpuGemm.buffer(packedKRows, CpuGemm.packedSize(kn, d));
                    gemm.packWhole(headTransposed(k, b, hk, ks), d, kn, ktp);
                    gemm.packWhole(headTransposed(v, b, hk, ks), dv, kn, vtp);
                    gemm.packWhole(head(k, b, hk, ks), kn, d, kp);
                    packedStart = ks;
                    packedKeys = kn;
                }
                // P = exp(scale * q k^T - lse), masked
                float[] p = Scratch.get(Scratch.G, bq * kn);
                gemm.serialPacked(head(q, b, h, i0), ktp, CpuGemm.rows(p, 0, kn), bq, kn, d, scale);
                mk.apply(b, i0, bq, ks, kn, p);
                int rowBase = (b * hq + h) * lq + i0;
                for (int i = 0; i < bq; i++) {
                    float l = lseAll[rowBase + i];
                    if (l == Float.NEGATIVE_INFINITY) {
                        Arrays.fill(p, i * kn, (i + 1) * kn, 0f);
                    } else {
                        CpuAttention.expShift(p, i * kn, kn, l);
                    }
                }
                // dS = P * (dOut v^T - delta) * scale
                float[] ds = Scratch.get(Scratch.D, bq * kn);
                gemm.serialPacked(head(dOut, b, h, i0), vtp, CpuGemm.rows(ds, 0, kn), bq, kn, dv, 1f);
                for (int i = 0; i < bq; i++) {
                    CpuMath.scoreGradient(p, ds, i * kn, kn, deltaAll[rowBase + i], scale);
                }
                // dQ = dS k; dK += dS^T q; dV += P^T dOut
                gemm.serialPacked(CpuGemm.rows(ds, 0, kn), kp, CpuGemm.rows(dqRows, 0, d), bq, d, kn, 1f);
                CpuAttention.storeRows(dqRows, d, dq, b, h, i0, bq, d);
                gemm.serial(transposed(ds, kn), head(q, b, h, i0), CpuGemm.rows(dkAcc, ks * d, d), kn, d, bq, 1f, 1f);
                gemm.serial(transposed(p, kn), head(dOut, b, h, i0), CpuGemm.rows(dvAcc, ks * dv, dv), kn, dv, bq, 1f,
                        1f);
            }
            dkHeads[t] = dkAcc;
            dvHeads[t] = dvAcc;
        });
        // the group's heads added in head order, per key head
        pool.run(batch * hkv, t -> {
            int hk = t % hkv;
            int b = t / hkv;
            float[] dkSum = dkHeads[b * hq + hk * group];
            float[] dvSum = dvHeads[b * hq + hk * group];
            for (int g = 1; g < group; g++) {
                CpuMath.axpy(1f, dkHeads[b * hq + hk * group + g], 0, dkSum, 0, lk * d);
                CpuMath.axpy(1f, dvHeads[b * hq + hk * group + g], 0, dvSum, 0, lk * dv);
            }
            CpuAttention.storeRows(dkSum, d, dk, b, hk, 0, lk, d);
            CpuAttention.storeRows(dvSum, dv, dvOut, b, hk, 0, lk, dv);
        });
    }

    /**
     * Rows [r0, ...) of head h of sequence b of a [B, H, L, dim] view seen transposed, [dim, L - r0], as a GEMM's B
     * (packed like a weight seen transposed, without a transposed copy of the head).
     */
    private static CpuGemm.Mat headTransposed(View t, int b, int h, int r0) {
        long[] st = t.strides();
        return new CpuGemm.Mat(seg(t), t.dtype(), t.offset() + b * st[0] + h * st[1] + r0 * st[2], st[3], st[2]);
    }

    /** An [rows, n] row-major float[] block seen as its transpose [n, rows], as a GEMM operand. */
    private static CpuGemm.Mat transposed(float[] arr, int n) {
        return new CpuGemm.Mat(MemorySegment.ofArray(arr), DType.F32, 0, 1, n);
    }

    /** Rows [r0, ...) of head h of sequence b of a [B, H, L, dim] view, as a GEMM operand read in place. */
    private static CpuGemm.Mat head(View t, int b, int h, int r0) {
        long[] st = t.strides();
        return new CpuGemm.Mat(seg(t), t.dtype(), t.offset() + b * st[0] + h * st[1] + r0 * st[2], st[2], st[3]);
    }
}
