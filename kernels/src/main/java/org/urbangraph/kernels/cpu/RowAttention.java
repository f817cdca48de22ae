package org.urbangraph.kernels.cpu;

import static org.urbangraph.kernels.cpu.CpuMem.seg;

import java.util.Arrays;
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
 * on the thread count: the task split is fixed and each product is computed on one thread.
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

    RowAttention(CpuPool pool, CpuGemm gemm) {
        this.pool = pool;
        this.gemm = gemm;
    }

    /** Whether a forward of lq queries over lk keys goes this way rather than through the tiles. */
    static boolean suits(int lq, int lk) {
        return lq >= 2 * ROWS && lk >= MIN_KEYS && lk <= MAX_KEYS;
    }

    /**
     * out = softmax(mask(scale * q k^T)) v per head, lse (if not null) = the rows' log-sum-exp; kts holds every key
     * head transposed to [d, lk] (index b * hkv + hk).
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
        pool.run(batch * hq * blocks, t -> {
            int qb = t % blocks;
            int h = t / blocks % hq;
            int b = t / blocks / hq;
            int hk = h / group;
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
                float[] s = Scratch.get(Scratch.G, bq * kn);
                gemm.serial(head(q, b, h, i0), CpuGemm.rows(kts[b * hkv + hk], ks, lk), CpuGemm.rows(s, 0, kn), bq,
                        kn, d, scale);
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
                gemm.serial(CpuGemm.rows(s, 0, kn), head(v, b, hk, ks), CpuGemm.rows(o, 0, dv), bq, dv, kn, 1f);
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
        });
    }

    /** Rows [r0, ...) of head h of sequence b of a [B, H, L, dim] view, as a GEMM operand read in place. */
    private static CpuGemm.Mat head(View t, int b, int h, int r0) {
        long[] st = t.strides();
        return new CpuGemm.Mat(seg(t), t.dtype(), t.offset() + b * st[0] + h * st[1] + r0 * st[2], st[2], st[3]);
    }
}
