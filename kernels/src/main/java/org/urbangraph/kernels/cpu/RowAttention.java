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

    RowAttention(CpuPool pool, CpuGemm gemm) {
        this.pool = pool;
        this.gemm = gemm;
        this.packOnce = !"false".equals(System.getProperty("ug.attention.packOnce"));
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
        int heads = batch * hq;
        int runs = packOnce ? Math.max(1, Math.min(blocks, (2 * pool.threads() + heads - 1) / heads)) : blocks;
        pool.run(heads * runs, t -> {
            int r = t % runs;
            int h = t / runs % hq;
            int b = t / runs / hq;
            int hk = h / group;
            float[] kt = kts[b * hkv + hk];
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
                        gemm.packWhole(CpuGemm.rows(kt, ks, lk), d, kn, kp);
                        gemm.packWhole(head(v, b, hk, ks), kn, dv, vp);
                        packedStart = ks;
                        packedKeys = kn;
                    }
                    float[] s = Scratch.get(Scratch.G, bq * kn);
                    if (packOnce) {
                        gemm.serialPacked(head(q, b, h, i0), kp, CpuGemm.rows(s, 0, kn), bq, kn, d, scale);
                    } else {
                        gemm.serial(head(q, b, h, i0), CpuGemm.rows(kt, ks, lk), CpuGemm.rows(s, 0, kn), bq, kn, d,
                                scale);
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

    /** Rows [r0, ...) of head h of sequence b of a [B, H, L, dim] view, as a GEMM operand read in place. */
    private static CpuGemm.Mat head(View t, int b, int h, int r0) {
        long[] st = t.strides();
        return new CpuGemm.Mat(seg(t), t.dtype(), t.offset() + b * st[0] + h * st[1] + r0 * st[2], st[2], st[3]);
    }
}
