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
import org.urbangraph.vlm.VisionLanguageModel;
import org.urbangraph.vlm.chat.Qwen2VLChatFormat;
import org.urbangraph.vlm.embed.EmbeddingPipeline;
import org.urbangraph.vlm.embed.EncodedInput;

/**
 * The UGE model: a vision-language backbone of any family {@link UgeBackbone} lays out, with LoRA adapters, trainable rows for the graph tokens, and (stage 2)
 * the graph encoder whose node embeddings replace the {@code <|graph_pad|>} input embeddings. Its output is the
 * L2-normalised hidden state of each input's last token.
 *
 * <pre>
 *   UgeInput (text with &lt;image&gt;/&lt;graph&gt; tags, files)
 *     -> the family's chat layout, image placeholders, one graph pad per node -> token ids (left-padded batch)
 *     -> backbone input embeddings (image features spliced)
 *        -> graph token rows (trainable) -> node embeddings at graph pads (each row its own graph)
 *     -> decoder -> last token -> L2 -> embedding
 * </pre>
 */
public final class UgeModel {

    /** UGE's special tokens, added to the backbone's tokenizer. */
    public static final List<String> GRAPH_TOKENS = List.of(Qwen2VLChatFormat.GRAPH_START, Qwen2VLChatFormat.GRAPH_PAD,
            Qwen2VLChatFormat.GRAPH_END);

    private final UgeBackbone backbone;
    private final Lora lora;
    private final GraphEncoder graphEncoder;
    private final NewTokenRows newTokens;
    private final long graphPadId;
    private final UgeGraphs graphs;
    private final boolean baseTrained;
    private TrainingData trainingData = TrainingData.NONE;

    public UgeModel(UgeBackbone backbone, Lora lora, GraphEncoder graphEncoder, NewTokenRows newTokens,
                    int maxGraphNodes, boolean baseTrained) {
        this.backbone = backbone;
        this.lora = lora;
        this.graphEncoder = graphEncoder;
        this.newTokens = newTokens;
        this.graphPadId = backbone.pipeline().tokenizer().tokenToId(Qwen2VLChatFormat.GRAPH_PAD);
        if (graphPadId < 0) {
            throw new IllegalArgumentException("the tokenizer has no " + Qwen2VLChatFormat.GRAPH_PAD
                    + "; call UgeModel.addGraphTokens first");
        }
        this.graphs = new UgeGraphs(backbone.pipeline().tokenizer(), maxGraphNodes);
        this.baseTrained = baseTrained;
    }

    /**
     * Adds UGE's graph tokens to the backbone's tokenizer (if absent) and returns their ids: the next free ids, which
     * fall on spare rows of a padded table and past the end of one without spare rows ({@link NewTokenRows}).
     */
    public static long[] addGraphTokens(EmbeddingPipeline backbone) {
        int[] ids = backbone.tokenizer().addSpecialTokens(GRAPH_TOKENS.toArray(new String[0]));
        long[] out = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = ids[i];
        }
        return out;
    }

    public UgeBackbone backbone() {
        return backbone;
    }

    public VisionLanguageModel model() {
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
        backbone.module().train(on);
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
            backbone.module().namedParameters().forEach((k, p) -> {
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
            int[] nodes = new int[in.graphs().size()];
            for (int g = 0; g < nodes.length; g++) {
                requireGraphEncoder(in);
                nodes[g] = graphs.load(in.graphs().get(g)).numNodes();
            }
            out.add(backbone.encode(in, nodes));
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
        MultimodalBatch batch = backbone.pipeline().batch(encoded);
        long[][] ids = batch.inputIds();
        long[][] lookup = newTokens.lookupIds(ids, backbone.pipeline().padId());
        MultimodalBatch forward = lookup == ids ? batch
                : new MultimodalBatch(lookup, batch.attentionMask(), batch.pixelValues(), batch.imageGrids());
        List<Tensor> rowNodes = graphNodes(inputs);
        return backbone.model().embed(forward, embeds -> {
            Tensor e = newTokens.apply(embeds, ids);
            return rowNodes == null ? e : GraphInjection.inject(e, ids, graphPadId, rowNodes);
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

    /**
     * What the model was trained on, as far as recorded: the records of the model directory it was loaded from (a
     * stage-2 model starts with its stage-1 model's), plus what {@link #addTrainingData} added since.
     * {@link TrainingData#NONE} when nothing is recorded.
     */
    public TrainingData trainingData() {
        return trainingData;
    }

    /** Adds the records of data the model trains on (kept with the earlier ones); {@link #save} writes them all. */
    public void addTrainingData(TrainingData more) {
        trainingData = trainingData.plus(more);
    }

    /** Writes the trainable parts (see {@link UgeCheckpoint}). */
    public void save(Path dir) throws IOException {
        UgeCheckpoint.writeModel(this, dir);
    }
}
