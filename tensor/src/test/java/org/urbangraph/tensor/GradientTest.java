package org.urbangraph.tensor;

import static org.urbangraph.tensor.GradCheck.In;
import static org.urbangraph.tensor.GradCheck.check;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.urbangraph.kernels.AttentionMask;
import org.urbangraph.kernels.Backend;
import org.urbangraph.kernels.Backends;
import org.urbangraph.kernels.BinaryOp;
import org.urbangraph.kernels.ref.ReferenceBackend;

/**
 * Every differentiable op against central finite differences in F64, on random inputs (never zeros), with
 * broadcast and strided (non-contiguous) operands where the op accepts them.
 */
class GradientTest {

    private static Backend saved;

    @BeforeAll
    static void useReference() {
        saved = Backends.current();
        Backends.setCurrent(ReferenceBackend.INSTANCE);
    }

    @AfterAll
    static void restore() {
        Backends.setCurrent(saved);
    }

    // ---- element-wise binary, with broadcasting and strided operands ---------------------------------------

    @Test
    void arithmeticWithBroadcasting() {
        check("add", x -> x[0].add(x[1]), In.random(1, 3, 4), In.random(2, 4));
        check("sub", x -> x[0].sub(x[1]), In.random(3, 3, 1), In.random(4, 1, 5));
        check("mul", x -> x[0].mul(x[1]), In.random(5, 2, 3, 4), In.random(6, 3, 1));
        check("div", x -> x[0].div(x[1]), In.random(7, 3, 4), In.positive(8, 4));
        check("mul strided", x -> x[0].transpose(0, 1).mul(x[1].slice(1, 0, 6, 2)),
                In.random(9, 3, 4), In.random(10, 4, 6));
        check("add expanded", x -> x[0].expand(3, 4).add(x[1]), In.random(11, 1, 4), In.random(12, 3, 4));
    }

    @Test
    void scalarArithmetic() {
        check("affine", x -> x[0].mul(2.5).add(-0.75).sub(0.5).div(3), In.random(13, 7));
        check("neg", x -> x[0].neg(), In.random(14, 5));
    }

    @Test
    void minMaxPowAtan2() {
        check("maximum", x -> Pointwise.maximum(x[0], x[1]), In.random(15, 4, 3), In.random(16, 3));
        check("minimum", x -> Pointwise.minimum(x[0], x[1]), In.random(17, 4, 3), In.random(18, 4, 3));
        check("pow tensor", x -> Pointwise.pow(x[0], x[1]), In.positive(19, 5), In.random(20, 5));
        check("atan2", x -> Pointwise.atan2(x[0], x[1]), In.random(21, 6), In.random(22, 6));
    }

    @Test
    void whereAndMaskedFill() {
        Tensor cond = Creation.fromArray(new boolean[] {true, false, true, true, false, false}, 2, 3);
        check("where", x -> Pointwise.where(cond, x[0], x[1]), In.random(23, 2, 3), In.random(24, 3));
        check("masked_fill", x -> Pointwise.maskedFill(x[0], cond, -3.5), In.random(25, 2, 3));
    }

    // ---- element-wise unary -------------------------------------------------------------------------------

    @Test
    void unaryMath() {
        check("exp", x -> x[0].exp(), In.random(26, 6));
        check("log", x -> x[0].log(), In.positive(27, 6));
        check("log1p", x -> Pointwise.log1p(x[0]), In.positive(28, 6));
        check("sqrt", x -> x[0].sqrt(), In.positive(29, 6));
        check("rsqrt", x -> x[0].rsqrt(), In.positive(30, 6));
        check("pow scalar", x -> x[0].pow(2.7), In.positive(31, 6));
        check("pow integer", x -> x[0].pow(3), In.random(32, 6));
        check("abs", x -> x[0].abs(), In.random(33, 6));
        check("sin", x -> Pointwise.sin(x[0]), In.random(34, 6));
        check("cos", x -> Pointwise.cos(x[0]), In.random(35, 6));
        check("tanh", x -> Pointwise.tanh(x[0]), In.random(36, 6));
        check("sigmoid", x -> Pointwise.sigmoid(x[0]), In.random(37, 6));
        check("clamp", x -> x[0].clamp(-1.0, 1.0), In.random(38, 9));
    }

