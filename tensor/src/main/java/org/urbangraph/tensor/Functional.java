package org.urbangraph.tensor;

import java.util.Arrays;
import org.urbangraph.kernels.AttentionMask;
import org.urbangraph.kernels.Backend;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.UnaryOp;
import org.urbangraph.kernels.View;

/**
 * Neural-network functions (the {@code torch.nn.functional} of this project): activations, softmax, norms,
 * linear, dropout, losses, attention and rotary embeddings, each with its backward.
 */
public final class Functional {
    private Functional() {}

    // ---- activations ----------------------------------------------------------------------------------------

    public static Tensor relu(Tensor x) {
        return Pointwise.relu(x);
    }

    public static Tensor silu(Tensor x) {
        return Pointwise.activation(x, UnaryOp.SILU, UnaryOp.SILU_GRAD, "silu", 0);
    }

    /** Exact GELU (erf), torch's default. */
    public static Tensor gelu(Tensor x) {
        return Pointwise.activation(x, UnaryOp.GELU_ERF, UnaryOp.GELU_ERF_GRAD, "gelu", 0);
    }

    public static Tensor geluTanh(Tensor x) {
        return Pointwise.activation(x, UnaryOp.GELU_TANH, UnaryOp.GELU_TANH_GRAD, "gelu_tanh", 0);
    }

    public static Tensor quickGelu(Tensor x) {
        return Pointwise.activation(x, UnaryOp.QUICK_GELU, UnaryOp.QUICK_GELU_GRAD, "quick_gelu", 0);
    }

    public static Tensor sigmoid(Tensor x) {
        return Pointwise.sigmoid(x);
    }

    public static Tensor tanh(Tensor x) {
        return Pointwise.tanh(x);
    }

    // ---- softmax --------------------------------------------------------------------------------------------

    public static Tensor softmax(Tensor x, int dim) {
        return softmax(x, dim, false);
    }

    public static Tensor logSoftmax(Tensor x, int dim) {
        return softmax(x, dim, true);
    }

    private static Tensor softmax(Tensor x, int dim, boolean log) {
        int d = Shapes.dim(dim, x.rank());
        if (d != x.rank() - 1) {
            Tensor moved = x.transpose(d, -1);
            return softmax(moved, -1, log).transpose(d, -1);
        }
        Backend be = x.backend();
        Tensor out = Tensor.empty(be, Pointwise.floatType(x), x.shape());
        be.softmax(x.contiguous().view(), out.view(), log);
        return Autograd.record(out, log ? "log_softmax" : "softmax", g -> {
            Tensor dx = Tensor.empty(g.backend(), Pointwise.floatType(g), x.shape());
            g.backend().softmaxBackward(out.view(), g.contiguous().view(), dx.view(), log);
            return new Tensor[] {dx};
        }, x).saving(out);
    }

    // ---- normalisation --------------------------------------------------------------------------------------

    /** Refuses an x without a last dimension and a weight or bias (when given) that is not [x.size(-1)]. */
    private static void checkNormParams(String op, Tensor x, Tensor... params) {
        if (x.rank() == 0) {
            throw new IllegalArgumentException(op + " needs an input with a last dimension, got a scalar");
        }
        String[] names = {"weight", "bias"};
        for (int i = 0; i < params.length; i++) {
            Tensor p = params[i];
            if (p != null && (p.rank() != 1 || p.size(0) != x.size(-1))) {
                throw new IllegalArgumentException(op + ": " + names[i] + " has shape " + Arrays.toString(p.shape())
                        + ", expected [" + x.size(-1) + "] for x " + Arrays.toString(x.shape()));
            }
        }
    }

    /** LayerNorm over the last dimension D; weight and bias may be null, else [D]. */
    public static Tensor layerNorm(Tensor input, Tensor weight, Tensor bias, double eps) {
        checkNormParams("layer_norm", input, weight, bias);
        Tensor x = input.contiguous();
        Backend be = x.backend();
        int[] rowShape = Arrays.copyOf(x.shape(), x.rank() - 1);
        Tensor out = Tensor.empty(be, Pointwise.floatType(x), x.shape());
        Tensor mean = Tensor.empty(be, Pointwise.floatType(x), rowShape);
        Tensor rstd = Tensor.empty(be, Pointwise.floatType(x), rowShape);
        be.layerNorm(x.view(), viewOrNull(weight), viewOrNull(bias), (float) eps, out.view(), mean.view(), rstd.view());
        return Autograd.record(out, "layer_norm", g -> {
            Backend gb = g.backend();
            Tensor dx = Tensor.empty(gb, Pointwise.floatType(g), x.shape());
            Tensor dw = weight != null && weight.requiresGrad() ? Creation.zerosLike32(weight) : null;
            Tensor db = bias != null && bias.requiresGrad() ? Creation.zerosLike32(bias) : null;
            gb.layerNormBackward(x.view(), viewOrNull(weight), mean.view(), rstd.view(), g.contiguous().view(), dx.view(),
                    viewOrNull(dw), viewOrNull(db));
            return new Tensor[] {dx, dw, db};
        }, x, weight, bias).saving(x, weight);
    }

