package org.urbangraph.uge.embed;

import java.util.List;

/**
 * Anything that maps inputs to L2-normalised vectors: a raw backbone (zero-shot), a backbone with UGE adapters
 * (stage 1, stage 1+2), an ablation, or a test double. UGBench evaluates through this interface only.
 */
public interface Embedder {

    /**
     * A stable identity of what produces the vectors (model, adapters, variant, settings), used to key the on-disk
     * embedding cache: two embedders with the same id must give the same vectors for the same inputs.
     */
    String id();

    /** Length of every vector. */
    int dimension();

    /** One L2-normalised vector per input, in order. Implementations batch internally as they see fit. */
    float[][] embed(List<EmbedInput> inputs);

    /**
     * What the model behind the vectors was trained on, which UGBench checks before embedding; null for an embedder
     * not trained on UGData (a raw backbone, a baseline, a test double), for which there is nothing to check.
     */
    default TrainedOn trainedOn() {
        return null;
    }
}
