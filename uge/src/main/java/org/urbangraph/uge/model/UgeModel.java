package org.urbangraph.uge.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.urbangraph.graph.GraphBatch;
import org.urbangraph.graph.GraphEncoder;
import org.urbangraph.graph.GraphEncoding;
import org.urbangraph.graph.GraphInput;
import org.urbangraph.lora.Lora;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.nn.Parameter;
import org.urbangraph.vlm.MultimodalBatch;
import org.urbangraph.vlm.chat.ChatMessage;
import org.urbangraph.vlm.chat.Qwen2VLChatFormat;
import org.urbangraph.vlm.embed.EncodedInput;
import org.urbangraph.vlm.embed.Qwen2VLPipeline;
import org.urbangraph.vlm.image.Qwen2VLImageProcessor;
import org.urbangraph.vlm.qwen2vl.Qwen2VLForConditionalGeneration;

/**
 * The UGE model: a vision-language backbone with LoRA adapters, trainable rows for the graph tokens, and (stage 2)
 * the graph encoder whose node embeddings replace the {@code <|graph_pad|>} input embeddings. Its output is the
 * L2-normalised hidden state of each input's last token.
 *
 * <pre>
 *   UgeInput (text with &lt;image&gt;/&lt;graph&gt; tags, files)
 *     -> chat layout, image pads, one graph pad per node -> token ids (left-padded batch)
 *     -> backbone input embeddings (image features spliced)
 *        -> graph token rows (trainable) -> node embeddings at graph pads (each row its own graph)
 *     -> decoder -> last token -> L2 -> embedding
 * </pre>
 */
public final class UgeModel {

    /** UGE's special tokens, added to the backbone's tokenizer. */
    public static final List<String> GRAPH_TOKENS = List.of(Qwen2VLChatFormat.GRAPH_START, Qwen2VLChatFormat.GRAPH_PAD,
            Qwen2VLChatFormat.GRAPH_END);

    private final Qwen2VLPipeline backbone;
    private final Lora lora;
    private final GraphEncoder graphEncoder;
    private final NewTokenRows newTokens;
    private final long graphPadId;
    private final UgeGraphs graphs;
    private final ImageCache images;
    private final boolean baseTrained;

    public UgeModel(Qwen2VLPipeline backbone, Lora lora, GraphEncoder graphEncoder, NewTokenRows newTokens,
                    int maxGraphNodes, boolean baseTrained) {
        this.backbone = backbone;
        this.lora = lora;
        this.graphEncoder = graphEncoder;
        this.newTokens = newTokens;
        this.graphPadId = backbone.tokenizer().tokenToId(Qwen2VLChatFormat.GRAPH_PAD);
        if (graphPadId < 0) {
            throw new IllegalArgumentException("the tokenizer has no " + Qwen2VLChatFormat.GRAPH_PAD
                    + "; call UgeModel.addGraphTokens first");
        }
        this.graphs = new UgeGraphs(backbone.tokenizer(), maxGraphNodes);
        this.images = new ImageCache(backbone.processor(), 1024);
        this.baseTrained = baseTrained;
    }

