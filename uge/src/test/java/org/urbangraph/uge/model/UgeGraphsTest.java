package org.urbangraph.uge.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.graph.GraphInput;
import org.urbangraph.graph.GraphNode;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.uge.TinyWorld;
import org.urbangraph.ugdata.graph.GraphFile;
import org.urbangraph.vlm.tokenizer.Tokenizer;

/** The node cap keeps the image node and its nearest neighbours, whatever order a graph file lists its nodes in. */
class UgeGraphsTest {

    @Test
    void theCapKeepsTheCentreFirstEvenWhenTheFileListsItLast(@TempDir Path dir) throws Exception {
        Path original;
        try (Stream<Path> s = Files.list(TinyWorld.monaco().resolve("graphs"))) {
            original = s.filter(p -> p.toString().endsWith(".json")).sorted().findFirst().orElseThrow();
        }
        GraphFile g = GraphFile.read(original);
        assertTrue(g.nodes().size() > 6, "a subgraph of more nodes than the cap");
        Tokenizer tok = Tokenizer.load(Fixtures.path("tokenizer", "qwen2"));

        // a UGData file (centre first, breadth first) keeps its own order
        GraphInput own = new UgeGraphs(tok, 5).load(original);
        List<String> fileOrder = g.nodes().subList(0, 5).stream().map(n -> Integer.toString(n.id())).toList();
        assertEquals(fileOrder, own.nodes().stream().map(GraphNode::id).toList());

        // the same graph with its nodes listed in reverse: the centre would be the last node, cut by the cap
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(original.toFile());
        List<com.fasterxml.jackson.databind.JsonNode> nodes = new ArrayList<>();
        root.get("nodes").forEach(nodes::add);
        Collections.reverse(nodes);
        ArrayNode reversed = root.putArray("nodes");
        nodes.forEach(reversed::add);
        Path shuffled = dir.resolve("reversed.json");
        json.writeValue(shuffled.toFile(), root);
        GraphInput capped = new UgeGraphs(tok, 5).load(shuffled);
        List<String> ids = capped.nodes().stream().map(GraphNode::id).toList();
        assertEquals(5, ids.size());
        assertEquals(Integer.toString(g.centerNode()), ids.getFirst(), "the image node comes first");
        // the centre's direct neighbours come next (breadth first), as in the file the builder wrote
        java.util.Set<String> neighbours = new java.util.HashSet<>();
        for (GraphFile.Edge e : g.edges()) {
            if (e.source() == g.centerNode()) {
                neighbours.add(Integer.toString(e.target()));
            } else if (e.target() == g.centerNode()) {
                neighbours.add(Integer.toString(e.source()));
            }
        }
        int expectedNeighbours = Math.min(4, neighbours.size());
        assertEquals(expectedNeighbours, ids.subList(1, 5).stream().filter(neighbours::contains).count(), ids.toString());
        assertEquals(g.nodes().size(), new UgeGraphs(tok, 0).load(shuffled).nodes().size(), "no cap keeps every node");
    }
}
