package org.urbangraph.graph;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The sizes and switches of {@link GraphEncoder}, named as the reference's constructor arguments.
 *
 * <p>{@link #uge(int)} gives UGE's training settings: {@code hiddenDim} = {@code outputDim} = the backbone's hidden
 * size (1536 for Qwen2-VL-2B, 3584 for 7B), 2 layers, GATv2 with 4 heads (averaged), edge dim 64, spatial embed dim
 * 64 from 16 frequencies (radii 1e-6 to 360 degrees), dropout 0.1, all three edge features on, geometry in double.
 *
 * <p>Ablations (UGBench's model variants): {@link #withoutEdgeFeatures()}, {@link #withoutCoordinateEncoding()},
 * {@link #nodeEncoderOnly()} (no message passing: node features straight to the output MLP), and
 * {@link #withConv(ConvType)} for the GCN alternative.
 *
 * @param hiddenDim width of the node text features and of every layer (the backbone's hidden size)
 * @param outputDim width of the output node embeddings (the backbone's hidden size, to be injected as tokens)
 * @param numLayers message-passing layers; 0 for the node-encoder-only ablation
 * @param conv GATv2 or GCN
 * @param gatHeads attention heads of each GATv2 layer
 * @param dropout dropout of every MLP and of the GATv2 attention, in training only
 * @param useSpatialEncoding concatenate the coordinate encoding to the text features
 * @param spatialEmbedDim width of the projected coordinate encoding
 * @param spatialFrequencyNum frequencies of the sinusoidal encoding
 * @param minRadius smallest wavelength, degrees
 * @param maxRadius largest wavelength, degrees
 * @param useEdgeFeatures give GATv2 the geodesic edge features
 * @param edgeDim width of the edge features
 * @param edgeUseDistance include log1p(distance in metres)
 * @param edgeUseDirection include the bearing as (sin, cos)
 * @param edgeUseDisplacement include (dlon, dlat) in degrees
 * @param geometry precision of the edge geometry
 */
public record GraphEncoderConfig(int hiddenDim, int outputDim, int numLayers, ConvType conv, int gatHeads,
                                 double dropout, boolean useSpatialEncoding, int spatialEmbedDim,
                                 int spatialFrequencyNum, double minRadius, double maxRadius, boolean useEdgeFeatures,
                                 int edgeDim, boolean edgeUseDistance, boolean edgeUseDirection,
                                 boolean edgeUseDisplacement, GeometryPrecision geometry) {

    public GraphEncoderConfig {
        positive("hidden_dim", hiddenDim);
        positive("output_dim", outputDim);
        if (numLayers < 0) {
            throw new IllegalArgumentException("num_layers must be 0 or more, got " + numLayers);
        }
        positive("gat_heads", gatHeads);
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
        }
        positive("spatial_embed_dim", spatialEmbedDim);
        if (spatialFrequencyNum < 2) {
            throw new IllegalArgumentException("spatial_frequency_num must be at least 2, got " + spatialFrequencyNum);
        }
        if (!(minRadius > 0 && maxRadius > minRadius)) {
            throw new IllegalArgumentException("need 0 < min_radius < max_radius, got " + minRadius + ", " + maxRadius);
        }
        positive("edge_dim", edgeDim);
        if (useEdgeFeatures && !(edgeUseDistance || edgeUseDirection || edgeUseDisplacement)) {
            throw new IllegalArgumentException("edge features are on but distance, direction and displacement are all "
                    + "off; enable one or turn edge features off");
        }
        if (conv == null || geometry == null) {
            throw new IllegalArgumentException("conv and geometry must be set");
        }
    }

    private static void positive(String name, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + v);
        }
    }

    /** UGE's settings for a backbone with this hidden size. */
    public static GraphEncoderConfig uge(int hiddenDim) {
        return new GraphEncoderConfig(hiddenDim, hiddenDim, 2, ConvType.GATV2, 4, 0.1, true, 64, 16, 1e-6, 360.0,
                true, 64, true, true, true, GeometryPrecision.DOUBLE);
    }

    /** Whether the encoder builds and runs the edge encoder: only GATv2 layers consume edge features. */
    public boolean buildsEdgeEncoder() {
        return useEdgeFeatures && numLayers > 0 && conv == ConvType.GATV2;
    }

    public GraphEncoderConfig withHiddenDim(int hidden, int output) {
        return new GraphEncoderConfig(hidden, output, numLayers, conv, gatHeads, dropout, useSpatialEncoding,
                spatialEmbedDim, spatialFrequencyNum, minRadius, maxRadius, useEdgeFeatures, edgeDim, edgeUseDistance,
                edgeUseDirection, edgeUseDisplacement, geometry);
    }

    public GraphEncoderConfig withLayers(int layers) {
        return new GraphEncoderConfig(hiddenDim, outputDim, layers, conv, gatHeads, dropout, useSpatialEncoding,
                spatialEmbedDim, spatialFrequencyNum, minRadius, maxRadius, useEdgeFeatures, edgeDim, edgeUseDistance,
                edgeUseDirection, edgeUseDisplacement, geometry);
    }

    public GraphEncoderConfig withConv(ConvType type) {
        return new GraphEncoderConfig(hiddenDim, outputDim, numLayers, type, gatHeads, dropout, useSpatialEncoding,
                spatialEmbedDim, spatialFrequencyNum, minRadius, maxRadius, useEdgeFeatures, edgeDim, edgeUseDistance,
                edgeUseDirection, edgeUseDisplacement, geometry);
    }

    public GraphEncoderConfig withHeads(int heads) {
        return new GraphEncoderConfig(hiddenDim, outputDim, numLayers, conv, heads, dropout, useSpatialEncoding,
                spatialEmbedDim, spatialFrequencyNum, minRadius, maxRadius, useEdgeFeatures, edgeDim, edgeUseDistance,
                edgeUseDirection, edgeUseDisplacement, geometry);
    }

    public GraphEncoderConfig withDropout(double p) {
        return new GraphEncoderConfig(hiddenDim, outputDim, numLayers, conv, gatHeads, p, useSpatialEncoding,
                spatialEmbedDim, spatialFrequencyNum, minRadius, maxRadius, useEdgeFeatures, edgeDim, edgeUseDistance,
                edgeUseDirection, edgeUseDisplacement, geometry);
    }

    public GraphEncoderConfig withSpatial(int embedDim, int frequencyNum) {
        return new GraphEncoderConfig(hiddenDim, outputDim, numLayers, conv, gatHeads, dropout, true, embedDim,
                frequencyNum, minRadius, maxRadius, useEdgeFeatures, edgeDim, edgeUseDistance, edgeUseDirection,
                edgeUseDisplacement, geometry);
    }

    public GraphEncoderConfig withEdgeDim(int dim) {
        return new GraphEncoderConfig(hiddenDim, outputDim, numLayers, conv, gatHeads, dropout, useSpatialEncoding,
                spatialEmbedDim, spatialFrequencyNum, minRadius, maxRadius, useEdgeFeatures, dim, edgeUseDistance,
                edgeUseDirection, edgeUseDisplacement, geometry);
    }

    /** Chooses which geodesic features the edge encoder combines. */
    public GraphEncoderConfig withEdgeComponents(boolean distance, boolean direction, boolean displacement) {
        return new GraphEncoderConfig(hiddenDim, outputDim, numLayers, conv, gatHeads, dropout, useSpatialEncoding,
                spatialEmbedDim, spatialFrequencyNum, minRadius, maxRadius, useEdgeFeatures, edgeDim, distance,
                direction, displacement, geometry);
    }

    public GraphEncoderConfig withGeometry(GeometryPrecision precision) {
        return new GraphEncoderConfig(hiddenDim, outputDim, numLayers, conv, gatHeads, dropout, useSpatialEncoding,
                spatialEmbedDim, spatialFrequencyNum, minRadius, maxRadius, useEdgeFeatures, edgeDim, edgeUseDistance,
                edgeUseDirection, edgeUseDisplacement, precision);
    }

    /** Ablation: GATv2 attends over nodes only (no edge encoder, no {@code lin_edge}). */
    public GraphEncoderConfig withoutEdgeFeatures() {
        return new GraphEncoderConfig(hiddenDim, outputDim, numLayers, conv, gatHeads, dropout, useSpatialEncoding,
                spatialEmbedDim, spatialFrequencyNum, minRadius, maxRadius, false, edgeDim, edgeUseDistance,
                edgeUseDirection, edgeUseDisplacement, geometry);
    }

    /** Ablation: node features are the text features alone (no spatial encoder, no {@code node_projection}). */
    public GraphEncoderConfig withoutCoordinateEncoding() {
        return new GraphEncoderConfig(hiddenDim, outputDim, numLayers, conv, gatHeads, dropout, false,
                spatialEmbedDim, spatialFrequencyNum, minRadius, maxRadius, useEdgeFeatures, edgeDim, edgeUseDistance,
                edgeUseDirection, edgeUseDisplacement, geometry);
    }

    /** Ablation: no message passing; each node's (text + coordinate) features go straight to the output MLP. */
    public GraphEncoderConfig nodeEncoderOnly() {
        return withLayers(0);
    }

    // ---- checkpoint metadata --------------------------------------------------------------------------------

    /** The settings as string pairs under the reference's argument names (stored in a checkpoint's metadata). */
    public Map<String, String> toMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("hidden_dim", Integer.toString(hiddenDim));
        m.put("output_dim", Integer.toString(outputDim));
        m.put("num_layers", Integer.toString(numLayers));
        m.put("use_gat", Boolean.toString(conv == ConvType.GATV2));
        m.put("gat_heads", Integer.toString(gatHeads));
        m.put("dropout", Double.toString(dropout));
        m.put("use_spatial_encoding", Boolean.toString(useSpatialEncoding));
        m.put("spatial_embed_dim", Integer.toString(spatialEmbedDim));
        m.put("spatial_frequency_num", Integer.toString(spatialFrequencyNum));
        m.put("min_radius", Double.toString(minRadius));
        m.put("max_radius", Double.toString(maxRadius));
        m.put("use_edge_features", Boolean.toString(useEdgeFeatures));
        m.put("edge_dim", Integer.toString(edgeDim));
        m.put("edge_use_distance", Boolean.toString(edgeUseDistance));
        m.put("edge_use_direction", Boolean.toString(edgeUseDirection));
        m.put("edge_use_displacement", Boolean.toString(edgeUseDisplacement));
        m.put("geometry", geometry.name().toLowerCase(Locale.ROOT));
        return m;
    }

    /**
     * Reads settings written by {@link #toMetadata()}. {@code where} names the source in errors; a missing or
     * malformed entry is an error that names it.
     */
    public static GraphEncoderConfig fromMetadata(Map<String, String> m, String where) {
        Function<String, String> get = k -> {
            String v = m.get(k);
            if (v == null) {
                throw new IllegalArgumentException(where + ": graph encoder setting '" + k + "' is missing");
            }
            return v.trim();
        };
        try {
            return new GraphEncoderConfig(Integer.parseInt(get.apply("hidden_dim")),
                    Integer.parseInt(get.apply("output_dim")), Integer.parseInt(get.apply("num_layers")),
                    bool(get.apply("use_gat"), "use_gat", where) ? ConvType.GATV2 : ConvType.GCN,
                    Integer.parseInt(get.apply("gat_heads")), Double.parseDouble(get.apply("dropout")),
                    bool(get.apply("use_spatial_encoding"), "use_spatial_encoding", where),
                    Integer.parseInt(get.apply("spatial_embed_dim")),
                    Integer.parseInt(get.apply("spatial_frequency_num")), Double.parseDouble(get.apply("min_radius")),
                    Double.parseDouble(get.apply("max_radius")),
                    bool(get.apply("use_edge_features"), "use_edge_features", where),
                    Integer.parseInt(get.apply("edge_dim")),
                    bool(get.apply("edge_use_distance"), "edge_use_distance", where),
                    bool(get.apply("edge_use_direction"), "edge_use_direction", where),
                    bool(get.apply("edge_use_displacement"), "edge_use_displacement", where),
                    geometry(get.apply("geometry"), where));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + ": malformed graph encoder setting: " + e.getMessage(), e);
        }
    }

    private static GeometryPrecision geometry(String v, String where) {
        for (GeometryPrecision p : GeometryPrecision.values()) {
            if (p.name().equalsIgnoreCase(v)) {
                return p;
            }
        }
        throw new IllegalArgumentException(where + ": graph encoder setting 'geometry' must be double or "
                + "float32_reference, got '" + v + "'");
    }

    private static boolean bool(String v, String key, String where) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(where + ": graph encoder setting '" + key
                    + "' must be true or false, got '" + v + "'");
        };
    }
}
