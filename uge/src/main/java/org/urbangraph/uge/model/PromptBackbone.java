package org.urbangraph.uge.model;

import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.vlm.VlmLoader;
import org.urbangraph.vlm.chat.Qwen2VLChatFormat;
import org.urbangraph.vlm.embed.EncodedInput;
import org.urbangraph.vlm.embed.UserTurnPipeline;
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

    private final UserTurnPipeline pipeline;
    private final ImageCache<P> images;
    private final BiFunction<String, P, EncodedInput> encodePrompt;

    /**
     * @param preprocess   the family's image processor (its results are cached per file)
     * @param encodePrompt the ids and pixels of a written-out prompt with its images preprocessed (null for none)
     */
    PromptBackbone(UserTurnPipeline pipeline, Function<List<RgbImage>, P> preprocess,
                   BiFunction<String, P, EncodedInput> encodePrompt) {
        this.pipeline = pipeline;
        this.images = new ImageCache<>(preprocess, f -> pipeline.readImage(f, false), 1024);
        this.encodePrompt = encodePrompt;
    }

    @Override
    public UserTurnPipeline pipeline() {
        return pipeline;
    }

    @Override
    public Module module() {
        return VlmLoader.module(pipeline.model());
    }

    @Override
    public EncodedInput encode(UgeInput input, int[] graphNodes) {
        String content = IMAGE.repeat(input.images().size() - UgeInput.count(input.content(), IMAGE)) + input.content();
        P px = input.images().isEmpty() ? null : images.preprocess(input.images());
        return encodePrompt.apply(pipeline.userTurn(layout(content, graphNodes)), px);
    }

    /** The content with the k-th {@code <image>} as the family's image tag k and the g-th {@code <graph>} as its span. */
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
                out.append(content, from, i).append(pipeline.imageTag(image++));
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
