package org.urbangraph.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.io.CheckpointMismatchException;
import org.urbangraph.tensor.io.SafetensorsFile;
import org.urbangraph.tensor.nn.Parameter;
import org.urbangraph.testkit.Approx;

/** Configuration, ablations, training mode, checkpoints and input errors of the whole encoder, on small graphs. */
class GraphEncoderTest {

    static final int HIDDEN = 12;
    static final int VOCAB = 30;

    static GraphEncoderConfig small() {
        return GraphEncoderConfig.uge(HIDDEN).withHeads(2).withEdgeDim(5).withSpatial(6, 4);
    }

    static Tensor table() {
        return Tensor.randn(7, VOCAB, HIDDEN);
    }

    /** Two small graphs near Monaco: a self-loop, a node without incoming edges, a node without tokens. */
    static GraphBatch batch() {
        GraphInput a = GraphInput.of("a", List.of(
                GraphNode.of("1", "poi", new int[] {1, 2, 3}, 7.4246, 43.7384),
                GraphNode.of("2", "street", new int[] {4, 5}, 7.4270, 43.7390),
                GraphNode.of("3", "crossing", new int[] {6}, 7.4201, 43.7365),
                GraphNode.of("4", "image", new int[] {}, 7.4232, 43.7401)), List.of(
                new GraphEdge(0, 1, "nearest"), new GraphEdge(1, 2, "on_same_street"), new GraphEdge(2, 2, "self"),
                new GraphEdge(3, 1, "near"), new GraphEdge(2, 0, "near")));
        GraphInput b = GraphInput.of("b", List.of(
                GraphNode.of("9", "poi", new int[] {7, 8, 9, 10}, 12.5683, 55.6761),
                GraphNode.of("8", "poi", new int[] {11, 29}, 12.5700, 55.6770),
                GraphNode.of("7", "street", new int[] {12}, 12.5650, 55.6750)), List.of(
                new GraphEdge(0, 1, "near"), new GraphEdge(1, 2, "near")));
        return GraphBatch.of(a, b);
    }

    @Test
    void ugeDefaultsAreTheAuthorsTrainingSettings() {
        GraphEncoderConfig c = GraphEncoderConfig.uge(1536);
        assertEquals(List.of(1536, 1536, 2, 4, 64, 64, 16), List.of(c.hiddenDim(), c.outputDim(), c.numLayers(),
                c.gatHeads(), c.edgeDim(), c.spatialEmbedDim(), c.spatialFrequencyNum()));
        assertEquals(0.1, c.dropout());
        assertEquals(ConvType.GATV2, c.conv());
        assertEquals(GeometryPrecision.DOUBLE, c.geometry());
        assertTrue(c.useSpatialEncoding() && c.useEdgeFeatures() && c.edgeUseDistance() && c.edgeUseDirection()
                && c.edgeUseDisplacement());
        assertEquals(c, GraphEncoderConfig.fromMetadata(c.toMetadata(), "test"));

        Map<String, String> bad = new java.util.HashMap<>(c.toMetadata());
        bad.put("geometry", "single");
        assertEquals("enc.safetensors: graph encoder setting 'geometry' must be double or float32_reference, got "
                + "'single'", assertThrows(IllegalArgumentException.class,
                        () -> GraphEncoderConfig.fromMetadata(bad, "enc.safetensors")).getMessage());
        bad.put("geometry", "double");
        bad.put("use_gat", "yes");
        assertEquals("enc.safetensors: graph encoder setting 'use_gat' must be true or false, got 'yes'",
                assertThrows(IllegalArgumentException.class,
                        () -> GraphEncoderConfig.fromMetadata(bad, "enc.safetensors")).getMessage());
    }

