package org.urbangraph.vlm.tokenizer;

/**
 * A token matched in the text before normalisation and pre-tokenisation ({@code added_tokens} of a
 * {@code tokenizer.json}).
 *
 * @param content the exact text (matched case-sensitively)
 * @param special whether decoding with {@code skipSpecialTokens} drops it
 * @param singleWord whether it only matches where no word character touches it on either side
 * @param lstrip whether it swallows the Unicode {@code White_Space} on its left
 * @param rstrip whether it swallows the Unicode {@code White_Space} on its right
 * @param normalized whether it is matched in the normalised text instead of the raw text
 */
public record AddedToken(String content, boolean special, boolean singleWord, boolean lstrip, boolean rstrip,
        boolean normalized) {

    public AddedToken {
        if (content == null || content.isEmpty()) {
            throw new IllegalArgumentException("an added token needs non-empty content");
        }
    }

    /** A special token as {@code add_special_tokens} creates it: matched in the raw text, no stripping. */
    public static AddedToken special(String content) {
        return new AddedToken(content, true, false, false, false, false);
    }
}
