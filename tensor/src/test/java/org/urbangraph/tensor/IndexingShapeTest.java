package org.urbangraph.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.urbangraph.kernels.Backend;
import org.urbangraph.kernels.Backends;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.opencl.OpenClBackend;
import org.urbangraph.kernels.ref.ReferenceBackend;

/**
 * Shape rules of the indexing ops: mismatched operands are refused with the op and the shapes named, and the
 * shapes torch accepts (an index smaller than the tensor it reads or writes, src larger than the index) give torch's
 * numbers on every backend.
 */
class IndexingShapeTest {

    private final Backend saved = Backends.current();

    @AfterEach
    void restore() {
        Backends.setCurrent(saved);
    }

    /** CPU and the reference, and OpenCL where a platform is found. */
    private static List<Backend> backends() {
        List<Backend> all = new ArrayList<>(List.of(Backends.byName("cpu"), ReferenceBackend.INSTANCE));
        if (OpenClBackend.unavailableReason() == null) {
            all.add(Backends.byName("opencl"));
        }
        return all;
    }

    private static Tensor ids(long... v) {
        return Tensor.of(v, v.length);
    }

    private static Tensor range(int... shape) {
        return Tensor.arange(0, Shapes.numel(shape)).to(DType.F32).reshape(shape);
    }

