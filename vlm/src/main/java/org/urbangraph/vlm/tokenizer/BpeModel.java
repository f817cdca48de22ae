package org.urbangraph.vlm.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The BPE model of a {@code tokenizer.json}: a word's characters (or, for unknown characters, their
 * {@code <0xNN>} byte tokens) merged pair by pair, always the pair of lowest merge rank, leftmost first.
 *
 * <p>Merging uses a priority queue of candidate pairs over a linked list of symbols, with stale entries skipped
 * when popped, so a word of n symbols costs O(n log n) and a 500-token SentencePiece paragraph (one word, since
 * that layout has no pre-tokenizer) does not rescan all pairs after each merge. Words up to
 * {@value #CACHE_MAX_WORD} characters are cached, up to {@value #CACHE_CAPACITY} of them. Immutable apart from the
 * cache, and safe to share between threads.
 */
final class BpeModel {
    static final int CACHE_CAPACITY = 10_000;
    static final int CACHE_MAX_WORD = 256;

    private final Map<String, Integer> vocab;
    private final String[] idToToken;
    private final MergeTable merges;
    private final int unkId;
    private final boolean fuseUnk;
    private final boolean byteFallback;
    private final boolean ignoreMerges;
    private final String continuingSubwordPrefix;
    private final String endOfWordSuffix;
    /** Id of each one-character BMP token, -1 if absent; used only without prefix and suffix. */
    private final int[] bmpCharIds;
    /** Id of {@code <0xNN>} for each byte, -1 if absent. */
    private final int[] byteTokenIds;
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();
    private volatile boolean cacheEnabled = true;

    /**
     * @param vocab token -> id (kept, not copied: the caller hands it over)
     * @param merges the merges, by rank
     * @param unkToken the unknown token (must be in {@code vocab}) or null
     * @param continuingSubwordPrefix prefix of non-initial symbols, or null
     * @param endOfWordSuffix suffix of the last symbol, or null
     */
    BpeModel(Map<String, Integer> vocab, MergeTable merges, String unkToken, boolean fuseUnk, boolean byteFallback,
            boolean ignoreMerges, String continuingSubwordPrefix, String endOfWordSuffix) {
        this.vocab = java.util.Collections.unmodifiableMap(vocab);
        int maxId = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1);
        this.idToToken = new String[maxId + 1];
        vocab.forEach((token, id) -> idToToken[id] = token);
        this.merges = merges;
        this.unkId = unkToken == null ? -1 : vocab.get(unkToken);
        this.fuseUnk = fuseUnk;
        this.byteFallback = byteFallback;
        this.ignoreMerges = ignoreMerges;
        this.continuingSubwordPrefix = emptyToNull(continuingSubwordPrefix);
        this.endOfWordSuffix = emptyToNull(endOfWordSuffix);
        this.bmpCharIds = new int[65536];
        Arrays.fill(bmpCharIds, -1);
        vocab.forEach((token, id) -> {
            if (token.length() == 1) {
                bmpCharIds[token.charAt(0)] = id;
            }
        });
        this.byteTokenIds = new int[256];
        for (int b = 0; b < 256; b++) {
            byteTokenIds[b] = vocab.getOrDefault(String.format("<0x%02X>", b), -1);
        }
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** Number of ids the vocabulary spans (the largest id + 1). */
    int size() {
        return idToToken.length;
    }

    /** The model's token for {@code id}, or null. */
    String idToToken(int id) {
        return id >= 0 && id < idToToken.length ? idToToken[id] : null;
    }

    /** The model's id of {@code token}, or -1. */
    int tokenToId(String token) {
        Integer id = vocab.get(token);
        return id == null ? -1 : id;
    }

    Map<String, Integer> vocab() {
        return vocab;
    }

    /** Turns the word cache on or off (off, every word is merged anew; the benchmarks measure both). */
    void setCacheEnabled(boolean enabled) {
        cacheEnabled = enabled;
        cache.clear();
    }

    /** Appends the ids of {@code word} to {@code out}. */
    void tokenize(String word, IntList out) {
        if (word.isEmpty()) {
            return;
        }
        if (ignoreMerges) {
            Integer whole = vocab.get(word);
            if (whole != null) {
                out.add(whole);
                return;
            }
        }
        boolean cacheable = cacheEnabled && word.length() <= CACHE_MAX_WORD;
        if (cacheable) {
            int[] hit = cache.get(word);
            if (hit != null) {
                out.addAll(hit);
                return;
            }
        }
        int[] ids = merge(word);
        if (cacheable && cache.size() < CACHE_CAPACITY) {
            cache.put(word, ids);
        }
        out.addAll(ids);
    }

    /** The initial symbols of {@code word}, merged. */
    int[] merge(String word) {
        IntList symbols = initialSymbols(word);
        int n = symbols.size();
        int[] ids = symbols.toArray();
        if (n < 2) {
            return ids;
        }
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        LongHeap queue = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) {
            push(queue, ids[i], ids[i + 1], i);
        }
        int alive = n;
        while (!queue.isEmpty()) {
            long top = queue.pop();
            int rank = (int) (top >>> 32);
            int pos = (int) top;
            int right = next[pos];
            if (ids[pos] < 0 || right < 0) {
                continue;
            }
            // A stale entry: the pair at pos has changed since it was queued and no longer makes this token.
            int current = merges.rank(ids[pos], ids[right]);
            if (current < 0 || merges.result(current) != merges.result(rank)) {
                continue;
            }
            ids[pos] = merges.result(rank);
            ids[right] = -1;
            alive--;
            int after = next[right];
            next[pos] = after;
            if (after >= 0) {
                prev[after] = pos;
            }
            if (prev[pos] >= 0) {
                push(queue, ids[prev[pos]], ids[pos], prev[pos]);
            }
            if (after >= 0) {
                push(queue, ids[pos], ids[after], pos);
            }
        }
        int[] result = new int[alive];
        int k = 0;
        for (int i = 0; i >= 0; i = next[i]) {
            result[k++] = ids[i];
        }
        return result;
    }

    private void push(LongHeap queue, int a, int b, int pos) {
        int rank = merges.rank(a, b);
        if (rank >= 0) {
            queue.push(((long) rank << 32) | pos);
        }
    }

    /**
     * One symbol per code point; a code point not in the vocabulary becomes its UTF-8 byte tokens (with byte
     * fallback), else the unknown token (runs fused if {@code fuse_unk}), else nothing, as in the reference.
     */
    private IntList initialSymbols(String word) {
        IntList out = new IntList(word.length());
        boolean plain = continuingSubwordPrefix == null && endOfWordSuffix == null;
        boolean pendingUnk = false;
        int i = 0;
        while (i < word.length()) {
            int cp = word.codePointAt(i);
            int end = i + Character.charCount(cp);
            int id;
            String symbol = null;
            if (plain && cp < 65536) {
                id = bmpCharIds[cp];
            } else {
                symbol = word.substring(i, end);
                if (i > 0 && continuingSubwordPrefix != null) {
                    symbol = continuingSubwordPrefix + symbol;
                }
                if (end == word.length() && endOfWordSuffix != null) {
                    symbol = symbol + endOfWordSuffix;
                }
                id = vocab.getOrDefault(symbol, -1);
            }
            if (id >= 0) {
                if (pendingUnk) {
                    out.add(unkId);
                    pendingUnk = false;
                }
                out.add(id);
            } else if (byteFallback && addByteTokens(symbol != null ? symbol : word.substring(i, end), out)) {
                // A pending unknown stays pending, behind these bytes, exactly as the reference orders them.
            } else if (unkId >= 0) {
                if (pendingUnk && !fuseUnk) {
                    out.add(unkId);
                }
                pendingUnk = true;
            }
            i = end;
        }
        if (pendingUnk) {
            out.add(unkId);
        }
        return out;
    }

    /** Adds the byte tokens of {@code symbol} if all exist; else adds nothing. */
    private boolean addByteTokens(String symbol, IntList out) {
        byte[] bytes = symbol.getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) {
            if (byteTokenIds[b & 0xFF] < 0) {
                return false;
            }
        }
        for (byte b : bytes) {
            out.add(byteTokenIds[b & 0xFF]);
        }
        return true;
    }

    /** A binary min-heap of longs (rank in the high half, position in the low half). */
    private static final class LongHeap {
        private long[] heap;
        private int size;

        LongHeap(int capacity) {
            heap = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void push(long v) {
            if (size == heap.length) {
                heap = Arrays.copyOf(heap, size * 2);
            }
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (heap[parent] <= v) {
                    break;
                }
                heap[i] = heap[parent];
                i = parent;
            }
            heap[i] = v;
        }

        long pop() {
            long top = heap[0];
            long last = heap[--size];
            int i = 0;
            int half = size >>> 1;
            while (i < half) {
                int child = 2 * i + 1;
                if (child + 1 < size && heap[child + 1] < heap[child]) {
                    child++;
                }
                if (last <= heap[child]) {
                    break;
                }
                heap[i] = heap[child];
                i = child;
            }
            heap[i] = last;
            return top;
        }
    }
}
