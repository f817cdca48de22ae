package org.urbangraph.vlm.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.urbangraph.kernels.Backend;
import org.urbangraph.kernels.Backends;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.ref.ReferenceBackend;
import org.urbangraph.tensor.Functional;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Activation;
import org.urbangraph.tensor.nn.Embedding;
import org.urbangraph.tensor.nn.Init;
import org.urbangraph.tensor.nn.Rng;
import org.urbangraph.testkit.Approx;
import org.urbangraph.vlm.MultimodalBatch;
import org.urbangraph.vlm.VisionLanguageModel;
import org.urbangraph.vlm.generation.GenerationOptions;
import org.urbangraph.vlm.generation.Generator;
import org.urbangraph.vlm.generation.GreedyByRecomputation;

/**
 * Mistral's sliding-window attention. In a one-layer decoder, position i with a window of W sees exactly tokens
 * i-W+1..i, so its output must equal the last output of that sub-sequence run with full attention at the same
 * positions (reference backend). The CPU backend gives the reference's numbers past the window, in a prompt and
 * in cached decoding, and cached greedy decoding far past the window picks what recomputation picks.
 */
class SlidingWindowTest {

    static DecoderConfig config(int window) {
        return new DecoderConfig(40, 16, 24, 1, 4, 2, 4, 1e-5, 1e4, Activation.SILU, false, window, false, null);
    }

    static TextModel model(int window) {
        TextModel m = new TextModel(config(window), new Rng(1));
        Init.randomize(m, 7, DType.F32);
        m.eval();
        return m;
    }

    static Tensor run(TextModel m, long[] ids, long firstPosition) {
        long[][] pos = new long[1][ids.length];
        long[][] mask = new long[1][ids.length];
        for (int i = 0; i < ids.length; i++) {
            pos[0][i] = firstPosition + i;
            mask[0][i] = 1;
        }
        Tensor[] cs = RotaryTables.oneD(pos, 4, 1e4);
        Tensor emb = m.embedTokens().forward(Tensor.of(ids, 1, ids.length));
        return m.forward(emb, cs[0], cs[1], CausalMask.of(mask), null, false).lastHiddenState();
    }

    @AfterEach
    void restore() {
        Backends.setCurrent(Backends.byName("cpu"));
    }

    @Test
    void eachPositionSeesOnlyTheLastWindowOfTokens() {
        Backend previous = Backends.current();
        Backends.setCurrent(ReferenceBackend.INSTANCE);
        long[] ids = {3, 17, 9, 31, 4, 22, 8, 39, 12};
        int w = 3;
        try (NoGrad g = NoGrad.enter()) {
            TextModel windowed = model(w);
            TextModel full = model(0);
            float[] out = run(windowed, ids, 0).toFloatArray();
            for (int i = 0; i < ids.length; i++) {
                int start = Math.max(0, i - w + 1);
                long[] sub = java.util.Arrays.copyOfRange(ids, start, i + 1);
                float[] last = run(full, sub, start).narrow(1, sub.length - 1, 1).toFloatArray();
                Approx.assertClose("position " + i, last, java.util.Arrays.copyOfRange(out, i * 16, (i + 1) * 16),
                        1e-5, 1e-5);
            }
            float[] unwindowed = run(full, ids, 0).toFloatArray();
            assertTrue(Approx.maxAbsDiff(unwindowed, out) > 1e-3, "the window changes later positions");
        } finally {
            Backends.setCurrent(previous);
        }
    }

    static DecoderConfig config(int window, int layers) {
        return new DecoderConfig(40, 16, 24, layers, 4, 2, 4, 1e-5, 1e4, Activation.SILU, false, window, false, null);
    }

    /** A two-layer windowed decoder made on the current backend (the same weights on every backend). */
    static TextModel model(int window, int layers) {
        TextModel m = new TextModel(config(window, layers), new Rng(1));
        Init.randomize(m, 7, DType.F32);
        m.eval();
        return m;
    }

    /** Random ids for two rows of {@code l}; row 1 is left-padded by 5 and has one more padded key inside. */
    static long[][][] rows(int l) {
        long[][] ids = new long[2][l];
        long[][] mask = new long[2][l];
        java.util.SplittableRandom r = new java.util.SplittableRandom(l);
        for (int b = 0; b < 2; b++) {
            for (int i = 0; i < l; i++) {
                ids[b][i] = 1 + r.nextInt(39);
                mask[b][i] = b == 1 && (i < 5 || i == l / 2) ? 0 : 1;
            }
        }
        return new long[][][] {ids, mask};
    }

    static long[][] cols(long[][] a, int from, int to) {
        long[][] out = new long[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = java.util.Arrays.copyOfRange(a[i], from, to);
        }
        return out;
    }

    /**
     * Runs {@code l} tokens as a prompt of {@code l - lq} tokens into a cache and then {@code lq} more against it
     * (the whole sequence at once when lq = l), positions cumsum(mask) - 1, key padding; the hidden states of the
     * last {@code lq} tokens.
     */
    static float[] lastQueries(TextModel m, long[][] ids, long[][] mask, int lq) {
        int l = ids[0].length;
        int prompt = l - lq;
        long[][] pos = CausalMask.cumulativePositions(mask);
        KvCache cache = new KvCache();
        if (prompt > 0) {
            Tensor[] cs = RotaryTables.oneD(cols(pos, 0, prompt), 4, 1e4);
            Tensor emb = m.embedTokens().forward(Tensor.of(flat(cols(ids, 0, prompt)), 2, prompt));
            m.forward(emb, cs[0], cs[1], CausalMask.of(cols(mask, 0, prompt)), cache, false);
        }
        Tensor[] cs = RotaryTables.oneD(cols(pos, prompt, l), 4, 1e4);
        Tensor emb = m.embedTokens().forward(Tensor.of(flat(cols(ids, prompt, l)), 2, lq));
        return m.forward(emb, cs[0], cs[1], CausalMask.of(mask), cache, false).lastHiddenState().toFloatArray();
    }