    @Test
    void activations() {
        check("relu", x -> Functional.relu(x[0]), In.random(39, 9));
        check("leaky_relu", x -> Pointwise.leakyRelu(x[0], 0.2), In.random(40, 9));
        check("silu", x -> Functional.silu(x[0]), In.random(41, 9));
        check("gelu", x -> Functional.gelu(x[0]), In.random(42, 9));
        check("gelu_tanh", x -> Functional.geluTanh(x[0]), In.random(43, 9));
        check("quick_gelu", x -> Functional.quickGelu(x[0]), In.random(44, 9));
        check("silu strided", x -> Functional.silu(x[0].transpose(0, 1)), In.random(45, 3, 5));
    }

    // ---- reductions ---------------------------------------------------------------------------------------

    @Test
    void reductions() {
        check("sum dim", x -> x[0].sum(1, false), In.random(46, 3, 4, 5));
        check("sum keepdim", x -> x[0].sum(0, true), In.random(47, 3, 4));
        check("sum all", x -> x[0].sum(), In.random(48, 3, 4));
        check("mean dim", x -> x[0].mean(-1, false), In.random(49, 3, 7));
        check("mean all", x -> x[0].mean(), In.random(50, 2, 3));
        check("max dim", x -> x[0].max(1, false), In.random(51, 4, 6));
        check("min dim", x -> Reductions.min(x[0], 0, true), In.random(52, 4, 6));
        check("logsumexp", x -> x[0].logsumexp(1, false), In.random(53, 3, 8));
        check("sum strided", x -> x[0].permute(2, 0, 1).sum(1, false), In.random(54, 2, 3, 4));
    }

    // ---- matrix products ----------------------------------------------------------------------------------

    @Test
    void matmul() {
        check("matmul 2d", x -> x[0].matmul(x[1]), In.random(55, 3, 5), In.random(56, 5, 4));
        check("matmul weight over batch", x -> x[0].matmul(x[1]), In.random(57, 2, 3, 5), In.random(58, 5, 4));
        check("matmul batched broadcast", x -> x[0].matmul(x[1]), In.random(59, 2, 1, 3, 5),
                In.random(60, 3, 5, 2));
        check("matmul transposed operands", x -> x[0].mT().matmul(x[1].mT()), In.random(61, 5, 3),
                In.random(62, 4, 5));
        check("linear", x -> Functional.linear(x[0], x[1], x[2]), In.random(63, 2, 3, 6), In.random(64, 4, 6),
                In.random(65, 4));
        check("linear without bias, strided input", x -> Functional.linear(x[0].mT(), x[1], null),
                In.random(155, 6, 5), In.random(156, 4, 6));
        check("linear of a weight view", x -> Functional.linear(x[0], x[1].reshape(3, 4), x[2]),
                In.random(157, 7, 4), In.random(158, 12), In.random(159, 3));
        check("linear with a narrow weight (2 inputs, 33 outputs)", x -> Functional.linear(x[0], x[1], x[2]),
                In.random(160, 5, 2), In.random(161, 33, 2), In.random(162, 33));
        check("lora linear (same input)", x -> Functional.loraLinear(x[0], x[0], x[1], x[2], x[3], x[4], 1.5),
                In.random(163, 2, 3, 6), In.random(164, 5, 6), In.random(165, 5), In.random(166, 2, 6),
                In.random(167, 5, 2));
        check("lora linear (dropout input, strided, no bias)",
                x -> Functional.loraLinear(x[0].mT(), x[1].mT().mul(2.0), x[2], null, x[3], x[4], 0.75),
                In.random(168, 6, 4), In.random(169, 6, 4), In.random(170, 3, 6), In.random(171, 3, 6),
                In.random(172, 3, 3));
        check("matmul permuted batch", x -> x[0].permute(1, 0, 2).matmul(x[1]), In.random(66, 3, 2, 4),
                In.random(67, 2, 4, 3));
    }

