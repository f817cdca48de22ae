package org.urbangraph.graph;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jgrapht.Graph;
import org.jgrapht.graph.DefaultEdge;
import org.jgrapht.graph.builder.GraphTypeBuilder;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.io.SafetensorsFile;
import org.urbangraph.testkit.Fixtures;

/**
 * The golden graph-encoder case of {@code fixtures/golden/graph_encoder}: the two graphs of {@code reference.json}
 * rebuilt as JGraphT graphs (nodes and edges in networkx order, as the reference hands them to PyG), the node token
 * ids from the golden {@code text.input_ids} / {@code attention_mask}, the reference tensors and weights.
 */
public final class GoldenGraphs {

    public static final Path DIR = Fixtures.golden("graph_encoder");
    public static final SafetensorsFile REFERENCE = SafetensorsFile.open(DIR.resolve("reference.safetensors"));
    public static final SafetensorsFile WEIGHTS = SafetensorsFile.open(DIR.resolve("graph_encoder.safetensors"));
    private static final JsonNode JSON = readJson(DIR.resolve("reference.json"));

    private GoldenGraphs() {}

    /** A golden node as the reference's networkx graph holds it. */
    record Poi(String id, String text, double[] coords) {}

    /** A relation-carrying edge of the JGraphT graph. */
    static final class Relation extends DefaultEdge {
        final String name;

        Relation(String name) {
            this.name = name;
        }
    }

    /** The constructor arguments of the golden encoder, with the reference's float32 geometry (for parity). */
    public static GraphEncoderConfig config() {
        JsonNode k = JSON.get("constructor_kwargs");
        int hidden = k.get("hidden_dim").asInt();
        return GraphEncoderConfig.uge(hidden)
                .withHiddenDim(hidden, k.get("output_dim").asInt())
                .withLayers(k.get("num_layers").asInt())
                .withHeads(k.get("gat_heads").asInt())
                .withEdgeDim(k.get("edge_dim").asInt())
                .withSpatial(k.get("spatial_embed_dim").asInt(), k.get("spatial_frequency_num").asInt())
                .withGeometry(GeometryPrecision.FLOAT32_REFERENCE);
    }

    /** The golden encoder, in eval mode, with the golden weights. */
    public static GraphEncoder encoder(GraphEncoderConfig config) {
        GraphEncoder encoder = new GraphEncoder(config, 99);
        encoder.loadWeights(WEIGHTS);
        encoder.eval();
        return encoder;
    }

    /** The tiny Qwen2-VL's {@code embed_tokens}, which embeds the node texts. */
    public static Tensor embedTokens() {
        return SafetensorsFile.open(Fixtures.golden("qwen2_vl", "model.safetensors")).tensor("model.embed_tokens.weight");
    }

    static JsonNode graphJson(int g) {
        return JSON.get("graphs").get(g);
    }

    /** The golden graph g as a JGraphT graph of its nodes, in the reference's node and edge order. */
    static Graph<Poi, Relation> jgrapht(int g) {
        JsonNode gj = graphJson(g);
        Graph<Poi, Relation> graph = GraphTypeBuilder.<Poi, Relation>undirected().allowingSelfLoops(true)
                .allowingMultipleEdges(false).weighted(false).buildGraph();
        Map<String, Poi> byId = new LinkedHashMap<>();
        for (JsonNode n : gj.get("nodes_in_pyg_order")) {
            JsonNode c = n.get("coords");
            Poi p = new Poi(n.get("id").asText(), n.get("node_text").asText(),
                    c == null || c.isNull() ? null : new double[] {c.get(0).asDouble(), c.get(1).asDouble()});
            byId.put(p.id(), p);
            graph.addVertex(p);
        }
        for (JsonNode e : gj.get("edges_nx_order")) {
            graph.addEdge(byId.get(e.get(0).asText()), byId.get(e.get(1).asText()), new Relation(e.get(2).asText()));
        }
        return graph;
    }

    /** Each node's real token ids (the golden ids where the attention mask is 1), in node order. */
    public static List<int[]> tokenIds(int g) {
        Tensor ids = REFERENCE.tensor("g" + g + ".text.input_ids");
        Tensor mask = REFERENCE.tensor("g" + g + ".text.attention_mask");
        long[] id = ids.toLongArray();
        long[] m = mask.toLongArray();
        int rows = ids.size(0);
        int len = ids.size(1);
        List<int[]> out = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            List<Integer> kept = new ArrayList<>();
            for (int c = 0; c < len; c++) {
                if (m[r * len + c] == 1) {
                    kept.add((int) id[r * len + c]);
                }
            }
            out.add(kept.stream().mapToInt(Integer::intValue).toArray());
        }
        return out;
    }

    /**
     * Golden graph g as encoder input. A node without coordinates gets {@code missingCoords} when that is not null
     * (the reference's silent (0, 0)); with null, building the input must fail.
     */
    public static GraphInput input(int g, LonLat missingCoords) {
        Graph<Poi, Relation> graph = jgrapht(g);
        List<Poi> order = new ArrayList<>(graph.vertexSet());
        List<int[]> tokens = tokenIds(g);
        return GraphInput.fromJGraphT(graphJson(g).get("name").asText(), graph, p -> new GraphNode(p.id(), "poi",
                tokens.get(order.indexOf(p)), p.coords() == null ? missingCoords
                        : new LonLat(p.coords()[0], p.coords()[1])), e -> e.name);
    }

    /** Golden graph g with the reference's (0, 0) for a node without coordinates. */
    public static GraphInput inputAsReference(int g) {
        return input(g, new LonLat(0, 0));
    }

    public static float[] golden(String name) {
        return REFERENCE.tensor(name).toFloatArray();
    }

    static long[] goldenLong(String name) {
        return REFERENCE.tensor(name).toLongArray();
    }

    private static JsonNode readJson(Path p) {
        try {
            return new ObjectMapper().readTree(p.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p, e);
        }
    }
}