    /** Asserts an IllegalArgumentException whose message names the op and every given shape. */
    private static void refused(Executable call, String op, String... shapes) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(op), e.getMessage());
        for (String s : shapes) {
            assertTrue(e.getMessage().contains(s), e.getMessage());
        }
    }

    @Test
    void segmentOpsNeedOneIdPerRow() {
        refused(() -> Indexing.segmentSum(Tensor.ones(7, 2), ids(0, 1, 2, 0, 1, 2), 3), "segment_sum", "[6]",
                "[7, 2]");
        refused(() -> Indexing.segmentSoftmax(Tensor.ones(5, 2), ids(0, 1, 0), 2, 1e-16), "segment_softmax", "[3]",
                "[5, 2]");
        refused(() -> Indexing.segmentSum(Tensor.ones(2, 2), Tensor.of(new long[] {0, 1}, 2, 1), 2), "segment_sum",
                "[2, 1]", "[2, 2]");
        refused(() -> Indexing.segmentSum(Tensor.ones(2, 2), ids(0, 0), -1), "segment_sum", "-1");
    }

    @Test
    void indexAddNeedsSrcThatFitsDstAndIndex() {
        refused(() -> Indexing.indexAdd(Tensor.zeros(3, 2), 0, ids(0, 2), Tensor.ones(2, 5)), "index_add", "[3, 2]",
                "[2, 5]");
        refused(() -> Indexing.indexAdd(Tensor.zeros(3, 2), 0, ids(0, 2, 1), Tensor.ones(2, 2)), "index_add",
                "[3]", "[2, 2]");
        refused(() -> Indexing.indexAdd(Tensor.zeros(3, 2), 0, ids(0, 2), Tensor.ones(2)), "index_add", "[3, 2]",
                "[2]");
        refused(() -> Indexing.indexAdd(Tensor.zeros(3, 2), 0, Tensor.of(new long[] {0, 2}, 2, 1), Tensor.ones(2, 2)),
                "index_add", "[2, 1]");
        assertArrayEquals(new float[] {0, 2, 0, 0, 2, 0}, Indexing.indexAdd(Tensor.zeros(2, 3), 1, ids(1, 1),
                Tensor.ones(2, 2)).toFloatArray());
    }

    @Test
    void segmentSoftmaxNormalisesEveryChannelOfAThreeDimensionalInput() {
        Tensor seg = ids(0, 1, 0, 1, 1);
        Tensor x = Tensor.randn(3, 5, 2, 3);
        for (Backend b : backends()) {
            Backends.setCurrent(b);
            Tensor xb = x.toBackend(b);
            Tensor y = Indexing.segmentSoftmax(xb, seg.toBackend(b), 2, 1e-16);
            assertArrayEquals(new int[] {5, 2, 3}, y.shape());
            for (int c = 0; c < 3; c++) {
                Tensor expected = Indexing.segmentSoftmax(xb.select(2, c).contiguous(), seg.toBackend(b), 2, 1e-16);
                assertArrayEquals(expected.toFloatArray(), y.select(2, c).toFloatArray(), 1e-6f, b.toString());
            }
        }
    }

    @Test
    void gatherNeedsAnIndexOfXsRankNoLargerThanX() {
        Tensor big = range(3, 3);
        refused(() -> Indexing.gather(big.narrow(0, 0, 2), 1, Tensor.of(new long[] {0, 1, 2}, 3, 1)), "gather",
                "[3, 1]", "[2, 3]");
        refused(() -> Indexing.gather(range(3, 4), 1, ids(0, 1)), "gather", "[2]", "[3, 4]");
    }

    @Test
    void gatherWithAnIndexSmallerThanXReadsItsLeadingPart() {
        // x [2, 3, 4], index [1, 2, 2] along dim 2: out[0, j, k] = x[0, j, index[0, j, k]]
        for (Backend b : backends()) {
            Backends.setCurrent(b);
            Tensor index = Tensor.of(new long[] {3, 0, 1, 1}, 1, 2, 2);
            Tensor x = range(2, 3, 4).requiresGrad(true);
            Tensor out = Indexing.gather(x, 2, index);
            assertArrayEquals(new float[] {3, 0, 5, 5}, out.toFloatArray(), b.toString());
            out.sum().backward();
            float[] g = new float[24];
            g[3] = 1;
            g[0] = 1;
            g[5] = 2;
            assertArrayEquals(g, x.grad().toFloatArray(), b.toString());
            // along dim 0 the rows beyond the index are not read either
            Tensor out0 = Indexing.gather(range(2, 3, 4), 0, Tensor.of(new long[] {1, 0, 1, 1}, 1, 2, 2));
            assertArrayEquals(new float[] {12, 1, 16, 17}, out0.toFloatArray(), b.toString());
        }
    }

    @Test
    void scatterAddWithSrcLargerThanIndexUsesAndDifferentiatesItsCoveredPart() {
        // torch: dst [2, 3] zeros, index [[0], [2]] along dim 1, src [2, 3]: only src[:, 0] is added
        for (Backend b : backends()) {
            Backends.setCurrent(b);
            Tensor index = Tensor.of(new long[] {0, 2}, 2, 1);
            Tensor dst = Tensor.zeros(2, 3).requiresGrad(true);
            Tensor src = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).requiresGrad(true);
            Tensor out = Indexing.scatterAdd(dst, 1, index, src);
            assertArrayEquals(new float[] {1, 0, 0, 0, 0, 4}, out.toFloatArray(), b.toString());
            out.mul(Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3)).sum().backward();
            assertArrayEquals(new int[] {2, 3}, src.grad().shape());
            assertArrayEquals(new float[] {1, 0, 0, 6, 0, 0}, src.grad().toFloatArray(), b.toString());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, dst.grad().toFloatArray(), b.toString());
            // an index smaller than dst outside dim writes dst's leading part
            Tensor out3 = Indexing.scatterAdd(Tensor.zeros(2, 3, 2), 1, Tensor.of(new long[] {2, 2}, 1, 1, 2),
                    Tensor.of(new float[] {5, 7, 9, 9}, 2, 1, 2));
            float[] expected = new float[12];
            expected[4] = 5;
            expected[5] = 7;
            assertArrayEquals(expected, out3.toFloatArray(), b.toString());
        }
    }

    @Test
    void scatterAddRefusesIndexLargerThanSrcOrDst() {
        refused(() -> Indexing.scatterAdd(Tensor.zeros(2, 3), 1, Tensor.of(new long[] {0, 1, 2, 0}, 2, 2),
                Tensor.ones(2, 1)), "scatter_add", "[2, 2]", "[2, 1]");
        refused(() -> Indexing.scatterAdd(Tensor.zeros(1, 3), 1, Tensor.of(new long[] {0, 1}, 2, 1),
                Tensor.ones(2, 1)), "scatter_add", "[2, 1]", "[1, 3]");
        refused(() -> Indexing.scatterAdd(Tensor.zeros(2, 3), 1, ids(0, 1), Tensor.ones(2, 3)), "scatter_add",
                "[2]", "[2, 3]");
    }

    @Test
    void embeddingNeedsATwoDimensionalTable() {
        refused(() -> Indexing.embedding(Tensor.ones(4), ids(0, 1)), "embedding", "[4]");
    }
}
