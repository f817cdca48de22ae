package org.urbangraph.graph;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.urbangraph.tensor.Functional;
import org.urbangraph.tensor.Layout;
import org.urbangraph.tensor.Pointwise;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.io.SafetensorsWriter;
import org.urbangraph.tensor.io.WeightSource;
import org.urbangraph.tensor.nn.Activation;
import org.urbangraph.tensor.nn.LayerNorm;
import org.urbangraph.tensor.nn.Linear;
import org.urbangraph.tensor.nn.MLP;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.tensor.nn.ModuleList;
import org.urbangraph.tensor.nn.Rng;

/**
 * UGE's graph encoder, the reference's {@code TextAttributedGraphEncoderSpatial}: node embeddings of spatial graphs,
 * one per node, to be injected into the VLM as {@code <|graph_pad|>} tokens.
 *
 * <pre>
 *   text_features = mean of embed_tokens over the node text's tokens                  [N, hidden]
 *   x0 = node_projection(cat(text_features, spatial_encoder(lon, lat)))              [N, hidden]
 *   edge_attr = edge_encoder(distance, bearing, displacement of each edge)           [E, edge_dim]
 *   for each layer i:  h = layer_norms[i](convs[i](x, edges, edge_attr))
 *                      x = i < last ? relu(h) + x : h
 *   output = output_proj(x) = Linear(h, 2h), ReLU, Dropout, Linear(2h, out), LayerNorm  [N, out]
 * </pre>
 *
 * Parameter names are the reference's {@code state_dict} names, so its checkpoints load as they are (their unused
 * {@code node_encoder.node_head.*} and {@code node_encoder.qwen_model.*} tensors are reported as unexpected). A batch
 * of several graphs is encoded in one pass; every graph gets its own rows.
 */
public final class GraphEncoder extends Module {

    private final GraphEncoderConfig config;
    private final SpatialPositionalEncoder spatialEncoder;
    private final Linear nodeProjection;
    private final GeodesicEdgeEncoder edgeEncoder;
    private final ModuleList<MessagePassingLayer> convs;
    private final ModuleList<LayerNorm> layerNorms;
    private final MLP outputProj;
    private final Rng rng;

    /** A freshly initialised encoder (PyTorch's and PyG's initialisations), seeded. */
    public GraphEncoder(GraphEncoderConfig config, long seed) {
        this.config = config;
        this.rng = new Rng(seed);
        int h = config.hiddenDim();
        if (config.useSpatialEncoding()) {
            spatialEncoder = child("spatial_encoder", new SpatialPositionalEncoder(config.spatialEmbedDim(),
                    config.spatialFrequencyNum(), config.minRadius(), config.maxRadius(), config.dropout(), rng));
            nodeProjection = child("node_projection", new Linear(h + config.spatialEmbedDim(), h, true, rng));
        } else {
            spatialEncoder = null;
            nodeProjection = null;
        }
        edgeEncoder = config.buildsEdgeEncoder() ? child("edge_encoder", new GeodesicEdgeEncoder(config.edgeDim(),
                config.edgeUseDistance(), config.edgeUseDirection(), config.edgeUseDisplacement(), config.geometry(),
                config.dropout(), rng)) : null;
        if (config.numLayers() > 0) {
            convs = child("convs", new ModuleList<>());
            layerNorms = child("layer_norms", new ModuleList<>());
            for (int i = 0; i < config.numLayers(); i++) {
                convs.add(config.conv() == ConvType.GATV2
                        ? new GATv2Conv(h, h, config.gatHeads(), edgeEncoder != null ? config.edgeDim() : 0,
                                config.dropout(), rng)
                        : new GCNConv(h, h, rng));
                layerNorms.add(new LayerNorm(h, 1e-5, true));
            }
        } else {
            convs = null;
            layerNorms = null;
        }
        outputProj = child("output_proj", new MLP(new int[] {h, 2 * h, config.outputDim()}, Activation.RELU,
                config.dropout(), true, rng));
    }

    public GraphEncoderConfig config() {
        return config;
    }

    /**
     * The stream the encoder's dropouts draw from (after initialisation drew its seeds): trainers save its position
     * in checkpoints and rewind it for gradient caching.
     */
    public Rng rng() {
        return rng;
    }

    // ---- forward ----------------------------------------------------------------------------------------------

    /** Encodes every graph of the batch, with node text features taken from the backbone's {@code embed_tokens}. */
    public GraphEncoding forward(GraphBatch batch, Tensor embedTokens) {
        return forward(batch, embedTokens, Trace.NONE);
    }

