package org.urbangraph.vlm.tokenizer;

import java.util.Arrays;

/**
 * The BPE merges as a map from a pair of token ids to the merge's rank (its index in the {@code merges} list;
 * lower merges first) and the id of the merged token. Open addressing on primitive keys: this lookup runs once
 * per adjacent pair of every word, and boxing {@code Long} keys would dominate encoding time.
 */
final class MergeTable {
    private static final long EMPTY = -1L;

    private final long[] keys;
    private final int[] ranks;
    private final int mask;
    /** Merged token id by rank. */
    private final int[] resultByRank;

    /** {@code left[r]}, {@code right[r]} and {@code result[r]} describe the merge of rank {@code r}. */
    MergeTable(int[] left, int[] right, int[] result) {
        int n = left.length;
        int capacity = Integer.highestOneBit(Math.max(4, n * 2 + 1)) << 1;
        keys = new long[capacity];
        ranks = new int[capacity];
        mask = capacity - 1;
        Arrays.fill(keys, EMPTY);
        resultByRank = result.clone();
        for (int r = 0; r < n; r++) {
            long key = key(left[r], right[r]);
            int slot = slot(key);
            // A pair listed twice keeps its last rank, as the reference's map insertion does.
            ranks[slot] = r;
            keys[slot] = key;
        }
    }

    private static long key(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }

    private int slot(long key) {
        int h = (int) mix(key) & mask;
        while (keys[h] != EMPTY && keys[h] != key) {
            h = (h + 1) & mask;
        }
        return h;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    /** The rank of merging {@code a} then {@code b}, or -1 if they do not merge. */
    int rank(int a, int b) {
        int s = slot(key(a, b));
        return keys[s] == EMPTY ? -1 : ranks[s];
    }

    int result(int rank) {
        return resultByRank[rank];
    }

    int size() {
        return resultByRank.length;
    }
}