    // ---- softmax and norms --------------------------------------------------------------------------------

    @Test
    void softmaxFamily() {
        check("softmax last", x -> x[0].softmax(-1), In.random(68, 3, 5));
        check("softmax dim 0", x -> x[0].softmax(0), In.random(69, 4, 3));
        check("log_softmax", x -> x[0].logSoftmax(-1), In.random(70, 3, 6));
        check("log_softmax strided", x -> x[0].transpose(0, 1).logSoftmax(-1), In.random(71, 5, 3));
    }

    @Test
    void norms() {
        check("layer_norm", x -> Functional.layerNorm(x[0], x[1], x[2], 1e-5), In.random(72, 3, 8),
                In.random(73, 8), In.random(74, 8));
        check("layer_norm no affine", x -> Functional.layerNorm(x[0], null, null, 1e-5), In.random(75, 2, 3, 7));
        check("layer_norm strided", x -> Functional.layerNorm(x[0].transpose(0, 1), x[1], null, 1e-6),
                In.random(76, 6, 4), In.random(77, 6));
        check("rms_norm", x -> Functional.rmsNorm(x[0], x[1], 1e-6), In.random(78, 3, 8), In.random(79, 8));
        check("rms_norm no weight", x -> Functional.rmsNorm(x[0], null, 1e-6), In.random(80, 5, 3));
        check("l2_normalize", x -> Functional.l2Normalize(x[0], -1, 1e-12), In.random(81, 4, 6));
        double[] withZeroRow = In.random(81, 4, 6).data();
        java.util.Arrays.fill(withZeroRow, 6, 12, 0);
        check("l2_normalize zero row", x -> Functional.l2Normalize(x[0], -1, 0.1), new In(withZeroRow, new int[] {4, 6},
                true));
        check("l2_normalize zero column", x -> Functional.l2Normalize(x[0], 0, 0.1), new In(withZeroRow,
                new int[] {6, 4}, true));
    }

    // ---- losses and dropout -------------------------------------------------------------------------------

    @Test
    void crossEntropy() {
        Tensor target = Creation.fromArray(new long[] {2, 0, 4}, 3);
        check("cross_entropy", x -> Functional.crossEntropy(x[0], target, 0), In.random(82, 3, 5));
        check("cross_entropy smoothed", x -> Functional.crossEntropy(x[0], target, 0.1), In.random(83, 3, 5));
    }

    @Test
    void dropoutWithAFixedSeed() {
        check("dropout", x -> Functional.dropout(x[0], 0.3, true, 99), In.random(84, 6, 7));
    }

    // ---- indexing -----------------------------------------------------------------------------------------

    @Test
    void indexing() {
        Tensor idx = Creation.fromArray(new long[] {3, 0, 3, 1}, 4);
        check("index_select dim 0", x -> Indexing.indexSelect(x[0], 0, idx), In.random(85, 5, 3));
        check("index_select dim 1", x -> Indexing.indexSelect(x[0], 1, idx), In.random(86, 2, 4));
        Tensor ids = Creation.fromArray(new long[] {1, 4, 4, 0, 2, 1}, 2, 3);
        check("embedding", x -> Indexing.embedding(x[0], ids), In.random(87, 5, 3));
        check("index_add", x -> Indexing.indexAdd(x[0], 0, idx, x[1]), In.random(88, 4, 3), In.random(89, 4, 3));
        Tensor gidx = Creation.fromArray(new long[] {0, 2, 1, 1, 0, 0}, 3, 2);
        check("gather", x -> Indexing.gather(x[0], 1, gidx), In.random(90, 3, 4));
        check("scatter_add", x -> Indexing.scatterAdd(x[0], 1, gidx, x[1]), In.random(91, 3, 4), In.random(92, 3, 2));
        Tensor seg = Creation.fromArray(new long[] {0, 2, 2, 1, 0, 2, 3}, 7);
        check("segment_sum", x -> Indexing.segmentSum(x[0], seg, 5), In.random(93, 7, 3));
        check("segment_softmax", x -> Indexing.segmentSoftmax(x[0], seg, 5, 1e-16), In.random(94, 7, 4));
        check("segment_softmax [E, H, C]", x -> Indexing.segmentSoftmax(x[0], seg, 5, 1e-16), In.random(95, 7, 2, 3));
        check("scatter_add src larger than index", x -> Indexing.scatterAdd(x[0], 1, gidx, x[1]), In.random(96, 3, 4),
                In.random(97, 4, 3));
        Tensor small = Creation.fromArray(new long[] {2, 0, 1, 1}, 1, 2, 2);
        check("gather index smaller than x", x -> Indexing.gather(x[0], 2, small), In.random(98, 2, 3, 4));
    }

