package org.urbangraph.vlm.embed;

import java.util.List;
import org.urbangraph.vlm.image.RgbImage;

/**
 * A family whose query is one user turn written as text, each image a tag inside it (LLaVA-NeXT, Phi-3-V): the query
 * layout is the same for all of them, only the turn and the tags differ.
 */
public interface UserTurnPipeline extends EmbeddingPipeline {

    /** One user turn holding {@code content} (image tags included), ending where the embedding is pooled. */
    String userTurn(String content);

    /** The tag of the {@code index}-th image (0-based) as a query writes it. */
    String imageTag(int index);

    /** The images' tags first, in order, then the text, in one user turn. */
    @Override
    default EncodedInput encodeQuery(List<RgbImage> images, String text) {
        StringBuilder content = new StringBuilder();
        for (int i = 0; i < images.size(); i++) {
            content.append(imageTag(i));
        }
        content.append(text == null ? "" : text);
        return encodePrompt(userTurn(content.toString()), images);
    }
}