    /** RMSNorm over the last dimension D (Qwen2 / Mistral / Qwen2.5-VL vision); weight may be null, else [D]. */
    public static Tensor rmsNorm(Tensor input, Tensor weight, double eps) {
        checkNormParams("rms_norm", input, weight);
        Tensor x = input.contiguous();
        Backend be = x.backend();
        int[] rowShape = Arrays.copyOf(x.shape(), x.rank() - 1);
        Tensor out = Tensor.empty(be, Pointwise.floatType(x), x.shape());
        Tensor rstd = Tensor.empty(be, Pointwise.floatType(x), rowShape);
        be.rmsNorm(x.view(), viewOrNull(weight), (float) eps, out.view(), rstd.view());
        return Autograd.record(out, "rms_norm", g -> {
            Backend gb = g.backend();
            Tensor dx = Tensor.empty(gb, Pointwise.floatType(g), x.shape());
            Tensor dw = weight != null && weight.requiresGrad() ? Creation.zerosLike32(weight) : null;
            gb.rmsNormBackward(x.view(), viewOrNull(weight), rstd.view(), g.contiguous().view(), dx.view(), viewOrNull(dw));
            return new Tensor[] {dx, dw};
        }, x, weight).saving(x, weight);
    }

    static View viewOrNull(Tensor t) {
        return t == null ? null : t.view();
    }

    /**
     * L2-normalise along dim, as {@code F.normalize}: x / max(||x||, eps), with torch's gradient (x / eps's) for a
     * vector shorter than eps. The norm is taken as sqrt(max(sum x^2, eps^2)): the same value, where clamping
     * sqrt(sum x^2) would give an all-zero vector the gradient 0 * (0 / 0), NaN.
     */
    public static Tensor l2Normalize(Tensor x, int dim, double eps) {
        Tensor squares = Reductions.sum(Pointwise.mul(x, x), dim, true);
        Tensor norm = Pointwise.sqrt(Pointwise.clamp(squares, eps * eps, Double.POSITIVE_INFINITY));
        return Pointwise.div(x, norm);
    }

    // ---- linear and dropout ---------------------------------------------------------------------------------