    // ---- fused graph attention ----------------------------------------------------------------------------

    /** 9 edges on 5 nodes: a self-loop (2 -> 2), a repeated edge (3 -> 1 twice), no edge into node 3. */
    private static final Tensor SRC = Creation.fromArray(new long[] {0, 1, 2, 2, 3, 3, 1, 4, 0}, 9);
    private static final Tensor DST = Creation.fromArray(new long[] {1, 2, 2, 0, 1, 1, 4, 4, 2}, 9);

    @Test
    void gatv2Logits() {
        check("gatv2_logits", x -> MessagePassing.gatv2Logits(x[0], x[1], x[2], SRC, DST, x[3], 0.2),
                In.random(140, 5, 2, 3), In.random(141, 5, 2, 3), In.random(142, 9, 2, 3), In.random(143, 2, 3));
        check("gatv2_logits without edge term, att [1, H, C], strided x_r",
                x -> MessagePassing.gatv2Logits(x[0], x[1].transpose(1, 2), null, SRC, DST, x[2], 0.2),
                In.random(144, 5, 2, 3), In.random(145, 5, 3, 2), In.random(146, 1, 2, 3));
        Tensor xr = Creation.fromArrayF64(GradCheck.values(147, 30, 0.1, 2.0), 5, 2, 3);
        check("gatv2_logits, x_r constant", x -> MessagePassing.gatv2Logits(x[0], xr, x[1], SRC, DST, x[2], 0.3),
                In.random(148, 5, 2, 3), In.random(149, 9, 2, 3), In.random(150, 2, 3));
    }

    @Test
    void edgeAggregate() {
        check("edge_aggregate", x -> MessagePassing.edgeAggregate(x[0], x[1], SRC, DST, 5, false),
                In.random(151, 5, 2, 3), In.random(152, 9, 2));
        check("edge_aggregate, mean of heads, strided x",
                x -> MessagePassing.edgeAggregate(x[0].transpose(1, 2), x[1], SRC, DST, 6, true),
                In.random(153, 5, 3, 2), In.random(154, 9, 2));
    }

    // ---- views and copies ---------------------------------------------------------------------------------

    @Test
    void viewsAndCopies() {
        check("reshape", x -> x[0].reshape(4, 3).mul(x[1]), In.random(95, 2, 6), In.random(96, 3));
        check("reshape of transposed (copy)", x -> x[0].mT().reshape(-1), In.random(97, 3, 4));
        check("permute", x -> x[0].permute(2, 0, 1), In.random(98, 2, 3, 4));
        check("narrow", x -> x[0].narrow(1, 1, 2), In.random(99, 3, 4));
        check("slice step", x -> x[0].slice(0, 1, 7, 3), In.random(100, 7, 2));
        check("select", x -> x[0].select(1, 2), In.random(101, 3, 4));
        check("squeeze/unsqueeze", x -> x[0].unsqueeze(1).squeeze(1).unsqueeze(0), In.random(102, 3, 2));
        check("contiguous", x -> x[0].mT().contiguous(), In.random(103, 3, 4));
        check("cat", x -> Layout.cat(List.of(x[0], x[1].mT()), 0), In.random(104, 2, 3), In.random(105, 3, 4));
        check("stack", x -> Layout.stack(List.of(x[0], x[1]), 1), In.random(106, 2, 3), In.random(107, 2, 3));
        check("split", x -> x[0].split(2, 1)[1].mul(2), In.random(108, 3, 5));
        check("chunk", x -> x[0].chunk(3, 0)[2], In.random(109, 7, 2));
    }

