package org.urbangraph.uge.model;

import java.util.List;
import java.util.function.Function;
import org.urbangraph.vlm.chat.Qwen2VLChatFormat;
import org.urbangraph.vlm.embed.EncodedInput;
import org.urbangraph.vlm.image.RgbImage;

/**
 * A family whose pipeline takes a written-out prompt (LLaVA-NeXT, Phi-3-V): UGE's {@code <image>} tags become the
 * family's image tags, its {@code <graph>} tags graph spans, and the text goes into the family's user turn. Images
 * without a tag go in front of the text, as the Qwen2-VL layout puts them.
 *
 * @param <P> the family's preprocessed images
 */
abstract class PromptBackbone<P> implements UgeBackbone {

    static final String IMAGE = "<image>";
    static final String GRAPH = "<graph>";

    private final ImageCache<P> images;

    PromptBackbone(Function<List<RgbImage>, P> preprocess) {
        this.images = new ImageCache<>(preprocess, 1024);
    }

    /** One user turn holding {@code content}, as the family's chat template writes it, ending at the pooled token. */
    abstract String userTurn(String content);

    /** The family's tag of the image at {@code index} (from 0) of a turn. */
    abstract String imageTag(int index);

    /** The ids and pixels of a written-out prompt with its images preprocessed (null for none). */
    abstract EncodedInput encodePrompt(String prompt, P images);

    @Override
    public EncodedInput encode(UgeInput input, int[] graphNodes) {
        String content = IMAGE.repeat(input.images().size() - UgeInput.count(input.content(), IMAGE)) + input.content();
        P px = input.images().isEmpty() ? null : images.preprocess(input.images());
        return encodePrompt(userTurn(layout(content, graphNodes)), px);
    }

    /** The content with the k-th {@code <image>} as {@link #imageTag}(k) and the g-th {@code <graph>} as its span. */
    String layout(String content, int[] graphNodes) {
        StringBuilder out = new StringBuilder(content.length() + 16 * graphNodes.length);
        int image = 0;
        int graph = 0;
        int from = 0;
        while (true) {
            int i = content.indexOf(IMAGE, from);
            int g = content.indexOf(GRAPH, from);
            if (i < 0 && g < 0) {
                break;
            }
            if (g < 0 || (i >= 0 && i < g)) {
                out.append(content, from, i).append(imageTag(image++));
                from = i + IMAGE.length();
            } else {
                if (graph >= graphNodes.length) {
                    throw new IllegalArgumentException("the text has more " + GRAPH + " tags than the "
                            + graphNodes.length + " graphs given");
                }
                out.append(content, from, g).append(graphSpan(graphNodes[graph++]));
                from = g + GRAPH.length();
            }
        }
        if (graph != graphNodes.length) {
            throw new IllegalArgumentException("the text has " + graph + " " + GRAPH + " tags but "
                    + graphNodes.length + " graphs are given");
        }
        return out.append(content, from, content.length()).toString();
    }

    /** {@code <|graph_start|>}, one {@code <|graph_pad|>} per node, {@code <|graph_end|>}. */
    static String graphSpan(int nodes) {
        if (nodes < 1) {
            throw new IllegalArgumentException("a graph needs at least one node, got " + nodes);
        }
        return Qwen2VLChatFormat.GRAPH_START + Qwen2VLChatFormat.GRAPH_PAD.repeat(nodes) + Qwen2VLChatFormat.GRAPH_END;
    }
}
