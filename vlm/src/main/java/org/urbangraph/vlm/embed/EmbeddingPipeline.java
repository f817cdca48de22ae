package org.urbangraph.vlm.embed;

import java.nio.file.Path;
import java.util.List;
import org.urbangraph.vlm.MultimodalBatch;
import org.urbangraph.vlm.VisionLanguageModel;
import org.urbangraph.vlm.VlmLoader;
import org.urbangraph.vlm.image.Images;
import org.urbangraph.vlm.image.RgbImage;
import org.urbangraph.vlm.tokenizer.Tokenizer;

/**
 * A model directory ready to embed, whatever its family: the model, its tokenizer, the family's prompt format and
 * image processor. It turns queries (images + text) and written-out prompts into {@link EncodedInput}s, batches them
 * with left padding and embeds them: the L2-normalised final hidden state of each row's last real token.
 *
 * <p>Implementations build ids and pixels only; the numbers come from {@link VisionLanguageModel#embed}. Load one
 * with {@link EmbeddingPipelines#load}.
 */
public interface EmbeddingPipeline {

    VlmLoader.Family family();

    /** The model directory the pipeline was loaded from, or null if it was built in memory. */
    Path source();

    VisionLanguageModel model();

    Tokenizer tokenizer();

    /** The id written under mask 0 where rows are left-padded. */
    long padId();

    /**
     * A query in the family's own chat layout: one user turn with the images first, then the text, and the opened
     * assistant turn; the embedding is pooled at its last token.
     */
    EncodedInput encodeQuery(List<RgbImage> images, String text);

    /**
     * A prompt written out in full, special tokens included; each of the family's image placeholders
     * ({@link #imagePlaceholder}) takes the next image, expanded as the family's Hugging Face processor expands it.
     */
    EncodedInput encodePrompt(String prompt, List<RgbImage> images);

    /**
     * Checks that the family's image processor can take this image, before any work is done on it (so that a caller
     * can name the image's file).
     *
     * @throws IllegalArgumentException if it cannot
     */
    default void checkImage(RgbImage image) {
    }

    /**
     * Decodes an image file ({@link Images#read(Path, boolean)}, turned upright by its EXIF orientation first when
     * {@code exifTranspose}) and checks it ({@link #checkImage}); a refusal names the file.
     *
     * @throws org.urbangraph.vlm.image.ImageFormatException if the file cannot be read or decoded
     * @throws IllegalArgumentException if the family's processor cannot take the image
     */
    default RgbImage readImage(Path file, boolean exifTranspose) {
        RgbImage image = Images.read(file, exifTranspose);
        try {
            checkImage(image);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
        return image;
    }

    /**
     * How many images a written-out prompt takes: the number of its image placeholders.
     *
     * @throws IllegalArgumentException if a placeholder is written in a form the family cannot place
     */
    int imagePlaceholders(String prompt);

    /** The image placeholder as it is written in a prompt, for messages. */
    String imagePlaceholder();

    /** Left-pads inputs into one batch; the images keep the order of the inputs. */
    default MultimodalBatch batch(List<EncodedInput> inputs) {
        return EncodedInput.batch(inputs, padId());
    }

    /** L2-normalised embeddings [n][hidden] of the inputs, as one left-padded batch. */
    default float[][] embed(List<EncodedInput> inputs) {
        return embed(inputs, Math.max(1, inputs.size()));
    }

    /**
     * L2-normalised embeddings [n][hidden] of the inputs, in order, as left-padded batches of at most
     * {@code batchSize} ({@link EmbeddingBatches}): each input embeds as it does alone, so the batching changes the
     * memory a call needs, not its numbers (within float rounding).
     */
    default float[][] embed(List<EncodedInput> inputs, int batchSize) {
        return EmbeddingBatches.inBatches(inputs.size(), batchSize, model().hiddenSize(),
                (from, to) -> model().embed(batch(inputs.subList(from, to)), null).toFloatArray());
    }
}
