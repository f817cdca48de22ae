package org.urbangraph.vlm.phi3v;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Phi-3-V's prompt format ({@code Phi3VProcessor} of {@code processing_phi3_v.py}): images are not tokens. The
 * prompt is split on {@code <|image_N|>} tags, each chunk is tokenised on its own with the tokenizer's defaults
 * (so every chunk, even an empty one, starts with {@code <s>}), and image N is inserted between the chunks as
 * {@code -N} repeated once per image token. The attention mask is 1 everywhere ({@code ids > -1000000}).
 *
 * <p>The model fills the runs of negative ids with the images in order of appearance, whatever their N, so the
 * tags must read {@code <|image_1|>}, {@code <|image_2|>}, ... in that order, each once; the reference accepts
 * other orders and then pairs runs with the wrong images, so they are refused here.
 */
public final class Phi3VProcessor {
    private Phi3VProcessor() {}

    /** As the reference's {@code \d} in a Python str pattern: any decimal digit, which {@code int()} reads. */
    public static final Pattern IMAGE_TAG = Pattern.compile("<\\|image_(\\p{Nd}+)\\|>");

    /**
     * @param prompt      the whole prompt, chat markup included (for example
     *                    {@code <|user|>\n<|image_1|>\nDescribe this street.<|end|>\n<|assistant|>\n})
     * @param imageTokens the placeholder count of each image, in order (the image processor's
     *                    {@code num_img_tokens})
     * @param tokenizer   text to ids with the tokenizer's defaults (BOS added)
     */
    public static long[] inputIds(String prompt, int[] imageTokens, Function<String, long[]> tokenizer) {
        List<String> chunks = new ArrayList<>();
        List<Integer> tags = new ArrayList<>();
        Matcher m = IMAGE_TAG.matcher(prompt);
        int last = 0;
        while (m.find()) {
            chunks.add(prompt.substring(last, m.start()));
            int n = tagNumber(m.group(1));
            if (n < 0) {
                throw new IllegalArgumentException("image tag " + m.group() + " has an out-of-range number");
            }
            if (n != tags.size() + 1) {
                throw new IllegalArgumentException("image tag " + m.group() + " at character " + m.start()
                        + " is out of order: tags must be <|image_1|>, <|image_2|>, ... each once, in order, since "
                        + "the model fills the image runs with the images in the order they appear");
            }
            tags.add(n);
            last = m.end();
        }
        chunks.add(prompt.substring(last));
        if (tags.size() != imageTokens.length) {
            throw new IllegalArgumentException("the prompt has " + tags.size() + " image tags but " + imageTokens.length
                    + " images were given");
        }
        List<long[]> parts = new ArrayList<>();
        int total = 0;
        for (int i = 0; i < chunks.size(); i++) {
            long[] ids = tokenizer.apply(chunks.get(i));
            parts.add(ids);
            total += ids.length;
            if (i < tags.size()) {
                if (imageTokens[i] < 1) {
                    throw new IllegalArgumentException("image " + (i + 1) + " has " + imageTokens[i] + " tokens");
                }
                long[] run = new long[imageTokens[i]];
                java.util.Arrays.fill(run, -(long) tags.get(i));
                parts.add(run);
                total += run.length;
            }
        }
        long[] out = new long[total];
        int at = 0;
        for (long[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /**
     * The number of a tag's digits, read code point by code point as Python's {@code int()} reads any decimal digits
     * (those outside the Basic Multilingual Plane too, which {@link Integer#parseInt} would see as two chars), or -1
     * past {@link Integer#MAX_VALUE}.
     */
    static int tagNumber(String digits) {
        long n = 0;
        for (int cp : digits.codePoints().toArray()) {
            n = n * 10 + Character.digit(cp, 10);
            if (n > Integer.MAX_VALUE) {
                return -1;
            }
        }
        return (int) n;
    }
}
