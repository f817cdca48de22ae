package org.urbangraph.vlm.qwen2vl;

import java.util.ArrayList;
import java.util.List;

/**
 * Host-side index arithmetic of the Qwen2-VL vision tower: the 2-D rotary angles of each patch row, the
 * per-image (per-frame) attention segments, and Qwen2.5-VL's window order.
 *
 * <p>Patch rows arrive ordered (t, hb, wb, hm, wm): image row h = 2 hb + hm, column w = 2 wb + wm, so the four
 * patches of a 2x2 merge group are consecutive. Windows are squares of {@code window / merge / patch} merged units,
 * taken row-major over each image's merged grid padded up to a multiple of that size.
 */
public final class VisionLayout {
    private VisionLayout() {}

    /** Angles [N][headDim / 2]: the row's h times inv_freq, then its w times inv_freq (inv_freq over headDim / 2). */
    public static float[][] rotaryAngles(int[][] grids, int headDim, int merge) {
        int dim = headDim / 2;
        float[] inv = new float[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1.0f / (float) Math.pow(10000.0, (float) (2 * i) / dim);
        }
        List<float[]> rows = new ArrayList<>();
        for (int[] g : grids) {
            int t = g[0];
            int h = g[1];
            int w = g[2];
            for (int f = 0; f < t; f++) {
                for (int hb = 0; hb < h / merge; hb++) {
                    for (int wb = 0; wb < w / merge; wb++) {
                        for (int hm = 0; hm < merge; hm++) {
                            for (int wm = 0; wm < merge; wm++) {
                                int hp = hb * merge + hm;
                                int wp = wb * merge + wm;
                                float[] a = new float[dim];
                                for (int i = 0; i < inv.length; i++) {
                                    a[i] = (float) hp * inv[i];
                                    a[inv.length + i] = (float) wp * inv[i];
                                }
                                rows.add(a);
                            }
                        }
                    }
                }
            }
        }
        return rows.toArray(new float[0][]);
    }

    /** One segment id per patch row: each frame of each image attends only within itself. */
    public static long[] frameSegments(int[][] grids) {
        int n = 0;
        for (int[] g : grids) {
            n += g[0] * g[1] * g[2];
        }
        long[] seg = new long[n];
        int at = 0;
        int id = 0;
        for (int[] g : grids) {
            for (int f = 0; f < g[0]; f++) {
                for (int i = 0; i < g[1] * g[2]; i++) {
                    seg[at++] = id;
                }
                id++;
            }
        }
        return seg;
    }

    /** Qwen2.5-VL's window order: the permutation of merged units, and window boundaries in patch rows. */
    public record Windows(int[] windowIndex, int[] cuWindowSeqlens) {

        /** Segment id per patch row in window order (one id per window). */
        public long[] segments() {
            int n = cuWindowSeqlens[cuWindowSeqlens.length - 1];
            long[] seg = new long[n];
            for (int w = 0; w + 1 < cuWindowSeqlens.length; w++) {
                for (int i = cuWindowSeqlens[w]; i < cuWindowSeqlens[w + 1]; i++) {
                    seg[i] = w;
                }
            }
            return seg;
        }

        /** The patch-row permutation: merged unit u of the window order brings rows 4u .. 4u + 3. */
        public long[] rowPermutation(int unit) {
            long[] p = new long[windowIndex.length * unit];
            for (int i = 0; i < windowIndex.length; i++) {
                for (int j = 0; j < unit; j++) {
                    p[i * unit + j] = (long) windowIndex[i] * unit + j;
                }
            }
            return p;
        }

        /** argsort(window_index): back to the original order of merged units. */
        public long[] inverse() {
            long[] inv = new long[windowIndex.length];
            for (int i = 0; i < windowIndex.length; i++) {
                inv[windowIndex[i]] = i;
            }
            return inv;
        }
    }

    public static Windows windows(int[][] grids, int windowSize, int merge, int patch) {
        int span = windowSize / merge / patch;
        List<Integer> index = new ArrayList<>();
        List<Integer> cu = new ArrayList<>();
        cu.add(0);
        int offset = 0;
        int unit = merge * merge;
        for (int[] g : grids) {
            int t = g[0];
            int gh = g[1] / merge;
            int gw = g[2] / merge;
            int padH = span - gh % span;
            int padW = span - gw % span;
            int nh = (gh + padH) / span;
            int nw = (gw + padW) / span;
            for (int f = 0; f < t; f++) {
                for (int wy = 0; wy < nh; wy++) {
                    for (int wx = 0; wx < nw; wx++) {
                        int count = 0;
                        for (int y = wy * span; y < (wy + 1) * span; y++) {
                            for (int x = wx * span; x < (wx + 1) * span; x++) {
                                if (y < gh && x < gw) {
                                    index.add(offset + (f * gh + y) * gw + x);
                                    count++;
                                }
                            }
                        }
                        int next = cu.get(cu.size() - 1) + count * unit;
                        if (next != cu.get(cu.size() - 1)) {
                            cu.add(next); // empty windows vanish, as unique_consecutive drops them
                        }
                    }
                }
            }
            offset += t * gh * gw;
        }
        return new Windows(index.stream().mapToInt(Integer::intValue).toArray(),
                cu.stream().mapToInt(Integer::intValue).toArray());
    }
}