    static long[] flat(long[][] a) {
        return java.util.Arrays.stream(a).flatMapToLong(java.util.Arrays::stream).toArray();
    }

    @Test
    void theCpuBackendMatchesTheReferencePastTheWindow() {
        int w = 7;
        for (int[] c : new int[][] {{1, 50}, {50, 50}, {3, 300}, {300, 300}}) {
            int lq = c[0];
            int lk = c[1];
            long[][][] batch = rows(lk);
            float[] ref;
            float[] unwindowed;
            Backends.setCurrent(ReferenceBackend.INSTANCE);
            try (NoGrad g = NoGrad.enter()) {
                ref = lastQueries(model(w, 2), batch[0], batch[1], lq);
                unwindowed = lastQueries(model(0, 2), batch[0], batch[1], lq);
            }
            Backends.setCurrent(Backends.byName("cpu"));
            float[] cpu;
            try (NoGrad g = NoGrad.enter()) {
                cpu = lastQueries(model(w, 2), batch[0], batch[1], lq);
            }
            String what = "lq " + lq + " lk " + lk;
            Approx.assertClose(what, ref, cpu, 1e-5, 1e-5);
            assertTrue(Approx.maxAbsDiff(unwindowed, ref) > 1e-3, what + ": the window changes the output");
        }
    }

    /** A decoder-only language model around the windowed decoder, with logits from the tied token table. */
    static final class WindowedLm implements VisionLanguageModel {
        final TextModel text;

        WindowedLm(TextModel text) {
            this.text = text;
        }

        @Override
        public int hiddenSize() {
            return 16;
        }

        @Override
        public Embedding tokenEmbeddings() {
            return text.embedTokens();
        }

        Tensor run(long[][] ids, long[][] pos, long[][] keyMask, KvCache cache) {
            Tensor[] cs = RotaryTables.oneD(pos, 4, 1e4);
            Tensor emb = text.embedTokens().forward(Tensor.of(flat(ids), ids.length, ids[0].length));
            return text.forward(emb, cs[0], cs[1], CausalMask.of(keyMask), cache, false).lastHiddenState();
        }

        @Override
        public Tensor encode(MultimodalBatch batch, UnaryOperator<Tensor> spliceHook) {
            return run(batch.inputIds(), CausalMask.cumulativePositions(batch.attentionMask()),
                    batch.attentionMask(), null);
        }

        @Override
        public Tensor logits(Tensor hidden) {
            return Functional.linear(hidden, text.embedTokens().weight().tensor(), null);
        }

        @Override
        public Prefill prefill(MultimodalBatch prompt, KvCache cache) {
            long[][] mask = prompt.attentionMask();
            Tensor h = run(prompt.inputIds(), CausalMask.cumulativePositions(mask), mask, cache);
            long[] next = new long[mask.length];
            for (int r = 0; r < mask.length; r++) {
                next[r] = java.util.Arrays.stream(mask[r]).sum();
            }
            return new Prefill(h, next);
        }

        @Override
        public Tensor decodeStep(long[] tokens, long[] positions, long[][] keyMask, KvCache cache) {
            long[][] ids = new long[tokens.length][];
            long[][] pos = new long[tokens.length][];
            for (int r = 0; r < tokens.length; r++) {
                ids[r] = new long[] {tokens[r]};
                pos[r] = new long[] {positions[r]};
            }
            return run(ids, pos, keyMask, cache);
        }
    }

    @Test
    void cachedGreedyDecodingPastTheWindowEqualsRecomputation() {
        Backends.setCurrent(Backends.byName("cpu"));
        int w = 7;
        WindowedLm lm = new WindowedLm(model(w, 2));
        WindowedLm full = new WindowedLm(model(0, 2));
        long[][][] batch = rows(12);
        MultimodalBatch prompt = MultimodalBatch.textOnly(batch[0], batch[1]);
        int steps = 25; // 12 + 25 positions: far past the window of 7, on the cache
        List<long[]> cached = Generator.generate(lm, prompt, GenerationOptions.greedy(steps, Set.of()));
        for (int r = 0; r < 2; r++) {
            long[] recomputed = GreedyByRecomputation.decode(batch[0][r], batch[1][r], steps, Set.of(),
                    (ids, mask) -> {
                        Tensor h = lm.encode(MultimodalBatch.textOnly(new long[][] {ids}, new long[][] {mask}), null);
                        return lm.logits(h.narrow(1, ids.length - 1, 1)).toFloatArray();
                    });
            assertEquals(steps, recomputed.length);
            assertArrayEquals(recomputed, cached.get(r), "row " + r);
            // the window acts: over the generated sequence, the last position's logits differ from full attention
            long[] seq = java.util.stream.LongStream.concat(java.util.Arrays.stream(batch[0][r]),
                    java.util.Arrays.stream(recomputed)).toArray();
            long[] mask = java.util.stream.LongStream.concat(java.util.Arrays.stream(batch[1][r]),
                    java.util.stream.LongStream.generate(() -> 1).limit(steps)).toArray();
            try (NoGrad g = NoGrad.enter()) {
                MultimodalBatch one = MultimodalBatch.textOnly(new long[][] {seq}, new long[][] {mask});
                assertTrue(Approx.maxAbsDiff(lm.logits(lm.encode(one, null)).toFloatArray(),
                        full.logits(full.encode(one, null)).toFloatArray()) > 1e-3);
            }
        }
    }
}