    /** x @ weight^T + bias, with weight [out, in] in its stored dtype (bias may be null); see {@link LinAlg#linear}. */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        return LinAlg.linear(x, weight, bias);
    }

    /**
     * LoRA's {@code x @ weight^T + bias + scaling * (xd @ a^T) @ b^T} as one op (see {@link LinAlg#loraLinear}):
     * {@code xd} is x after LoRA's dropout, or x itself.
     */
    public static Tensor loraLinear(Tensor x, Tensor xd, Tensor weight, Tensor bias, Tensor a, Tensor b,
                                    double scaling) {
        return LinAlg.loraLinear(x, xd, weight, bias, a, b, scaling);
    }

    /**
     * Inverted dropout: zeroes each element with probability p and scales the rest by 1/(1-p). The mask is a pure
     * function of (seed, element index), so a run is reproducible. Identity when not training or p = 0.
     */
    public static Tensor dropout(Tensor x, double p, boolean training, long seed) {
        if (!training || p == 0) {
            return x;
        }
        if (p < 0 || p >= 1) {
            throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        }
        Backend be = x.backend();
        Tensor u = Tensor.empty(be, Pointwise.floatType(x), x.shape());
        be.randomUniform(u.view(), seed);
        Tensor keep;
        try (NoGrad g = NoGrad.enter()) {
            Tensor thresh = Creation.full(be, u.dtype(), p, 1);
            keep = Pointwise.affine(Pointwise.compare(org.urbangraph.kernels.BinaryOp.GE, u, thresh).to(u.dtype()),
                    1.0 / (1.0 - p), 0);
        }
        return Pointwise.mul(x, keep);
    }

    // ---- losses ---------------------------------------------------------------------------------------------

    /**
     * Mean cross-entropy of logits [N, C] against class ids [N], with optional label smoothing ε (the target
     * distribution puts 1-ε on the class and ε/C everywhere, as torch's {@code label_smoothing}).
     */
    public static Tensor crossEntropy(Tensor logits, Tensor target, double labelSmoothing) {
        if (logits.rank() != 2 || target.rank() != 1 || target.size(0) != logits.size(0)) {
            throw new IllegalArgumentException("cross_entropy needs logits [N, C] and targets [N], got "
                    + Arrays.toString(logits.shape()) + " and " + Arrays.toString(target.shape()));
        }
        Tensor logp = logSoftmax(logits, 1);
        Tensor picked = Indexing.gather(logp, 1, target.reshape(-1, 1));
        Tensor nll = Pointwise.neg(Reductions.meanAll(picked));
        if (labelSmoothing == 0) {
            return nll;
        }
        Tensor smooth = Pointwise.neg(Reductions.meanAll(logp));
        return Pointwise.add(Pointwise.affine(nll, 1 - labelSmoothing, 0), Pointwise.affine(smooth, labelSmoothing, 0));
    }

    // ---- attention and rotary -------------------------------------------------------------------------------

    /**
     * Fused scaled-dot-product attention: q [B, Hq, Lq, D], k and v [B, Hk, Lk, D(v)], grouped-query when Hq > Hk.
     * The score matrix is never stored; the backward recomputes it blockwise from the saved log-sum-exp.
     */
    public static Tensor attention(Tensor q, Tensor k, Tensor v, AttentionMask mask, double scale) {
        int[] qs = q.shape();
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4 || k.size(1) == 0 || qs[1] % k.size(1) != 0
                || k.size(0) != qs[0] || v.size(0) != qs[0] || v.size(1) != k.size(1) || v.size(2) != k.size(2)
                || k.size(3) != qs[3]) {
            throw new IllegalArgumentException("attention shapes q " + Arrays.toString(qs) + ", k "
                    + Arrays.toString(k.shape()) + ", v " + Arrays.toString(v.shape()) + " do not fit [B, H, L, D]");
        }
        Backend be = q.backend();
        DType ft = Pointwise.floatType(q, k, v);
        Tensor out = Tensor.empty(be, ft, qs[0], qs[1], qs[2], v.size(3));
        Tensor lse = Tensor.empty(be, ft, qs[0], qs[1], qs[2]);
        AttentionMask m = mask == null ? AttentionMask.NONE : mask;
        be.attention(q.view(), k.view(), v.view(), m, (float) scale, out.view(), lse.view());
        return Autograd.record(out, "attention", g -> {
            Backend gb = g.backend();
            Tensor dq = Tensor.empty(gb, ft, q.shape());
            Tensor dk = Tensor.empty(gb, ft, k.shape());
            Tensor dv = Tensor.empty(gb, ft, v.shape());
            gb.attentionBackward(q.view(), k.view(), v.view(), m, (float) scale, out.view(), lse.view(), g.view(),
                    dq.view(), dk.view(), dv.view());
            return new Tensor[] {dq, dk, dv};
        }, q, k, v).saving(q, k, v, out);
    }

    /**
     * Rotary embedding (rotate-half layout) of x [B, H, L, D] with tables cos, sin [B, L, D] whose two halves are
     * equal (true for 1-D, 2-D vision and M-RoPE tables), which makes the backward the same kernel with sin negated.
     */
    public static Tensor rotary(Tensor x, Tensor cos, Tensor sin) {
        if (x.rank() != 4 || x.size(3) % 2 != 0) {
            throw new IllegalArgumentException("rotary needs x [B, H, L, D] with an even head dimension D, got "
                    + Arrays.toString(x.shape()));
        }
        int[] table = {x.size(0), x.size(2), x.size(3)};
        for (Tensor t : new Tensor[] {cos, sin}) {
            if (!Arrays.equals(t.shape(), table)) {
                throw new IllegalArgumentException("rotary: " + (t == cos ? "cos" : "sin") + " has shape "
                        + Arrays.toString(t.shape()) + ", expected [B, L, D] " + Arrays.toString(table) + " for x "
                        + Arrays.toString(x.shape()));
            }
        }
        Backend be = x.backend();
        Tensor out = Tensor.empty(be, Pointwise.floatType(x), x.shape());
        be.rotary(x.view(), cos.view(), sin.view(), out.view(), false);
        return Autograd.record(out, "rotary", g -> {
            Tensor dx = Tensor.empty(g.backend(), Pointwise.floatType(g), x.shape());
            g.backend().rotary(g.view(), cos.view(), sin.view(), dx.view(), true);
            return new Tensor[] {dx};
        }, x).saving(cos, sin);
    }
}
