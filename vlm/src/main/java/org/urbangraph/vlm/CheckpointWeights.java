package org.urbangraph.vlm;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.urbangraph.tensor.io.CheckpointMismatchException;
import org.urbangraph.tensor.io.WeightSource;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.tensor.nn.Module.LoadReport;

/**
 * Loads a vision-language model's weights from a hub checkpoint: every parameter must be there, with its shape and
 * a float dtype, and the checkpoint may hold nothing else. Anything that does not fit is one
 * {@link CheckpointMismatchException} that names the file and the tensors as stored; a token table whose row count
 * is not config.json's {@code vocab_size} is said to be that.
 */
public final class CheckpointWeights {

    private CheckpointWeights() {}

    /**
     * @param model     the model, its parameters named as in {@code source}
     * @param source    the checkpoint, renamed to the model's names
     * @param embedKey  the token table's name in the model ({@code model.language_model.embed_tokens.weight})
     * @param tolerated names in {@code source} that may be present and are not loaded (buffers the reference
     *                  writes but does not read back)
     */
    public static LoadReport load(Module model, WeightSource source, String embedKey, Predicate<String> tolerated) {
        LoadReport r = model.load(source, "", false);
        List<String> unexpected = new ArrayList<>();
        for (String n : r.unexpected()) {
            if (!tolerated.test(n)) {
                unexpected.add(n);
            }
        }
        LoadReport kept = r.withUnexpected(unexpected);
        if (kept.clean()) {
            return r;
        }
        String note = null;
        if (r.misShaped().contains(embedKey)) {
            int[] stored = source.info(embedKey).shape();
            int rows = model.namedParameters().get(embedKey).shape()[0];
            if (stored.length == 2 && stored[0] != rows) {
                note = "config.json's vocab_size " + rows + " disagrees with the embedding table "
                        + source.storedName(embedKey) + ", which has " + stored[0] + " rows";
            }
        }
        throw model.mismatch(source, "", kept, note);
    }
}
