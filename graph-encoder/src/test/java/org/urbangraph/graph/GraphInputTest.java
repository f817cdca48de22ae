package org.urbangraph.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.jgrapht.Graph;
import org.jgrapht.graph.DefaultDirectedGraph;
import org.jgrapht.graph.DefaultEdge;
import org.junit.jupiter.api.Test;

/** Building encoder inputs from JGraphT graphs and plain lists, batching, and the errors for bad graphs. */
class GraphInputTest {

    static GraphNode node(String id, double lon, double lat, int... tokens) {
        return GraphNode.of(id, "poi", tokens, lon, lat);
    }

    @Test
    void aNodeWithoutCoordinatesIsAnErrorNamingTheGraphAndTheNode() {
        // Golden graph 1 has node 204 without a coords attribute; the reference silently puts it at (0, 0).
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GoldenGraphs.input(1, null));
        assertEquals("graph 'ny_soho_quirks': node 204 (poi) has no coordinates (lon, lat); the graph encoder needs "
                + "every node's position for the coordinate encoding and the edge geometry", e.getMessage());
    }

    @Test
    void jgraphtNodeAndEdgeOrderAndDirectionAreTheReferences() {
        for (int g = 0; g < 2; g++) {
            GraphInput input = GoldenGraphs.inputAsReference(g);
            GraphBatch batch = GraphBatch.of(input);
            long[] golden = GoldenGraphs.goldenLong("g" + g + ".edge_index");
            int e = input.numEdges();
            for (int i = 0; i < e; i++) {
                assertEquals(golden[i], batch.source()[i], "source of edge " + i);
                assertEquals(golden[e + i], batch.target()[i], "target of edge " + i);
            }
        }
        GraphInput g1 = GoldenGraphs.inputAsReference(1);
        assertEquals(List.of("201", "202", "203", "204", "205"), g1.nodes().stream().map(GraphNode::id).toList());
        assertEquals(new GraphEdge(2, 2, "self"), g1.edges().get(4));
    }

    @Test
    void directedJGraphTGraphsKeepTheirDirectionAndEdgesWithoutRelationsGetAnEmptyOne() {
        Graph<String, DefaultEdge> g = new DefaultDirectedGraph<>(DefaultEdge.class);
        g.addVertex("b");
        g.addVertex("a");
        g.addEdge("a", "b");
        GraphInput input = GraphInput.fromJGraphT("d", g, v -> node(v, 1, 2, 5), null);
        assertEquals(List.of(new GraphEdge(1, 0, "")), input.edges());
    }

    @Test
    void aBatchShiftsEveryGraphsEdgesByItsNodeOffset() {
        GraphInput a = GraphInput.of("a", List.of(node("1", 0, 0, 3), node("2", 0, 1, 4)), List.of(
                new GraphEdge(0, 1, "near")));
        GraphInput b = GraphInput.of("b", List.of(node("1", 5, 5), node("2", 5, 6, 7, 8), node("3", 6, 6, 9)),
                List.of(new GraphEdge(2, 0, "x"), new GraphEdge(1, 1, "loop")));
        GraphBatch batch = GraphBatch.of(a, b);
        assertEquals(5, batch.numNodes());
        assertEquals(3, batch.numEdges());
        assertEquals(2, batch.nodeOffset(1));
        assertEquals(1, batch.edgeOffset(1));
        assertArrayEquals(new int[] {0, 4, 3}, batch.source());
        assertArrayEquals(new int[] {1, 2, 3}, batch.target());
        assertArrayEquals(new int[] {3, 4, 7, 8, 9}, batch.tokens());
        assertEquals(2, batch.tokenOffset(2));
        assertEquals(2, batch.tokenOffset(3), "node 1 of graph b has no tokens");
        assertEquals(4, batch.tokenOffset(4));
        assertArrayEquals(new double[] {0, 0, 5, 5, 6}, batch.lon());
        assertEquals("graph 'b', node 3 (poi)", batch.describeNode(4));
    }

    @Test
    void bidirectionalAddsEachReverseEdgeOnce() {
        GraphInput g = GraphInput.of("g", List.of(node("a", 0, 0), node("b", 0, 1), node("c", 1, 1)), List.of(
                new GraphEdge(0, 1, "road"), new GraphEdge(1, 0, "road"), new GraphEdge(1, 2, "near"),
                new GraphEdge(2, 2, "loop")));
        assertEquals(List.of(new GraphEdge(0, 1, "road"), new GraphEdge(1, 0, "road"), new GraphEdge(1, 2, "near"),
                new GraphEdge(2, 2, "loop"), new GraphEdge(2, 1, "near")), g.bidirectional().edges());
    }

    @Test
    void bidirectionalKeepsOneEdgePerOrderedPairWhateverTheRelations() {
        // Two streets sharing a stretch give the pair (0, 1) twice; (1, 2) is listed both ways under two relations;
        // (0, 2) twice under two relations; the self-loop twice.
        GraphInput g = GraphInput.of("g", List.of(node("a", 0, 0), node("b", 0, 1), node("c", 1, 1)), List.of(
                new GraphEdge(0, 1, "on_same_street"), new GraphEdge(0, 1, "on_same_street"),
                new GraphEdge(1, 2, "near"), new GraphEdge(2, 1, "road"), new GraphEdge(0, 2, "near"),
                new GraphEdge(0, 2, "road"), new GraphEdge(2, 2, "loop"), new GraphEdge(2, 2, "loop")));
        GraphInput both = g.bidirectional();
        assertEquals(List.of(new GraphEdge(0, 1, "on_same_street"), new GraphEdge(1, 2, "near"),
                new GraphEdge(2, 1, "road"), new GraphEdge(0, 2, "near"), new GraphEdge(2, 2, "loop"),
                new GraphEdge(1, 0, "on_same_street"), new GraphEdge(2, 0, "near")), both.edges());
        assertEquals(7, both.numEdges(), "3 pairs both ways and one loop");
        assertEquals(8, g.numEdges(), "of() keeps the list as given");
        assertEquals(both.edges(), both.bidirectional().edges(), "applying it twice changes nothing");
    }

    @Test
    void nodeTextIsCutTo128TokensAsTheReferenceTokenizerTruncates() {
        int[] ids = new int[300];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
        }
        GraphNode n = node("long", 0, 0, ids);
        assertEquals(GraphNode.MAX_TOKENS, n.tokenIds().length);
        assertEquals(127, n.tokenIds()[127]);
    }

    @Test
    void badGraphsAreErrorsThatNameTheProblem() {
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class, () -> GraphInput.of("g",
                List.of(node("a", 0, 0), node("a", 1, 1)), List.of()));
        assertEquals("graph 'g': node id a appears twice", dup.getMessage());
        IllegalArgumentException out = assertThrows(IllegalArgumentException.class, () -> GraphInput.of("g",
                List.of(node("a", 0, 0)), List.of(new GraphEdge(0, 3, "near"))));
        assertEquals("graph 'g': edge 0 (0 -> 3) points outside the 1 nodes", out.getMessage());
        IllegalArgumentException lat = assertThrows(IllegalArgumentException.class, () -> node("x", 10, 95));
        assertTrue(lat.getMessage().startsWith("latitude must be"), lat.getMessage());
        IllegalArgumentException neg = assertThrows(IllegalArgumentException.class, () -> node("x", 0, 0, 4, -2));
        assertEquals("node x has a negative token id -2", neg.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GraphBatch.of(List.of()));
    }
}
