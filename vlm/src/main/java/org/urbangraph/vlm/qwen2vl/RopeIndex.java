package org.urbangraph.vlm.qwen2vl;

import java.util.Arrays;

/**
 * M-RoPE position ids (Hugging Face's {@code get_rope_index}) for a padded batch: only tokens with mask 1 are
 * numbered; text advances by one on all three axes; the tokens of an image whose first image-pad token follows
 * {@code st} positions get (st + t, st + row, st + col) over its merged grid; the next text token continues at the
 * largest image position + 1. Pads get 1. Images are consumed from {@code grids} in order across the batch.
 */
public final class RopeIndex {
    private RopeIndex() {}

    /** Position ids [3][B][L] and the rope deltas [B] (max position + 1 - L) used for decoding. */
    public record Result(long[][][] positions, long[] ropeDeltas) {}

    public static Result compute(long[][] ids, long[][] mask, int[][] grids, int imageTokenId, int visionStartId,
                                 int merge) {
        int b = ids.length;
        int l = ids[0].length;
        long[][][] pos = new long[3][b][l];
        for (long[][] axis : pos) {
            for (long[] row : axis) {
                Arrays.fill(row, 1);
            }
        }
        long[] deltas = new long[b];
        int image = 0;
        for (int r = 0; r < b; r++) {
            int[] real = new int[l];
            int n = 0;
            for (int i = 0; i < l; i++) {
                if (mask[r][i] != 0) {
                    real[n++] = i;
                }
            }
            long[][] p = new long[3][n];
            long next = 0;
            int i = 0;
            while (i < n) {
                long tok = ids[r][real[i]];
                boolean startsImage = tok == imageTokenId && i > 0 && ids[r][real[i - 1]] == visionStartId;
                if (!startsImage) {
                    for (int a = 0; a < 3; a++) {
                        p[a][i] = next;
                    }
                    next++;
                    i++;
                    continue;
                }
                if (image >= grids.length) {
                    throw new IllegalArgumentException("row " + r + " has more images than the " + grids.length
                            + " image grids given");
                }
                int[] g = grids[image++];
                int gt = g[0];
                int gh = g[1] / merge;
                int gw = g[2] / merge;
                int count = gt * gh * gw;
                if (i + count > n) {
                    throw new IllegalArgumentException("row " + r + ": image " + (image - 1) + " needs " + count
                            + " image tokens but the row ends after " + (n - i));
                }
                long st = next;
                long max = st;
                for (int t = 0, k = 0; t < gt; t++) {
                    for (int y = 0; y < gh; y++) {
                        for (int x = 0; x < gw; x++, k++) {
                            p[0][i + k] = st;
                            p[1][i + k] = st + y;
                            p[2][i + k] = st + x;
                            max = Math.max(max, Math.max(st + y, st + x));
                        }
                    }
                }
                next = max + 1;
                i += count;
            }
            long maxPos = -1;
            for (int k = 0; k < n; k++) {
                for (int a = 0; a < 3; a++) {
                    pos[a][r][real[k]] = p[a][k];
                    maxPos = Math.max(maxPos, p[a][k]);
                }
            }
            deltas[r] = maxPos + 1 - l;
        }
        if (image != grids.length) {
            throw new IllegalArgumentException("the batch holds " + image + " images but " + grids.length
                    + " image grids were given");
        }
        return new Result(pos, deltas);
    }
}
