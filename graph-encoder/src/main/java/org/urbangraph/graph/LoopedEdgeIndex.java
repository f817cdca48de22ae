package org.urbangraph.graph;

import java.util.ArrayList;
import java.util.List;
import org.urbangraph.tensor.Indexing;
import org.urbangraph.tensor.Layout;
import org.urbangraph.tensor.Pointwise;
import org.urbangraph.tensor.Tensor;

/**
 * A batch's edges as the message-passing layers use them, built once per pass: PyG's {@code remove_self_loops}
 * followed by {@code add_self_loops}, so every self-loop the data had is dropped (with its edge features) and one
 * loop per node is appended after the remaining edges, in node order.
 *
 * <p>A new loop's edge features are the mean of the node's incoming (remaining) edge features, or 0 for a node
 * with none: PyG's {@code fill_value='mean'}, a scatter-mean over the target index.
 */
public final class LoopedEdgeIndex {

    final int numNodes;
    /** Edges of the batch that are not self-loops, by their position in the original edge list. */
    final Tensor kept;
    final Tensor keptTarget;
    /** Source and target of every message: the kept edges, then node 0's loop, node 1's loop, ... */
    final Tensor source;
    final Tensor target;
    final long[] sourceIds;
    final long[] targetIds;
    /** Incoming kept edges per node, at least 1, as [N, 1]: the divisor of the mean fill. */
    private final float[] inDegreeAtLeastOne;

    /** The edges {@code src[e] -> dst[e]} of a graph (or batch) of {@code numNodes} nodes. */
    public LoopedEdgeIndex(int numNodes, int[] src, int[] dst) {
        if (src.length != dst.length) {
            throw new IllegalArgumentException(src.length + " edge sources but " + dst.length + " targets");
        }
        for (int e = 0; e < src.length; e++) {
            if (src[e] < 0 || src[e] >= numNodes || dst[e] < 0 || dst[e] >= numNodes) {
                throw new IllegalArgumentException("edge " + e + " (" + src[e] + " -> " + dst[e] + ") points outside "
                        + numNodes + " nodes");
            }
        }
        this.numNodes = numNodes;
        List<Integer> keep = new ArrayList<>();
        for (int e = 0; e < src.length; e++) {
            if (src[e] != dst[e]) {
                keep.add(e);
            }
        }
        int k = keep.size();
        long[] keptIdx = new long[k];
        long[] keptDst = new long[k];
        sourceIds = new long[k + numNodes];
        targetIds = new long[k + numNodes];
        inDegreeAtLeastOne = new float[numNodes];
        for (int i = 0; i < k; i++) {
            int e = keep.get(i);
            keptIdx[i] = e;
            keptDst[i] = dst[e];
            sourceIds[i] = src[e];
            targetIds[i] = dst[e];
            inDegreeAtLeastOne[dst[e]]++;
        }
        for (int n = 0; n < numNodes; n++) {
            sourceIds[k + n] = n;
            targetIds[k + n] = n;
            inDegreeAtLeastOne[n] = Math.max(1, inDegreeAtLeastOne[n]);
        }
        kept = Tensor.of(keptIdx, k);
        keptTarget = Tensor.of(keptDst, k);
        source = Tensor.of(sourceIds, sourceIds.length);
        target = Tensor.of(targetIds, targetIds.length);
    }

    int numKept() {
        return kept.size(0);
    }

    /** Messages per pass: kept edges plus one loop per node. */
    public int numMessages() {
        return sourceIds.length;
    }

    /** The looped edge index as [2, E'] (I64), the layout of PyG's {@code edge_index}. */
    public Tensor edgeIndex() {
        long[] both = new long[2 * sourceIds.length];
        System.arraycopy(sourceIds, 0, both, 0, sourceIds.length);
        System.arraycopy(targetIds, 0, both, sourceIds.length, targetIds.length);
        return Tensor.of(both, 2, sourceIds.length);
    }

    /**
     * Edge features [E, D] of the original edges, extended to the looped edges [E', D]: the kept edges' rows, then
     * each node's mean incoming row (0 without incoming edges). Differentiable in the features.
     */
    public Tensor withLoops(Tensor edgeAttr) {
        Tensor keptAttr = numKept() == edgeAttr.size(0) ? edgeAttr : Indexing.indexSelect(edgeAttr, 0, kept);
        Tensor sums = Indexing.segmentSum(keptAttr, keptTarget, numNodes);
        Tensor counts = Tensor.of(inDegreeAtLeastOne, numNodes, 1);
        Tensor loops = Pointwise.div(sums, counts);
        return Layout.cat(List.of(keptAttr, loops), 0);
    }
}
