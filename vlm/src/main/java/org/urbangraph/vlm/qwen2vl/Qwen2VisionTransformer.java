package org.urbangraph.vlm.qwen2vl;

import java.util.Map;
import org.urbangraph.kernels.AttentionMask;
import org.urbangraph.tensor.Indexing;
import org.urbangraph.tensor.Layout;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.tensor.nn.ModuleList;
import org.urbangraph.tensor.nn.Rng;

/**
 * The Qwen2-VL / Qwen2.5-VL vision tower ({@code visual.*}): patch embedding, 2-D rotary, blocks with attention
 * inside each image frame (Qwen2.5-VL: inside windows, except the full-attention blocks), and the patch merger.
 *
 * <pre>
 *   pixel rows [N, 1176] -patch_embed-> [N, E]
 *   (2.5: rows permuted into window order, with their rotary angles)
 *   blocks 0..depth-1 (segments: frame, or window)      -> [N, E]
 *   merger: 4 rows -> 1 token                            -> [N / 4, hidden]
 *   (2.5: tokens back to the original order)
 * </pre>
 */
public final class Qwen2VisionTransformer extends Module {

    private final Qwen2VLConfig.Vision cfg;
    private final boolean qwen25;
    private final PatchEmbed patchEmbed;
    private final ModuleList<VisionBlock> blocks;
    private final PatchMerger merger;

    public Qwen2VisionTransformer(Qwen2VLConfig.Vision v, boolean qwen25, Rng rng) {
        this.cfg = v;
        this.qwen25 = qwen25;
        patchEmbed = child("patch_embed", new PatchEmbed(v, rng));
        blocks = child("blocks", new ModuleList<>());
        for (int i = 0; i < v.depth(); i++) {
            blocks.add(new VisionBlock(v, qwen25, rng));
        }
        merger = child("merger", new PatchMerger(v, qwen25, rng));
    }

    /**
     * Image features in the order of the images: pixel rows [N, patchDim] of all images, and each image's grid
     * (t, h, w) in patches. If {@code trace} is not null, intermediates are put there under the golden files' names.
     */
    public Tensor forward(Tensor pixels, int[][] grids, Map<String, Tensor> trace) {
        int rows = 0;
        for (int[] g : grids) {
            if (g[1] % cfg.spatialMergeSize() != 0 || g[2] % cfg.spatialMergeSize() != 0) {
                throw new IllegalArgumentException("image grid " + java.util.Arrays.toString(g)
                        + " is not a multiple of the merge size " + cfg.spatialMergeSize());
            }
            rows += g[0] * g[1] * g[2];
        }
        if (pixels.size(0) != rows) {
            throw new IllegalArgumentException("pixel_values has " + pixels.size(0) + " rows but the image grids "
                    + "describe " + rows);
        }
        int merge = cfg.spatialMergeSize();
        int unit = merge * merge;
        Tensor x = patchEmbed.forward(pixels);
        put(trace, "vision.patch_embed", x);
        float[][] angles = VisionLayout.rotaryAngles(grids, cfg.headDim(), merge);
        Tensor angleTable = Tensor.of(flatten(angles), rows, cfg.headDim() / 2);
        put(trace, "vision.rotary_pos_emb", angleTable);
        long[] fullSeg = VisionLayout.frameSegments(grids);
        long[] windowSeg = null;
        VisionLayout.Windows windows = null;
        if (qwen25) {
            windows = VisionLayout.windows(grids, cfg.windowSize(), merge, cfg.patchSize());
            Tensor perm = Tensor.of(windows.rowPermutation(unit), rows);
            x = Indexing.indexSelect(x, 0, perm);
            angleTable = Indexing.indexSelect(angleTable, 0, perm);
            long[] permuted = new long[rows];
            long[] p = windows.rowPermutation(unit);
            for (int i = 0; i < rows; i++) {
                permuted[i] = fullSeg[(int) p[i]];
            }
            fullSeg = permuted;
            windowSeg = windows.segments();
            put(trace, "vision.window_index", Tensor.of(toLong(windows.windowIndex()), windows.windowIndex().length));
            put(trace, "vision.cu_window_seqlens",
                    Tensor.of(toLong(windows.cuWindowSeqlens()), windows.cuWindowSeqlens().length));
        }
        Tensor emb = Layout.cat(java.util.List.of(angleTable, angleTable), 1).unsqueeze(0);
        Tensor cos = org.urbangraph.tensor.Pointwise.cos(emb);
        Tensor sin = org.urbangraph.tensor.Pointwise.sin(emb);
        Tensor fullSegT = Tensor.of(fullSeg, 1, rows);
        AttentionMask full = new AttentionMask(false, null, fullSegT.view(), fullSegT.view());
        AttentionMask windowed = full;
        if (windowSeg != null) {
            Tensor w = Tensor.of(windowSeg, 1, rows);
            windowed = new AttentionMask(false, null, w.view(), w.view());
        }
        for (int i = 0; i < blocks.size(); i++) {
            boolean useFull = !qwen25 || contains(cfg.fullAttBlocks(), i);
            x = blocks.get(i).forward(x, cos, sin, useFull ? full : windowed);
            put(trace, "vision.block" + i, x);
        }
        Tensor merged = merger.forward(x);
        if (qwen25) {
            put(trace, "vision.merger_out_window_order", merged);
            merged = Indexing.indexSelect(merged, 0, Tensor.of(windows.inverse(), windows.windowIndex().length));
        }
        put(trace, "vision_embeds", merged);
        return merged;
    }

    private static void put(Map<String, Tensor> trace, String name, Tensor t) {
        if (trace != null) {
            trace.put(name, t);
        }
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }

    private static float[] flatten(float[][] a) {
        int w = a.length == 0 ? 0 : a[0].length;
        float[] out = new float[a.length * w];
        for (int i = 0; i < a.length; i++) {
            System.arraycopy(a[i], 0, out, i * w, w);
        }
        return out;
    }

    private static long[] toLong(int[] a) {
        long[] out = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
    }
}
