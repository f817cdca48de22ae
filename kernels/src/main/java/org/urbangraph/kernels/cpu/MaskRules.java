package org.urbangraph.kernels.cpu;

import static org.urbangraph.kernels.cpu.CpuMem.seg;

import org.urbangraph.kernels.AttentionMask;
import org.urbangraph.kernels.View;

/**
 * The rules of an {@link AttentionMask}, read once per attention call into arrays, with the block-level questions the
 * tiled kernels ask: which keys can any query of a block see (so that blocks hidden from all of them are skipped), and
 * does a tile need its scores masked element by element at all.
 *
 * <p>Segments: when every sequence's query and key segment ids are non-decreasing (as the vision tower's images and
 * Qwen2.5-VL's windows are: each a contiguous run), the keys a query block can see lie between the first key of its
 * first query's segment and the last key of its last query's segment, found by binary search; a tile whose queries
 * and keys all share one segment needs no masking. For a sequence with unsorted ids every key block is visited and
 * masked element by element. Skipping a block that every query of the tile is denied gives the same bits as visiting it:
 * its probabilities are exact zeros.
 */
record MaskRules(boolean causal, int window, int shift, boolean[][] keyOk, long[][] qSeg, long[][] kSeg,
                 boolean[] sorted) {

    static MaskRules of(AttentionMask m, int batch, int lq, int lk) {
        boolean[][] ok = null;
        long[][] qs = null;
        long[][] ks = null;
        boolean[] sorted = new boolean[batch];
        if (m.keyPadding() != null) {
            ok = new boolean[batch][lk];
            for (int b = 0; b < batch; b++) {
                for (int j = 0; j < lk; j++) {
                    ok[b][j] = at2(m.keyPadding(), b, j) != 0;
                }
            }
        }
        if (m.querySegments() != null) {
            qs = new long[batch][lq];
            ks = new long[batch][lk];
            for (int b = 0; b < batch; b++) {
                boolean up = true;
                for (int i = 0; i < lq; i++) {
                    qs[b][i] = at2(m.querySegments(), b, i);
                    up &= i == 0 || qs[b][i - 1] <= qs[b][i];
                }
                for (int j = 0; j < lk; j++) {
                    ks[b][j] = at2(m.keySegments(), b, j);
                    up &= j == 0 || ks[b][j - 1] <= ks[b][j];
                }
                sorted[b] = up;
            }
        }
        return new MaskRules(m.causal(), m.window(), lk - lq, ok, qs, ks, sorted);
    }

    private static long at2(View v, int a, int c) {
        return CpuMem.getLong(seg(v), v.dtype(), v.offset() + a * v.strides()[0] + c * v.strides()[1]);
    }

    boolean visible(int b, int i, int j) {
        return (!causal || j <= i + shift) && (window <= 0 || j > i + shift - window)
                && (keyOk == null || keyOk[b][j])
                && (qSeg == null || qSeg[b][i] == kSeg[b][j]);
    }

    /**
     * Whether some score of the bq x bk tile at (i0, j0) of sequence b is hidden; false means the tile is used as
     * computed. Conservative: true whenever the answer would need an element-by-element look.
     */
    boolean tileNeedsMask(int b, int i0, int bq, int j0, int bk) {
        if (keyOk != null) {
            return true;
        }
        int iLast = i0 + bq - 1;
        int jLast = j0 + bk - 1;
        if (causal && jLast > i0 + shift) {
            return true;
        }
        if (window > 0 && j0 <= iLast + shift - window) {
            return true;
        }
        if (qSeg != null) {
            long s = qSeg[b][i0];
            return !sorted[b] || qSeg[b][iLast] != s || kSeg[b][j0] != s || kSeg[b][jLast] != s;
        }
        return false;
    }

    /**
     * Sets the hidden scores of the bq x bk block s (row-major; queries from i0, keys from j0, sequence b) to
     * -infinity, row by row: the keys before a row's {@link #keyStart} and from its {@link #keyEnd} on (causal
     * diagonal, window, sorted segments) in two fills, and only where padding or unsorted segments can leave gaps in
     * between, key by key.
     */
    void apply(int b, int i0, int bq, int j0, int bk, float[] s) {
        if (!tileNeedsMask(b, i0, bq, j0, bk)) {
            return;
        }
        boolean gaps = keyOk != null || (qSeg != null && !sorted[b]);
        for (int i = 0; i < bq; i++) {
            int q = i0 + i;
            if (!tileNeedsMask(b, q, 1, j0, bk)) {
                continue;
            }
            int off = i * bk;
            int lo = Math.clamp(keyStart(b, q) - j0, 0, bk);
            int hi = Math.clamp(keyEnd(b, q, 1, j0 + bk) - j0, lo, bk);
            java.util.Arrays.fill(s, off, off + lo, Float.NEGATIVE_INFINITY);
            java.util.Arrays.fill(s, off + hi, off + bk, Float.NEGATIVE_INFINITY);
            if (gaps) {
                for (int j = lo; j < hi; j++) {
                    if (!visible(b, q, j0 + j)) {
                        s[off + j] = Float.NEGATIVE_INFINITY;
                    }
                }
            }
        }
    }

    /** Keys at or beyond this index are hidden from every query of [i0, i0 + bq) of sequence b. */
    int keyEnd(int b, int i0, int bq, int lk) {
        int end = causal ? Math.max(0, Math.min(lk, i0 + bq + shift)) : lk;
        if (qSeg != null && sorted[b] && bq > 0) {
            end = Math.min(end, upperBound(kSeg[b], qSeg[b][i0 + bq - 1]));
        }
        return end;
    }

    /** Keys before this index are hidden from every query of [i0, ...) of sequence b (window, segments). */
    int keyStart(int b, int i0) {
        int start = window > 0 ? Math.max(0, i0 + shift - window + 1) : 0;
        if (qSeg != null && sorted[b] && i0 < qSeg[b].length) {
            start = Math.max(start, lowerBound(kSeg[b], qSeg[b][i0]));
        }
        return start;
    }

    /** Queries before this index see no key of [j0, ...) of sequence b. */
    int queryStart(int b, int j0) {
        int start = causal ? Math.max(0, j0 - shift) : 0;
        if (qSeg != null && sorted[b] && j0 < kSeg[b].length) {
            start = Math.max(start, lowerBound(qSeg[b], kSeg[b][j0]));
        }
        return start;
    }

    /** Queries at or beyond this index see no key of [.., j1) of sequence b. */
    int queryEnd(int b, int j1, int lq) {
        int end = window > 0 ? Math.max(0, Math.min(lq, j1 - 1 - shift + window)) : lq;
        if (qSeg != null && sorted[b] && j1 > 0) {
            end = Math.min(end, upperBound(qSeg[b], kSeg[b][j1 - 1]));
        }
        return end;
    }

    /** First index whose id is at least v, in non-decreasing ids. */
    private static int lowerBound(long[] ids, long v) {
        int lo = 0;
        int hi = ids.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (ids[mid] < v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** First index whose id is above v, in non-decreasing ids (ids are integers: the first at least v + 1). */
    private static int upperBound(long[] ids, long v) {
        return v == Long.MAX_VALUE ? ids.length : lowerBound(ids, v + 1);
    }
}