    // ---- attention and rotary -----------------------------------------------------------------------------

    @Test
    void attentionPlain() {
        check("attention", x -> Functional.attention(x[0], x[1], x[2], null, 0.4), In.random(110, 1, 2, 3, 4),
                In.random(111, 1, 2, 5, 4), In.random(112, 1, 2, 5, 3));
    }

    @Test
    void attentionCausalGroupedQuery() {
        check("attention causal gqa", x -> Functional.attention(x[0], x[1], x[2], AttentionMask.CAUSAL, 0.5),
                In.random(113, 2, 4, 5, 3), In.random(114, 2, 2, 5, 3), In.random(115, 2, 2, 5, 3));
    }

    @Test
    void attentionPaddingAndSegments() {
        Tensor pad = Creation.fromArray(new long[] {0, 1, 1, 1, 1, 1, 1, 1, 0, 1}, 2, 5);
        Tensor qs = Creation.fromArray(new long[] {0, 0, 1, 1, 1, 0, 1, 1, 2, 2}, 2, 5);
        AttentionMask m = new AttentionMask(false, pad.view(), qs.view(), qs.view());
        check("attention padding + segments", x -> Functional.attention(x[0], x[1], x[2], m, 0.6),
                In.random(116, 2, 2, 5, 4), In.random(117, 2, 1, 5, 4), In.random(118, 2, 1, 5, 4));
    }

    @Test
    void attentionOnPermutedInputs() {
        check("attention permuted", x -> Functional.attention(x[0].permute(0, 2, 1, 3), x[1].permute(0, 2, 1, 3),
                x[2].permute(0, 2, 1, 3), AttentionMask.CAUSAL, 0.5),
                In.random(119, 1, 4, 2, 3), In.random(120, 1, 4, 2, 3), In.random(121, 1, 4, 2, 3));
    }

    @Test
    void rotary() {
        // tables with equal halves, as every rotary layout builds them
        double[] ang = GradCheck.values(122, 2 * 3 * 2, 0.1, 3.0);
        double[] c = new double[2 * 3 * 4];
        double[] s = new double[2 * 3 * 4];
        for (int b = 0; b < 2; b++) {
            for (int l = 0; l < 3; l++) {
                for (int d = 0; d < 4; d++) {
                    double a = ang[(b * 3 + l) * 2 + d % 2];
                    c[(b * 3 + l) * 4 + d] = Math.cos(a);
                    s[(b * 3 + l) * 4 + d] = Math.sin(a);
                }
            }
        }
        Tensor cos = Creation.fromArrayF64(c, 2, 3, 4);
        Tensor sin = Creation.fromArrayF64(s, 2, 3, 4);
        check("rotary", x -> Functional.rotary(x[0], cos, sin), In.random(123, 2, 2, 3, 4));
        check("rotary strided", x -> Functional.rotary(x[0].permute(0, 2, 1, 3), cos, sin), In.random(124, 2, 3, 2, 4));
    }

    @Test
    void comparisonsCarryNoGradientButMasksWork() {
        check("mask multiply", x -> x[0].mul(Pointwise.compare(BinaryOp.GT, x[1], Creation.fromArrayF64(new double[] {0}))
                .to(org.urbangraph.kernels.DType.F64)), In.random(125, 8),
                new In(GradCheck.values(126, 8, 0.1, 2.0), new int[] {8}, false));
    }
}
