package org.urbangraph.uge.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.testkit.Approx;

/**
 * The graph tokens' rows beside a table of 7 rows: one id on a spare row of the table (5), two past its end (7, 8),
 * as a vocabulary without spare rows gives them.
 */
class NewTokenRowsTest {

    static final int ROWS = 7;
    static final int H = 5;

    @Test
    void rowsStartFromTheTableOrItsMeanAndOverwriteTheirPositions() {
        Tensor table = Tensor.randn(3, ROWS, H);
        NewTokenRows rows = new NewTokenRows(new long[] {5, 7, 8}, table);
        float[] t = table.toFloatArray();
        float[] w = rows.weight().tensor().toFloatArray();
        assertArrayEquals(Arrays.copyOfRange(t, 5 * H, 6 * H), Arrays.copyOfRange(w, 0, H), "id 5 starts as row 5");
        float[] mean = new float[H];
        for (int r = 0; r < ROWS; r++) {
            for (int c = 0; c < H; c++) {
                mean[c] += t[r * H + c] / ROWS;
            }
        }
        Approx.assertClose("id 7 starts as the table's mean", mean, Arrays.copyOfRange(w, H, 2 * H), 1e-6, 1e-6);
        Approx.assertClose("id 8 too", mean, Arrays.copyOfRange(w, 2 * H, 3 * H), 1e-6, 1e-6);

        try (NoGrad g = NoGrad.enter()) {
            rows.weight().tensor().copyFrom(Tensor.randn(4, 3, H));
            w = rows.weight().tensor().toFloatArray();
            long[][] ids = {{1, 7, 2, 8}, {6, 5, 7, 0}};
            long[][] lookup = rows.lookupIds(ids, 0);
            assertArrayEquals(new long[] {1, 0, 2, 0}, lookup[0], "ids past the table are looked up as row 0");
            assertArrayEquals(new long[] {6, 5, 0, 0}, lookup[1], "id 5 has a row; real ids stay");
            assertArrayEquals(new long[] {1, 7, 2, 8}, ids[0], "the caller's ids are not changed");
            Tensor embeds = Tensor.randn(6, 2, 4, H);
            float[] e = embeds.toFloatArray();
            float[] out = rows.apply(embeds, ids).toFloatArray();
            int[][] source = {{-1, 1, -1, 2}, {-1, 0, 1, -1}};
            for (int b = 0; b < 2; b++) {
                for (int i = 0; i < 4; i++) {
                    int at = (b * 4 + i) * H;
                    float[] want = source[b][i] < 0 ? Arrays.copyOfRange(e, at, at + H)
                            : Arrays.copyOfRange(w, source[b][i] * H, (source[b][i] + 1) * H);
                    assertArrayEquals(want, Arrays.copyOfRange(out, at, at + H), "row " + b + " position " + i);
                }
            }
        }
    }

    @Test
    void idsInsideTheTableLeaveTheBatchAsItIs() {
        NewTokenRows rows = new NewTokenRows(new long[] {4, 5, 6}, Tensor.randn(1, ROWS, H));
        long[][] ids = {{1, 4, 5, 6}};
        assertSame(ids, rows.lookupIds(ids, 0));
        assertThrows(IllegalArgumentException.class, () -> rows.lookupIds(ids, ROWS));
    }
}
