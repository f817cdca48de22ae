package org.urbangraph.uge.model;

import java.util.Arrays;
import org.urbangraph.tensor.Creation;
import org.urbangraph.tensor.Indexing;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Pointwise;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.tensor.nn.Parameter;

/**
 * Trainable input-embedding rows for tokens UGE adds to the backbone's vocabulary ({@code <|graph_start|>},
 * {@code <|graph_pad|>}, {@code <|graph_end|>}). They live beside the frozen table rather than in it, so only these
 * rows train, and ids beyond the table's rows work too. A row starts as the table's row for that id when the table
 * has one, else as the mean of the table.
 *
 * <p>Most released vocabularies are padded past their tokenizer (Qwen2-VL: 151,936 rows for 151,657 tokens;
 * Phi-3-V and llava-v1.6-mistral-7b-hf: 32,064 rows for about 32,000), so the new ids fall on unused rows of the
 * table. A table without spare rows (Mistral's own 32,000) is neither grown nor copied: {@link #lookupIds} hands the
 * backbone's lookup a valid id at those positions, and {@link #apply} writes the trainable rows over them.
 */
public final class NewTokenRows extends Module {

    private final long[] ids;
    private final int tableRows;
    private final Parameter weight;

    public NewTokenRows(long[] ids, Tensor table) {
        this.ids = ids.clone();
        this.tableRows = table.size(0);
        int h = table.size(1);
        float[] init = new float[ids.length * h];
        try (NoGrad g = NoGrad.enter()) {
            float[] mean = table.mean(0, false).toFloatArray();
            for (int i = 0; i < ids.length; i++) {
                float[] row = ids[i] >= 0 && ids[i] < table.size(0)
                        ? table.narrow(0, (int) ids[i], 1).toFloatArray() : mean;
                System.arraycopy(row, 0, init, i * h, h);
            }
        }
        this.weight = param("weight", Tensor.of(init, ids.length, h), true);
    }

    public long[] ids() {
        return ids.clone();
    }

    public Parameter weight() {
        return weight;
    }

    /** Whether an id is one of these tokens. */
    public boolean contains(long id) {
        for (long x : ids) {
            if (x == id) {
                return true;
            }
        }
        return false;
    }

    /**
     * The ids the backbone's table lookup may take: these tokens' ids beyond the table become {@code substitute} (a
     * row that exists; {@link #apply} overwrites those positions anyway). The same array when every id is in range.
     */
    public long[][] lookupIds(long[][] tokenIds, long substitute) {
        if (substitute < 0 || substitute >= tableRows) {
            throw new IllegalArgumentException("substitute id " + substitute + " is not a row of the " + tableRows
                    + "-row table");
        }
        long[][] out = tokenIds;
        for (int r = 0; r < tokenIds.length; r++) {
            for (int i = 0; i < tokenIds[r].length; i++) {
                if (tokenIds[r][i] >= tableRows && contains(tokenIds[r][i])) {
                    if (out == tokenIds) {
                        out = new long[tokenIds.length][];
                        for (int k = 0; k < out.length; k++) {
                            out[k] = tokenIds[k].clone();
                        }
                    }
                    out[r][i] = substitute;
                }
            }
        }
        return out;
    }

    /** Overwrites the embeddings [B, L, H] at positions holding one of these tokens with its trainable row. */
    public Tensor apply(Tensor embeds, long[][] tokenIds) {
        int b = tokenIds.length;
        int l = tokenIds[0].length;
        int h = embeds.size(2);
        long[] source = new long[b * l];
        boolean[] hit = new boolean[b * l];
        boolean any = false;
        for (int r = 0; r < b; r++) {
            for (int i = 0; i < l; i++) {
                for (int k = 0; k < ids.length; k++) {
                    if (tokenIds[r][i] == ids[k]) {
                        hit[r * l + i] = true;
                        source[r * l + i] = k;
                        any = true;
                    }
                }
            }
        }
        if (!any) {
            return embeds;
        }
        Tensor gathered = Indexing.indexSelect(weight.tensor(), 0, Tensor.of(source, b * l));
        Tensor mask = Creation.fromArray(hit, b * l, 1);
        return Pointwise.where(mask, gathered, embeds.reshape(b * l, h)).reshape(b, l, h);
    }

    @Override
    public String toString() {
        return "NewTokenRows" + Arrays.toString(ids);
    }

}
