package org.urbangraph.vlm.tokenizer;

import java.util.List;

/**
 * The {@code post_processor} step for a single sequence: the special tokens the tokenizer adds around the
 * encoded text when special tokens are requested (Llama's BOS; nothing for Qwen2).
 */
sealed interface PostProcessor {

    int[] process(int[] ids);

    /** Byte-level post-processing only trims offsets; the ids are unchanged. */
    record ByteLevel() implements PostProcessor {
        @Override
        public int[] process(int[] ids) {
            return ids;
        }
    }

    /**
     * {@code TemplateProcessing}'s single-sequence template: each item is either the sequence itself
     * ({@code null}) or the ids of a special token.
     */
    record Template(List<int[]> single) implements PostProcessor {
        @Override
        public int[] process(int[] ids) {
            int n = 0;
            for (int[] item : single) {
                n += item == null ? ids.length : item.length;
            }
            int[] out = new int[n];
            int k = 0;
            for (int[] item : single) {
                int[] part = item == null ? ids : item;
                System.arraycopy(part, 0, out, k, part.length);
                k += part.length;
            }
            return out;
        }
    }

    record Sequence(List<PostProcessor> steps) implements PostProcessor {
        @Override
        public int[] process(int[] ids) {
            for (PostProcessor p : steps) {
                ids = p.process(ids);
            }
            return ids;
        }
    }
}
