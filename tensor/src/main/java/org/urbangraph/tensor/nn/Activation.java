package org.urbangraph.tensor.nn;

import java.util.Locale;
import org.urbangraph.tensor.Functional;
import org.urbangraph.tensor.Tensor;

/** Activation functions by their Hugging Face config names ({@code hidden_act}). */
public enum Activation {
    RELU, SILU, GELU, GELU_TANH, QUICK_GELU, IDENTITY;

    public Tensor apply(Tensor x) {
        return switch (this) {
            case RELU -> Functional.relu(x);
            case SILU -> Functional.silu(x);
            case GELU -> Functional.gelu(x);
            case GELU_TANH -> Functional.geluTanh(x);
            case QUICK_GELU -> Functional.quickGelu(x);
            case IDENTITY -> x;
        };
    }

    /** Parses {@code hidden_act} values: silu/swish, gelu, gelu_pytorch_tanh/gelu_new, quick_gelu, relu. */
    public static Activation fromConfig(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "relu" -> RELU;
            case "silu", "swish" -> SILU;
            case "gelu" -> GELU;
            case "gelu_pytorch_tanh", "gelu_new", "gelu_fast", "gelu_tanh" -> GELU_TANH;
            case "quick_gelu" -> QUICK_GELU;
            case "identity", "linear" -> IDENTITY;
            default -> throw new IllegalArgumentException("unsupported activation '" + name + "'");
        };
    }
}