    @Test
    void parameterNamesAreTheReferencesForEveryVariant() {
        List<String> full = names(small());
        assertTrue(full.containsAll(List.of("spatial_encoder.projection.0.weight", "spatial_encoder.projection.3.bias",
                "spatial_encoder.projection.4.weight", "node_projection.weight", "edge_encoder.distance_encoder.0.weight",
                "edge_encoder.direction_encoder.3.weight", "edge_encoder.displacement_encoder.3.bias",
                "edge_encoder.edge_combiner.4.weight", "convs.0.att", "convs.0.bias", "convs.0.lin_l.weight",
                "convs.0.lin_r.bias", "convs.1.lin_edge.weight", "layer_norms.1.bias", "output_proj.0.weight",
                "output_proj.3.weight", "output_proj.4.bias")), full.toString());
        assertEquals(50, full.size());

        List<String> noEdges = names(small().withoutEdgeFeatures());
        assertTrue(noEdges.stream().noneMatch(n -> n.startsWith("edge_encoder") || n.contains("lin_edge")), noEdges.toString());
        List<String> noCoords = names(small().withoutCoordinateEncoding());
        assertTrue(noCoords.stream().noneMatch(n -> n.startsWith("spatial_encoder") || n.startsWith("node_projection")));
        List<String> nodeOnly = names(small().nodeEncoderOnly());
        assertTrue(nodeOnly.stream().noneMatch(n -> n.startsWith("convs") || n.startsWith("layer_norms")
                || n.startsWith("edge_encoder")), nodeOnly.toString());
        List<String> gcn = names(small().withConv(ConvType.GCN));
        assertTrue(gcn.containsAll(List.of("convs.0.lin.weight", "convs.0.bias", "convs.1.lin.weight")));
        assertTrue(gcn.stream().noneMatch(n -> n.startsWith("edge_encoder")), "GCN takes no edge features");
        List<String> twoParts = names(small().withEdgeComponents(true, true, false));
        assertTrue(twoParts.stream().noneMatch(n -> n.contains("displacement")));
        assertArrayEquals(new int[] {10, 10}, new GraphEncoder(small().withEdgeComponents(true, true, false), 1)
                .namedParameters().get("edge_encoder.edge_combiner.0.weight").shape());
    }

    private static List<String> names(GraphEncoderConfig c) {
        return List.copyOf(new GraphEncoder(c, 1).namedParameters().keySet());
    }

    @Test
    void everyVariantTrainsEndToEndWithAGradientForEveryParameter() {
        for (GraphEncoderConfig c : List.of(small(), small().withoutEdgeFeatures(), small().withoutCoordinateEncoding(),
                small().nodeEncoderOnly(), small().withConv(ConvType.GCN), small().withLayers(3))) {
            GraphEncoder enc = new GraphEncoder(c, 3);
            enc.train(true);
            Tensor table = table().requiresGrad(true);
            GraphEncoding out = enc.forward(batch(), table);
            assertArrayEquals(new int[] {7, HIDDEN}, out.nodes().shape());
            out.nodes().mul(Tensor.randn(8, 7, HIDDEN)).sum().backward();
            for (Map.Entry<String, Parameter> p : enc.namedParameters().entrySet()) {
                Tensor g = p.getValue().tensor().grad();
                assertNotNull(g, c + ": no gradient for " + p.getKey());
                double ss = 0;
                for (float v : g.toFloatArray()) {
                    assertTrue(Float.isFinite(v), p.getKey());
                    ss += v * v;
                }
                assertTrue(ss > 0, c + ": zero gradient for " + p.getKey());
            }
            assertNotNull(table.grad(), "the trainable embedding table gets a gradient");
        }
    }

    @Test
    void nodeEncoderOnlyIsTheOutputMlpOfTheProjectedNodeFeaturesIgnoringEdges() {
        GraphEncoder enc = new GraphEncoder(small().nodeEncoderOnly(), 4);
        enc.eval();
        GraphBatch batch = batch();
        GraphBatch noEdges = GraphBatch.of(batch.graphs().stream().map(g -> GraphInput.of(g.name(), g.nodes(),
                List.of())).toList());
        Trace trace = Trace.recording();
        try (NoGrad ng = NoGrad.enter()) {
            float[] withEdges = enc.forward(batch, table(), trace).nodes().toFloatArray();
            float[] without = enc.forward(noEdges, table()).nodes().toFloatArray();
            assertArrayEquals(withEdges, without);
        }
        assertFalse(trace.contains("edge_attr") || trace.contains("conv0.out"));
    }

    @Test
    void withoutCoordinateEncodingTheNodeFeaturesAreTheTextFeatures() {
        GraphEncoder enc = new GraphEncoder(small().withoutCoordinateEncoding(), 4);
        Trace trace = Trace.recording();
        try (NoGrad ng = NoGrad.enter()) {
            enc.forward(batch(), table(), trace);
        }
        assertArrayEquals(trace.get("text_features").toFloatArray(), trace.get("x0").toFloatArray());
        assertFalse(trace.contains("spatial.sinusoidal"));
        assertTrue(trace.contains("edge_attr"), "edge features still come from the coordinates");
    }

