package org.urbangraph.vlm;

import java.util.function.UnaryOperator;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Embedding;
import org.urbangraph.vlm.text.KvCache;

/**
 * What UGE, the embedder and generation need from a backbone, whatever its family (Qwen2-VL, LLaVA-NeXT, ...).
 * Implementations are {@link org.urbangraph.tensor.nn.Module}s whose parameter names are the checkpoint's.
 */
public interface VisionLanguageModel {

    /** Width of the hidden states (and of the embedding). */
    int hiddenSize();

    /** The input token table ({@code embed_tokens}): graph node features are means of its rows. */
    Embedding tokenEmbeddings();

    /**
     * Final hidden states [B, L, H] of a batch. {@code spliceHook}, when not null, receives the input embeddings
     * [B, L, H] (tokens with image features spliced in) and returns the embeddings the decoder runs on: UGE writes
     * graph node embeddings over the graph-pad tokens there.
     */
    Tensor encode(MultimodalBatch batch, UnaryOperator<Tensor> spliceHook);

    /** The L2-normalised hidden state of each row's last real token [B, H]. */
    default Tensor embed(MultimodalBatch batch, UnaryOperator<Tensor> spliceHook) {
        return Pooling.lastTokenL2(encode(batch, spliceHook), batch.lastTokenIndex());
    }

    /** Logits over the vocabulary for hidden states [..., H]. */
    Tensor logits(Tensor hidden);

    /** The prompt's pass for generation: its hidden states, and each row's next position. */
    record Prefill(Tensor lastHiddenState, long[] nextPositions) {}

    Prefill prefill(MultimodalBatch prompt, KvCache cache);

    /**
     * One decoding step: one new token per row at {@code positions}, attending over the cache and itself;
     * {@code keyMask} [B][cached + 1] marks real keys. Returns hidden states [B, 1, H].
     */
    Tensor decodeStep(long[] tokens, long[] positions, long[][] keyMask, KvCache cache);
}