    public GraphEncoding forward(GraphBatch batch, Tensor embedTokens, Trace trace) {
        if (embedTokens.rank() != 2 || embedTokens.size(1) != config.hiddenDim()) {
            throw new IllegalArgumentException("the token embedding table " + (embedTokens.name() != null
                    ? embedTokens.name() + " " : "") + "has shape " + Arrays.toString(embedTokens.shape())
                    + "; the graph encoder's hidden_dim is " + config.hiddenDim() + ", so it needs [vocab, "
                    + config.hiddenDim() + "]");
        }
        return forwardFromTextFeatures(batch, NodeTextFeatures.maskedMean(embedTokens, batch), trace);
    }

    /** Encodes every graph of the batch from given node text features [total nodes, hidden_dim]. */
    public GraphEncoding forwardFromTextFeatures(GraphBatch batch, Tensor textFeatures, Trace trace) {
        int n = batch.numNodes();
        if (textFeatures.rank() != 2 || textFeatures.size(0) != n || textFeatures.size(1) != config.hiddenDim()) {
            throw new IllegalArgumentException("text features of shape " + Arrays.toString(textFeatures.shape())
                    + " for a batch of " + n + " nodes; expected [" + n + ", " + config.hiddenDim() + "]");
        }
        trace.put("text_features", textFeatures);
        Tensor x = textFeatures;
        if (spatialEncoder != null) {
            if (trace.enabled()) {
                trace.put("coords", coordsTensor(batch));
            }
            Tensor spatial = spatialEncoder.forward(batch, trace);
            Tensor combined = trace.put("node_projection.input", Layout.cat(List.of(textFeatures, spatial), 1));
            x = nodeProjection.forward(combined);
        }
        trace.put("x0", x);
        if (convs != null) {
            Tensor edgeAttr = edgeEncoder == null ? null : trace.put("edge_attr", edgeEncoder.forward(batch, trace));
            LoopedEdgeIndex edges = new LoopedEdgeIndex(n, batch.source(), batch.target());
            int layers = convs.size();
            for (int i = 0; i < layers; i++) {
                trace.put("conv" + i + ".input", x);
                Tensor conv = trace.put("conv" + i + ".out", convs.get(i).forward(x, edges, edgeAttr, trace, "conv" + i));
                Tensor h = trace.put("norm" + i + ".out", layerNorms.get(i).forward(conv));
                x = i < layers - 1 ? Pointwise.add(Functional.relu(h), x) : h;
            }
        }
        Tensor out = trace.put("output", outputProj.forward(x));
        return new GraphEncoding(out, batch);
    }

    private static Tensor coordsTensor(GraphBatch batch) {
        double[] lon = batch.lon();
        double[] lat = batch.lat();
        float[] c = new float[2 * lon.length];
        for (int i = 0; i < lon.length; i++) {
            c[2 * i] = (float) lon[i];
            c[2 * i + 1] = (float) lat[i];
        }
        return Tensor.of(c, lon.length, 2);
    }

    // ---- weights ----------------------------------------------------------------------------------------------

    /**
     * Loads this encoder's parameters from a checkpoint holding them under their own names (a file written by
     * {@link #save}, or the reference's {@code graph_encoder.safetensors}). Every parameter must be present with
     * its shape and a float dtype, or this fails with a {@link org.urbangraph.tensor.io.CheckpointMismatchException}
     * naming the file and the tensors; tensors the model does not have (the reference's
     * {@code node_encoder.node_head.*}, {@code node_encoder.qwen_model.*}) are reported, not loaded.
     */
    public LoadReport loadWeights(WeightSource source) {
        LoadReport report = load(source, "", false);
        if (!report.missing().isEmpty() || !report.misShaped().isEmpty() || !report.wrongDtype().isEmpty()) {
            throw mismatch(source, "", report.withUnexpected(List.of()),
                    "the checkpoint does not hold a graph encoder configured as " + config);
        }
        return report;
    }

    /**
     * Writes the parameters (F32, under their checkpoint names) and the configuration (as metadata) to a
     * safetensors file, through a temporary file and a rename.
     */
    public void save(Path file) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.putAll(config.toMetadata());
        SafetensorsWriter.write(file, stateDict(), meta);
    }

    /** An encoder built from the configuration stored by {@link #save} and loaded with its weights. */
    public static GraphEncoder load(Path file) {
        return load(file, 0);
    }

    /** As {@link #load(Path)}, its dropout drawing from a stream seeded by {@code seed} (for further training). */
    public static GraphEncoder load(Path file, long seed) {
        WeightSource source = WeightSource.open(file);
        GraphEncoderConfig config = GraphEncoderConfig.fromMetadata(source.metadata(), file.toString());
        GraphEncoder encoder = new GraphEncoder(config, seed);
        encoder.loadWeights(source);
        return encoder;
    }
}