    @Test
    void textFeaturesAreTheMeanOfTheNodesTokenEmbeddings() {
        Tensor table = table();
        Trace trace = Trace.recording();
        try (NoGrad ng = NoGrad.enter()) {
            new GraphEncoder(small(), 1).forward(batch(), table, trace);
        }
        float[] t = table.toFloatArray();
        float[] text = trace.get("text_features").toFloatArray();
        int[][] tokens = {{1, 2, 3}, {4, 5}, {6}, {}, {7, 8, 9, 10}, {11, 29}, {12}};
        for (int n = 0; n < tokens.length; n++) {
            for (int c = 0; c < HIDDEN; c++) {
                double s = 0;
                for (int id : tokens[n]) {
                    s += t[id * HIDDEN + c];
                }
                double expected = tokens[n].length == 0 ? 0 : s / tokens[n].length;
                assertEquals(expected, text[n * HIDDEN + c], 1e-6, "node " + n + " channel " + c);
            }
        }
    }

    @Test
    void dropoutActsInTrainingOnlyAndIsReproducibleFromTheSeed() {
        GraphBatch batch = batch();
        Tensor table = table();
        try (NoGrad ng = NoGrad.enter()) {
            GraphEncoder a = new GraphEncoder(small(), 9);
            GraphEncoder b = new GraphEncoder(small(), 9);
            a.eval();
            float[] e1 = a.forward(batch, table).nodes().toFloatArray();
            float[] e2 = a.forward(batch, table).nodes().toFloatArray();
            assertArrayEquals(e1, e2, "evaluation is deterministic");
            a.train(true);
            b.train(true);
            float[] t1 = a.forward(batch, table).nodes().toFloatArray();
            float[] t2 = a.forward(batch, table).nodes().toFloatArray();
            assertFalse(java.util.Arrays.equals(t1, e1), "training applies dropout");
            assertFalse(java.util.Arrays.equals(t1, t2), "each training pass draws new masks");
            assertArrayEquals(t1, b.forward(batch, table).nodes().toFloatArray(), "same seed, same masks");
        }
    }

    @Test
    void aGraphWithoutEdgesAndASingleNodeEncode() {
        GraphInput lone = GraphInput.of("lone", List.of(GraphNode.of("x", "poi", new int[] {3}, 9.52, 47.14)),
                List.of());
        GraphEncoder enc = new GraphEncoder(small(), 2);
        enc.eval();
        Trace trace = Trace.recording();
        Tensor out;
        try (NoGrad ng = NoGrad.enter()) {
            out = enc.forward(GraphBatch.of(lone), table(), trace).nodes();
        }
        assertArrayEquals(new int[] {1, HIDDEN}, out.shape());
        for (float v : out.toFloatArray()) {
            assertTrue(Float.isFinite(v));
        }
        // only the appended self-loop, with zero edge features, carries a message; its attention is 1
        assertArrayEquals(new long[] {0, 0}, trace.get("conv0.edge_index_with_loops").toLongArray());
        Approx.assertClose("loop attention", new double[] {1, 1}, trace.get("conv0.alpha").toFloatArray(), 1e-6, 0);
        Approx.assertClose("loop edge features", new double[5], trace.get("conv0.edge_attr_with_loops").toFloatArray(),
                0, 0);
    }

    @Test
    void aRepeatedEdgeMadeBidirectionalEncodesAsTheSimpleGraph() {
        List<GraphNode> nodes = List.of(
                GraphNode.of("1", "image", new int[] {1, 2}, 9.5179, 47.1132),
                GraphNode.of("2", "street", new int[] {3}, 9.5190, 47.1140),
                GraphNode.of("3", "street", new int[] {4, 5}, 9.5160, 47.1120));
        GraphInput repeated = GraphInput.of("repeated", nodes, List.of(new GraphEdge(0, 1, "near"),
                new GraphEdge(1, 2, "on_same_street"), new GraphEdge(1, 2, "on_same_street"),
                new GraphEdge(2, 0, "near"))).bidirectional();
        GraphInput simple = GraphInput.of("simple", nodes, List.of(new GraphEdge(0, 1, "near"),
                new GraphEdge(1, 2, "on_same_street"), new GraphEdge(2, 0, "near"))).bidirectional();
        GraphEncoder enc = new GraphEncoder(small(), 4);
        enc.eval();
        Tensor table = table();
        Trace trace = Trace.recording();
        try (NoGrad ng = NoGrad.enter()) {
            float[] a = enc.forward(GraphBatch.of(repeated), table, trace).nodes().toFloatArray();
            float[] b = enc.forward(GraphBatch.of(simple), table).nodes().toFloatArray();
            Approx.assertClose("output", b, a, 1e-6, 0);
        }
        assertEquals(6, repeated.numEdges());
        assertEquals(9 * 2, trace.get("conv0.alpha").toFloatArray().length, "6 edges and 3 loops, 2 heads");
    }