    /** Adds UGE's graph tokens to the backbone's tokenizer (if absent) and returns their ids. */
    public static long[] addGraphTokens(Qwen2VLPipeline backbone) {
        int[] ids = backbone.tokenizer().addSpecialTokens(GRAPH_TOKENS.toArray(new String[0]));
        int rows = backbone.model().config().text().vocabSize();
        long[] out = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = ids[i];
            if (ids[i] >= rows) {
                throw new IllegalArgumentException("the graph token " + GRAPH_TOKENS.get(i) + " got id " + ids[i]
                        + " but the model's embedding table has only " + rows + " rows");
            }
        }
        return out;
    }

    public Qwen2VLPipeline backbone() {
        return backbone;
    }

    public Qwen2VLForConditionalGeneration model() {
        return backbone.model();
    }

    public Lora lora() {
        return lora;
    }

    public GraphEncoder graphEncoder() {
        return graphEncoder;
    }

    public NewTokenRows newTokens() {
        return newTokens;
    }

    public boolean baseTrained() {
        return baseTrained;
    }

    public UgeGraphs graphs() {
        return graphs;
    }

    /** Train or eval mode for every part (dropout). */
    public void train(boolean on) {
        backbone.model().train(on);
        if (graphEncoder != null) {
            graphEncoder.train(on);
        }
    }

    /**
     * Trainable parameters by group: {@code graph_encoder} (UGE trains it at the base learning rate), and
     * {@code lora} (the adapters, the graph-token rows and, for an untrained backbone, the base weights), which UGE's
     * stage 2 trains at a tenth of it. Keys are checkpoint names.
     */
    public Map<String, Map<String, Parameter>> parameterGroups() {
        Map<String, Map<String, Parameter>> groups = new LinkedHashMap<>();
        Map<String, Parameter> rest = new LinkedHashMap<>();
        if (lora != null) {
            rest.putAll(lora.parameters());
        }
        rest.put("new_token_rows.weight", newTokens.weight());
        if (baseTrained) {
            backbone.model().namedParameters().forEach((k, p) -> {
                if (p.trainable() && !k.contains(".lora_A.") && !k.contains(".lora_B.")) {
                    rest.put("base." + k, p);
                }
            });
        }
        groups.put("lora", rest);
        if (graphEncoder != null) {
            Map<String, Parameter> ge = new LinkedHashMap<>();
            graphEncoder.namedParameters().forEach((k, p) -> ge.put("graph_encoder." + k, p));
            groups.put("graph_encoder", ge);
        }
        return groups;
    }

    /** The encoded (tokenised, preprocessed) form of inputs, before batching. */
    public List<EncodedInput> encode(List<UgeInput> inputs) {
        List<EncodedInput> out = new ArrayList<>();
        for (UgeInput in : inputs) {
            Qwen2VLImageProcessor.Output px = in.images().isEmpty() ? null : images.preprocess(in.images());
            int[] nodes = new int[in.graphs().size()];
            for (int g = 0; g < nodes.length; g++) {
                requireGraphEncoder(in);
                nodes[g] = graphs.load(in.graphs().get(g)).numNodes();
            }
            out.add(backbone.encodeMessages(List.of(ChatMessage.user(in.content())), px, nodes));
        }
        return out;
    }

    private void requireGraphEncoder(UgeInput in) {
        if (graphEncoder == null) {
            throw new IllegalStateException("an input has a graph but this model has no graph encoder (a stage-1 "
                    + "model); remove the graph or use a stage-2 model");
        }
    }

    /** L2-normalised embeddings [n, H] of the inputs, recorded for backward when gradients are on. */
    public Tensor embed(List<UgeInput> inputs) {
        List<EncodedInput> encoded = encode(inputs);
        MultimodalBatch batch = backbone.batch(encoded);
        List<Tensor> rowNodes = graphNodes(inputs);
        return backbone.model().embed(batch, embeds -> {
            Tensor e = newTokens.apply(embeds, batch.inputIds());
            return rowNodes == null ? e : GraphInjection.inject(e, batch.inputIds(), graphPadId, rowNodes);
        });
    }

    /** Each row's node embeddings (one graph per row; several graphs of a row are concatenated), or null if none. */
    private List<Tensor> graphNodes(List<UgeInput> inputs) {
        List<GraphInput> all = new ArrayList<>();
        for (UgeInput in : inputs) {
            for (Path g : in.graphs()) {
                all.add(graphs.load(g));
            }
        }
        if (all.isEmpty()) {
            return null;
        }
        GraphEncoding enc = graphEncoder.forward(GraphBatch.of(all.toArray(new GraphInput[0])),
                backbone.model().tokenEmbeddings().weight().tensor());
        List<Tensor> rows = new ArrayList<>();
        int g = 0;
        for (UgeInput in : inputs) {
            if (in.graphs().isEmpty()) {
                rows.add(null);
                continue;
            }
            List<Tensor> parts = new ArrayList<>();
            for (int k = 0; k < in.graphs().size(); k++) {
                parts.add(enc.graph(g++));
            }
            rows.add(parts.size() == 1 ? parts.get(0) : org.urbangraph.tensor.Layout.cat(parts, 0));
        }
        return rows;
    }

    /** Writes the trainable parts (see {@link UgeCheckpoint}). */
    public void save(Path dir) throws IOException {
        UgeCheckpoint.writeModel(this, dir);
    }
}
