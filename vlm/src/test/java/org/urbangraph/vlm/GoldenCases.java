package org.urbangraph.vlm;

import java.util.ArrayList;
import java.util.List;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.io.SafetensorsFile;

/** Reading the golden reference files' batches, shared by the model, LoRA and UGE parity tests. */
public final class GoldenCases {
    private GoldenCases() {}

    /** A [B, L] integer tensor as rows. */
    public static long[][] rows(Tensor t) {
        int b = t.size(0);
        int l = t.size(1);
        long[] flat = t.toLongArray();
        long[][] out = new long[b][l];
        for (int r = 0; r < b; r++) {
            System.arraycopy(flat, r * l, out[r], 0, l);
        }
        return out;
    }

    /** An [n, k] integer tensor as rows: Qwen's grids (t, h, w), LLaVA-NeXT's image sizes (height, width). */
    public static int[][] grids(Tensor t) {
        long[] g = t.toLongArray();
        int k = t.size(1);
        int[][] out = new int[g.length / k][k];
        for (int i = 0; i < out.length; i++) {
            for (int j = 0; j < k; j++) {
                out[i][j] = (int) g[i * k + j];
            }
        }
        return out;
    }

    /** The batch of a case: ids and mask from "{prefix}input_ids" / "attention_mask", images if it has any. */
    public static MultimodalBatch batch(SafetensorsFile ref, String prefix, String pixelsName, String gridsName,
                                        int imageTokenId) {
        long[][] ids = rows(ref.tensor(prefix + "input_ids"));
        long[][] mask = rows(ref.tensor(prefix + "attention_mask"));
        boolean hasImage = false;
        for (long[] row : ids) {
            for (long id : row) {
                hasImage |= id == imageTokenId;
            }
        }
        if (!hasImage) {
            return MultimodalBatch.textOnly(ids, mask);
        }
        return new MultimodalBatch(ids, mask, ref.tensor(pixelsName), grids(ref.tensor(gridsName)));
    }

    /** Elements of a [lead, B, L, H] array whose (b, l) position is real (mask 1), in order. */
    public static float[] realRows(float[] data, long[][] mask, int lead, int h) {
        int b = mask.length;
        int l = mask[0].length;
        List<Float> out = new ArrayList<>();
        for (int p = 0; p < lead; p++) {
            for (int r = 0; r < b; r++) {
                for (int i = 0; i < l; i++) {
                    if (mask[r][i] == 0) {
                        continue;
                    }
                    int base = ((p * b + r) * l + i) * h;
                    for (int k = 0; k < h; k++) {
                        out.add(data[base + k]);
                    }
                }
            }
        }
        float[] a = new float[out.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = out.get(i);
        }
        return a;
    }

    public static float[] concat(List<Tensor> ts) {
        List<float[]> parts = new ArrayList<>();
        int n = 0;
        for (Tensor t : ts) {
            float[] f = t.toFloatArray();
            parts.add(f);
            n += f.length;
        }
        float[] out = new float[n];
        int at = 0;
        for (float[] f : parts) {
            System.arraycopy(f, 0, out, at, f.length);
            at += f.length;
        }
        return out;
    }

    public static long[] flatten(long[][][] p) {
        int a = p.length;
        int b = p[0].length;
        int l = p[0][0].length;
        long[] out = new long[a * b * l];
        for (int i = 0; i < a; i++) {
            for (int r = 0; r < b; r++) {
                System.arraycopy(p[i][r], 0, out, (i * b + r) * l, l);
            }
        }
        return out;
    }
}
