package org.urbangraph.uge.model;

import java.util.List;
import org.urbangraph.tensor.Creation;
import org.urbangraph.tensor.Indexing;
import org.urbangraph.tensor.Layout;
import org.urbangraph.tensor.Pointwise;
import org.urbangraph.tensor.Tensor;

/**
 * Writes graph node embeddings over the {@code <|graph_pad|>} input embeddings: the k-th pad of row r receives node k
 * of row r's graph. Every row gets its own graph (the authors' code gives every row the first graph of the batch;
 * UGE here does not). A row with pads must have exactly as many nodes as pads.
 */
public final class GraphInjection {
    private GraphInjection() {}

    /**
     * @param embeds   [B, L, H] input embeddings (token rows with image features already spliced in)
     * @param ids      [B][L] token ids
     * @param padId    the {@code <|graph_pad|>} id
     * @param rowNodes for each row, its graph's node embeddings [n, H], or null for a row without a graph
     */
    public static Tensor inject(Tensor embeds, long[][] ids, long padId, List<Tensor> rowNodes) {
        int b = ids.length;
        int l = ids[0].length;
        int h = embeds.size(2);
        if (rowNodes.size() != b) {
            throw new IllegalArgumentException(rowNodes.size() + " graphs for a batch of " + b + " rows");
        }
        long[] source = new long[b * l];
        boolean[] isPad = new boolean[b * l];
        int offset = 0;
        int pads = 0;
        List<Tensor> used = new java.util.ArrayList<>();
        for (int r = 0; r < b; r++) {
            int k = 0;
            for (int i = 0; i < l; i++) {
                if (ids[r][i] == padId) {
                    isPad[r * l + i] = true;
                    source[r * l + i] = offset + k++;
                }
            }
            Tensor nodes = rowNodes.get(r);
            int n = nodes == null ? 0 : nodes.size(0);
            if (k != n) {
                throw new IllegalArgumentException("row " + r + " has " + k + " <|graph_pad|> tokens but its graph has "
                        + n + " nodes");
            }
            if (n > 0) {
                if (nodes.size(1) != h) {
                    throw new IllegalArgumentException("row " + r + ": node embeddings of width " + nodes.size(1)
                            + " for hidden size " + h);
                }
                used.add(nodes);
                offset += n;
            }
            pads += k;
        }
        if (pads == 0) {
            return embeds;
        }
        Tensor all = used.size() == 1 ? used.get(0) : Layout.cat(used, 0);
        Tensor gathered = Indexing.indexSelect(all, 0, Tensor.of(source, b * l));
        Tensor mask = Creation.fromArray(isPad, b * l, 1);
        return Pointwise.where(mask, gathered, embeds.reshape(b * l, h)).reshape(b, l, h);
    }
}
