package org.urbangraph.kernels.cpu;

import static org.urbangraph.kernels.cpu.CpuGemm.KC;
import static org.urbangraph.kernels.cpu.CpuGemm.MR;
import static org.urbangraph.kernels.cpu.CpuGemm.NR;
import static org.urbangraph.kernels.cpu.CpuMem.F;
import static org.urbangraph.kernels.cpu.CpuMem.LANES;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.cpu.CpuGemm.Mat;

/**
 * Packing for {@link CpuGemm}: A into MR-row panels and B into NR-wide panels, k-major inside a panel, zero padded and
 * widened to F32 (see the class comment of CpuGemm and kernels/README.md, "Packing", for the orders and why).
 */
final class GemmPacking {

    private GemmPacking() {}


    /** ap = rows [ic, ic+mc) x depth [pc, pc+kc) of a as MR-row panels, k-major inside a panel, zero padded. */
    static void packA(Mat a, int ic, int mc, int pc, int kc, float[] ap, int aBase) {
        MemorySegment s = a.seg();
        long rs = a.rowStride();
        long ks = a.colStride();
        boolean f32 = a.dtype() == DType.F32;
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            int base = aBase + ir * kc;
            long row0 = a.offset() + (long) (ic + ir) * rs + (long) pc * ks;
            float[] arr = f32 && ks == 1 && mr == MR ? CpuMem.floats(s) : null;
            if (arr != null && MR % 4 == 0) {
                // rows contiguous in k, in a float[]: four rows at a time into four adjacent lanes of the panel
                for (int i = 0; i < MR; i += 4) {
                    int r0 = Math.toIntExact(s.address() / 4 + row0 + i * rs);
                    int r1 = Math.toIntExact(r0 + rs);
                    int r2 = Math.toIntExact(r0 + 2 * rs);
                    int r3 = Math.toIntExact(r0 + 3 * rs);
                    for (int p = 0, o = base + i; p < kc; p++, o += MR) {
                        ap[o] = arr[r0 + p];
                        ap[o + 1] = arr[r1 + p];
                        ap[o + 2] = arr[r2 + p];
                        ap[o + 3] = arr[r3 + p];
                    }
                }
            } else if (arr != null && MR == 5) {
                // rows contiguous in k, in a float[]: interleave the MR rows straight into the panel
                int r0 = Math.toIntExact(s.address() / 4 + row0);
                int r1 = Math.toIntExact(r0 + rs);
                int r2 = Math.toIntExact(r0 + 2 * rs);
                int r3 = Math.toIntExact(r0 + 3 * rs);
                int r4 = Math.toIntExact(r0 + 4 * rs);
                for (int p = 0, o = base; p < kc; p++, o += MR) {
                    ap[o] = arr[r0 + p];
                    ap[o + 1] = arr[r1 + p];
                    ap[o + 2] = arr[r2 + p];
                    ap[o + 3] = arr[r3 + p];
                    ap[o + 4] = arr[r4 + p];
                }
            } else if (ks == 1 && f32) {
                // rows are contiguous in k: read each row in bulk, interleave into the panel
                float[] row = Scratch.get(Scratch.E, kc);
                for (int i = 0; i < MR; i++) {
                    if (i < mr) {
                        MemorySegment.copy(s, CpuMem.F32, (row0 + i * rs) * 4, row, 0, kc);
                        for (int p = 0; p < kc; p++) {
                            ap[base + p * MR + i] = row[p];
                        }
                    } else {
                        for (int p = 0; p < kc; p++) {
                            ap[base + p * MR + i] = 0f;
                        }
                    }
                }
            } else if (rs == 1 && f32 && mr == MR) {
                // columns are contiguous in m: MR consecutive floats per k
                for (int p = 0; p < kc; p++) {
                    MemorySegment.copy(s, CpuMem.F32, (row0 + p * ks) * 4, ap, base + p * MR, MR);
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    for (int i = 0; i < MR; i++) {
                        ap[base + p * MR + i] = i < mr ? CpuMem.get(s, a.dtype(), row0 + i * rs + p * ks) : 0f;
                    }
                }
            }
        }
    }

    /**
     * Panels [p0, p1) of columns [jc, jc+nc) of b over the whole depth k, each panel's depth blocks in turn, so that a
     * weight seen transposed has each of its rows read as one stream: depth block pb of the block's panels starts at
     * pb * KC * (panels of nc) * NR in bp.
     */
    static void packPanelsOverDepth(Mat b, int k, int jc, int nc, int p0, int p1, float[] bp) {
        int panels = (nc + NR - 1) / NR;
        for (int jr = p0; jr < p1; jr++) {
            for (int pc = 0; pc < k; pc += KC) {
                packBPanels(b, pc, Math.min(KC, k - pc), jc, nc, jr, jr + 1, bp, pc * panels * NR);
            }
        }
    }

    /** Panels [p0, p1) of depth [pc, pc+kc) x columns [jc, jc+nc) of b, NR wide, k-major, zero padded, widened. */
    static void packBPanels(Mat b, int pc, int kc, int jc, int nc, int p0, int p1, float[] bp, int bBase) {
        MemorySegment s = b.seg();
        long ks = b.rowStride();
        long ns = b.colStride();
        DType t = b.dtype();
        for (int jr = p0; jr < p1; jr++) {
            int j0 = jr * NR;
            int nr = Math.min(NR, nc - j0);
            int base = bBase + jr * NR * kc;
            long col0 = b.offset() + (long) pc * ks + (long) (jc + j0) * ns;
            float[] farr = t == DType.F32 ? CpuMem.floats(s) : null;
            if (ns == 1 && nr == NR && farr != null) {
                // rows contiguous in n, in a float[]: NR consecutive values per k, moved as vectors (a call to a
                // bulk copy per 16 floats costs more than the copy)
                int src = Math.toIntExact(s.address() / 4 + col0);
                int step = Math.toIntExact(ks);
                for (int p = 0, o = base; p < kc; p++, src += step, o += NR) {
                    FloatVector.fromArray(F, farr, src).intoArray(bp, o);
                    FloatVector.fromArray(F, farr, src + LANES).intoArray(bp, o + LANES);
                }
            } else if (ns == 1 && (t == DType.F32 || t == DType.BF16)) {
                // rows contiguous in n, a full panel or the last, partial one (an 80-wide attention head is two
                // panels of 32 and one of 16 with 512-bit vectors), zero padded
                for (int p = 0; p < kc; p++) {
                    CpuMem.load(s, t, col0 + p * ks, 1, nr, bp, base + p * NR);
                    if (nr < NR) {
                        java.util.Arrays.fill(bp, base + p * NR + nr, base + (p + 1) * NR, 0f);
                    }
                }
            } else if (ks == 1) {
                packTransposed(s, t, col0, ns, kc, nr, bp, base);
            } else {
                for (int p = 0; p < kc; p++) {
                    for (int j = 0; j < NR; j++) {
                        bp[base + p * NR + j] = j < nr ? CpuMem.get(s, t, col0 + p * ks + j * ns) : 0f;
                    }
                }
            }
        }
    }

    /**
     * All panels of one depth block (kc rows from src0, ks apart) of a B whose rows are contiguous in n, in a float[]:
     * row by row, each row's nc floats in order, the last panel zero padded when nc is not a multiple of NR.
     */
    static void packBRows(float[] src, int src0, int ks, int kc, int nc, float[] bp, int bBase) {
        int full = nc / NR;
        int rest = nc - full * NR;
        for (int p = 0; p < kc; p++) {
            int row = src0 + p * ks;
            int o = bBase + p * NR;
            for (int jr = 0; jr < full; jr++, row += NR, o += NR * kc) {
                FloatVector.fromArray(F, src, row).intoArray(bp, o);
                FloatVector.fromArray(F, src, row + LANES).intoArray(bp, o + LANES);
            }
            if (rest > 0) {
                System.arraycopy(src, row, bp, o, rest);
                java.util.Arrays.fill(bp, o + rest, o + NR, 0f);
            }
        }
    }

    /**
     * One NR-wide panel of a B whose columns are contiguous in k (an [N, K] weight seen transposed, as every Linear
     * layer's forward sees it): columns col0, col0 + ns, ... each kc long. The panel wants NR consecutive columns per
     * k, so this is a transpose of an NR x kc block. An F32 weight in a float[] is read in place; any other storage
     * (BF16, F16, a mapped file, an edge panel) is first widened row by row into a scratch block with vector loads.
     * The transpose then moves 8 x 8 blocks through vector registers ({@link Transpose8}) and the depth left over
     * four rows at a time, four consecutive floats of each panel row. (History: a column-at-a-time scatter, then the
     * four-row scalar copy for everything, 298 x 1536 x 8960 F32 157 -> 121 ms; a vector gather per panel row was no
     * faster on AVX2.)
     */
    private static void packTransposed(MemorySegment s, DType t, long col0, long ns, int kc, int nr, float[] bp,
                                       int base) {
        float[] src = t == DType.F32 && nr == NR ? CpuMem.floats(s) : null;
        int s0;
        int ld;
        if (src != null) {
            s0 = Math.toIntExact(s.address() / 4 + col0);
            ld = Math.toIntExact(ns);
        } else {
            src = Scratch.get(Scratch.F, NR * kc);
            for (int j = 0; j < NR; j++) {
                if (j < nr) {
                    CpuMem.load(s, t, col0 + j * ns, 1, kc, src, j * kc);
                } else {
                    java.util.Arrays.fill(src, j * kc, (j + 1) * kc, 0f);
                }
            }
            s0 = 0;
            ld = kc;
        }
        // sixteen (512-bit vectors) or eight rows by as many k at a time in vector registers, the rest of the depth
        // four rows at a time
        int vk;
        if (Transpose16.FAST) {
            vk = kc / 16 * 16;
            for (int h = 0; h < NR && vk > 0; h += 16) {
                for (int p = 0; p < vk; p += 16) {
                    Transpose16.block(src, s0 + h * ld + p, ld, bp, base + h + p * NR, NR);
                }
            }
        } else {
            vk = Transpose8.FAST ? kc / 8 * 8 : 0;
            for (int h = 0; h < NR && vk > 0; h += 8) {
                for (int p = 0; p < vk; p += 8) {
                    Transpose8.block(src, s0 + h * ld + p, ld, bp, base + h + p * NR, NR);
                }
            }
        }
        for (int h = 0; h < NR && vk < kc; h += 4) {
            int r0 = s0 + h * ld;
            int r1 = r0 + ld;
            int r2 = r1 + ld;
            int r3 = r2 + ld;
            for (int p = vk, o = base + h + vk * NR; p < kc; p++, o += NR) {
                bp[o] = src[r0 + p];
                bp[o + 1] = src[r1 + p];
                bp[o + 2] = src[r2 + p];
                bp[o + 3] = src[r3 + p];
            }
        }
    }
}