    @Test
    void saveWritesWeightsAndConfigurationAtomicallyAndLoadRestoresTheSameModel(@TempDir Path dir) throws Exception {
        GraphEncoderConfig config = small().withConv(ConvType.GATV2).withGeometry(GeometryPrecision.FLOAT32_REFERENCE);
        GraphEncoder enc = new GraphEncoder(config, 6);
        enc.eval();
        Path file = dir.resolve("graph_encoder.safetensors");
        enc.save(file);
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary file is left behind");
        }
        SafetensorsFile saved = SafetensorsFile.open(file);
        assertEquals("pt", saved.metadata().get("format"));
        assertEquals("float32_reference", saved.metadata().get("geometry"));
        assertEquals(enc.namedParameters().keySet(), new java.util.HashSet<>(saved.names()));

        GraphEncoder back = GraphEncoder.load(file);
        back.eval();
        assertEquals(config, back.config());
        try (NoGrad ng = NoGrad.enter()) {
            assertArrayEquals(enc.forward(batch(), table()).nodes().toFloatArray(),
                    back.forward(batch(), table()).nodes().toFloatArray());
        }
    }

    @Test
    void loadingACheckpointOfAnotherShapeFailsNamingTheTensors(@TempDir Path dir) {
        Path file = dir.resolve("enc.safetensors");
        new GraphEncoder(small(), 1).save(file);
        GraphEncoder other = new GraphEncoder(small().withEdgeDim(7), 1);
        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                () -> other.loadWeights(SafetensorsFile.open(file)));
        assertTrue(e.getMessage().startsWith(file + ": ")
                && e.getMessage().contains("edge_encoder.distance_encoder.0.weight is [5, 1], expected [7, 1]"),
                e.getMessage());
        GraphEncoder noCoords = new GraphEncoder(small().withoutCoordinateEncoding(), 1);
        assertEquals(8, noCoords.loadWeights(SafetensorsFile.open(file)).unexpected().size(),
                "the spatial encoder and node projection of the file are reported, not loaded");
        IllegalArgumentException noConfig = assertThrows(IllegalArgumentException.class,
                () -> GraphEncoder.load(GoldenGraphs.DIR.resolve("graph_encoder.safetensors")));
        assertTrue(noConfig.getMessage().endsWith("graph encoder setting 'hidden_dim' is missing"), noConfig.getMessage());
    }

    @Test
    void badInputsAreErrorsThatNameTheNodeOrTheTensor() {
        GraphEncoder enc = new GraphEncoder(small(), 1);
        GraphInput g = GraphInput.of("city", List.of(GraphNode.of("n1", "poi", new int[] {2, 31}, 1, 1)), List.of());
        IllegalArgumentException vocab = assertThrows(IllegalArgumentException.class,
                () -> enc.forward(GraphBatch.of(g), table()));
        assertEquals("graph 'city', node n1 (poi): token id 31 is outside the embedding table of 30 rows",
                vocab.getMessage());
        IllegalArgumentException width = assertThrows(IllegalArgumentException.class,
                () -> enc.forward(batch(), Tensor.zeros(VOCAB, 16).named("model.embed_tokens.weight")));
        assertEquals("the token embedding table model.embed_tokens.weight has shape [30, 16]; the graph encoder's "
                + "hidden_dim is 12, so it needs [vocab, 12]", width.getMessage());
        IllegalArgumentException text = assertThrows(IllegalArgumentException.class,
                () -> enc.forwardFromTextFeatures(batch(), Tensor.zeros(6, HIDDEN), Trace.NONE));
        assertEquals("text features of shape [6, 12] for a batch of 7 nodes; expected [7, 12]", text.getMessage());
        assertThrows(IllegalArgumentException.class, () -> small().withEdgeComponents(false, false, false));
    }

    @Test
    void outputRowsOfEachGraphAreThatGraphsOwnEncoding() {
        GraphEncoder enc = new GraphEncoder(small(), 12);
        enc.eval();
        GraphBatch both = batch();
        try (NoGrad ng = NoGrad.enter()) {
            GraphEncoding joint = enc.forward(both, table());
            for (int g = 0; g < 2; g++) {
                Tensor alone = enc.forward(GraphBatch.of(both.graphs().get(g)), table()).nodes();
                Approx.assertClose("graph " + g, alone.toFloatArray(), joint.graph(g).toFloatArray(), 1e-6, 0);
            }
        }
    }
}
