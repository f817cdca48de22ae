package org.urbangraph.vlm.llava;

import java.util.Arrays;

/**
 * LLaVA-NeXT's prompt expansion ({@code LlavaNextProcessor}): each {@code <image>} token of a tokenised prompt
 * becomes as many copies as its image has features ({@link org.urbangraph.vlm.image.AnyRes#imageTokens}). The
 * reference repeats the {@code <image>} string before tokenising; the image token is an added token, matched before
 * the text around it is split, so expanding the ids afterwards gives the same ids.
 */
public final class LlavaNextProcessor {
    private LlavaNextProcessor() {}

    /**
     * @param ids         the tokenised prompt with one {@code imageToken} per image
     * @param imageToken  {@code image_token_index}
     * @param imageTokens the feature count of each image, in order
     */
    public static long[] expandImageTokens(long[] ids, long imageToken, int[] imageTokens) {
        int found = 0;
        int total = 0;
        for (long id : ids) {
            if (id == imageToken) {
                if (found >= imageTokens.length) {
                    throw new IllegalArgumentException("the prompt has more <image> tokens (id " + imageToken
                            + ") than the " + imageTokens.length + " images given");
                }
                if (imageTokens[found] < 1) {
                    throw new IllegalArgumentException("image " + found + " has " + imageTokens[found] + " tokens");
                }
                total += imageTokens[found++];
            } else {
                total++;
            }
        }
        if (found != imageTokens.length) {
            throw new IllegalArgumentException("the prompt has " + found + " <image> tokens (id " + imageToken
                    + ") but " + imageTokens.length + " images were given");
        }
        long[] out = new long[total];
        int at = 0;
        int image = 0;
        for (long id : ids) {
            if (id == imageToken) {
                Arrays.fill(out, at, at + imageTokens[image], imageToken);
                at += imageTokens[image++];
            } else {
                out[at++] = id;
            }
        }
        return out;
    }
}
