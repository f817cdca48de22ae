package org.urbangraph.uge.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.graph.GraphEdge;
import org.urbangraph.graph.GraphInput;
import org.urbangraph.graph.GraphNode;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.uge.TinyWorld;
import org.urbangraph.ugdata.graph.GraphFile;
import org.urbangraph.vlm.tokenizer.Tokenizer;

/**
 * Graph files as encoder inputs: node texts tokenised as the reference tokenises them, one edge per ordered pair both
 * ways, errors that name the file, and the node cap that keeps the image node and its nearest neighbours, whatever
 * order a graph file lists its nodes in.
 */
class UgeGraphsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A UGData-style node-link file: nodes as (id, type, text, lon, lat), edges as (source, target, relation, via). */
    private static Path graphFile(Path file, int centre, Object[][] nodes, Object[][] edges) throws Exception {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("graph").put("city", "liechtenstein");
        root.put("center_node", centre);
        ArrayNode ns = root.putArray("nodes");
        for (Object[] n : nodes) {
            ObjectNode o = ns.addObject();
            o.put("id", (Integer) n[0]);
            o.put("key", n[1] + "/" + n[0]);
            o.put("type", (String) n[1]);
            o.put("node_text", (String) n[2]);
            o.putArray("coords").add((Double) n[3]).add((Double) n[4]);
        }
        ArrayNode es = root.putArray("edges");
        for (Object[] e : edges) {
            ObjectNode o = es.addObject();
            o.put("source", (Integer) e[0]);
            o.put("target", (Integer) e[1]);
            o.put("relation", (String) e[2]);
            o.put("length_m", 100.0);
            o.put("bearing_deg", 177.2);
            o.put("via", (String) e[3]);
        }
        JSON.writeValue(file.toFile(), root);
        return file;
    }

    private static final Object[][] NODES = {
            {10, "image", "Name: street-view image, ID: image/10, City: Liechtenstein", 9.5179, 47.1132},
            {11, "crossing", "Name: Aeulestrasse / Staedtle, City: Liechtenstein", 9.5201, 47.1386},
            {12, "crossing", "Name: Aeulestrasse / Heiligkreuz, City: Liechtenstein", 9.5212, 47.1361},
            {13, "poi", "Name: Rheinpark Stadion, Category: stadium, City: Liechtenstein", 9.5093, 47.1409}};

    @Test
    void aPairListedTwiceGivesOneEdgeEachWay(@TempDir Path dir) throws Exception {
        // Two streets sharing a stretch: the file lists 11 -> 12 once per street, as UGData writes it.
        Path file = graphFile(dir.resolve("shared-stretch.json"), 10, NODES, new Object[][] {
                {11, 12, "on_same_street", "street/94"}, {11, 12, "on_same_street", "street/120"},
                {10, 11, "nearest", null}, {13, 10, "near", null}, {10, 13, "near", null}});
        Tokenizer tok = Tokenizer.load(Fixtures.path("tokenizer", "qwen2"));
        GraphInput g = new UgeGraphs(tok, 0).load(file);
        assertEquals(List.of(new GraphEdge(1, 2, "on_same_street"), new GraphEdge(0, 1, "nearest"),
                new GraphEdge(3, 0, "near"), new GraphEdge(0, 3, "near"), new GraphEdge(2, 1, "on_same_street"),
                new GraphEdge(1, 0, "nearest")), g.edges());
        assertEquals(6, g.numEdges(), "3 pairs, both ways, each once");
    }

    @Test
    void nodeTextsGetTheTokenizersSpecialTokensAndTheCapCountsThem(@TempDir Path dir) throws Exception {
        StringBuilder longText = new StringBuilder("Name: Landstrasse, Category: street, Shops:");
        for (int i = 0; i < 100; i++) {
            longText.append(" shop ").append(i).append(',');
        }
        String padded = " \u00a0Name: Rheinpark Stadion, Category: stadium, City: Liechtenstein \n\t";
        Object[][] nodes = {NODES[0], {11, "street", longText.toString(), 9.5201, 47.1386},
                {13, "poi", padded, 9.5093, 47.1409}};
        Path file = graphFile(dir.resolve("texts.json"), 10, nodes, new Object[][] {{11, 10, "nearest", null}});
        String stripped = "Name: Rheinpark Stadion, Category: stadium, City: Liechtenstein";

        // Mistral (add_bos_token): every node starts with the BOS, and the BOS counts towards the 128
        Tokenizer mistral = Tokenizer.load(Fixtures.path("tokenizer", "mistral"));
        int bos = mistral.bosTokenId().orElseThrow();
        assertEquals(1, bos);
        GraphInput m = new UgeGraphs(mistral, 0).load(file);
        for (GraphNode n : m.nodes()) {
            assertEquals(bos, n.tokenIds()[0], "node " + n.id() + " starts with the BOS");
        }
        int[] longIds = mistral.encode(longText.toString(), false);
        assertTrue(longIds.length > 200, "the long text has " + longIds.length + " tokens");
        int[] cut = m.nodes().get(1).tokenIds();
        assertEquals(128, cut.length);
        assertArrayEquals(Arrays.copyOf(longIds, 127), Arrays.copyOfRange(cut, 1, 128), "the BOS and 127 text ids");
        int[] stadium = mistral.encode(stripped, false);
        assertArrayEquals(stadium, Arrays.copyOfRange(m.nodes().get(2).tokenIds(), 1, stadium.length + 1));
        assertEquals(stadium.length + 1, m.nodes().get(2).tokenIds().length, "the text is stripped first");
        assertFalse(Arrays.equals(stadium, Arrays.copyOfRange(mistral.encode(padded, true), 1,
                mistral.encode(padded, true).length)), "stripping changes the Mistral ids");

        // Qwen2 adds no special tokens: the ids are the text's own, the first 128 of a long text
        Tokenizer qwen = Tokenizer.load(Fixtures.path("tokenizer", "qwen2"));
        GraphInput q = new UgeGraphs(qwen, 0).load(file);
        assertArrayEquals(qwen.encode(NODES[0][2].toString(), false), q.nodes().get(0).tokenIds());
        assertArrayEquals(Arrays.copyOf(qwen.encode(longText.toString(), false), 128), q.nodes().get(1).tokenIds());
        assertArrayEquals(qwen.encode(stripped, false), q.nodes().get(2).tokenIds());
    }

    @Test
    void textsAreStrippedOfWhatPythonCallsWhitespace() {
        assertEquals("a b",
                UgeGraphs.strip(" \t\n\u000b\f\r\u001c\u0085\u00a0\u1680\u2007\u2028\u202f\u3000a b\u205f "));
        assertEquals("\u200ba\ufeff", UgeGraphs.strip(" \u200ba\ufeff "),
                "zero-width space and BOM are not whitespace");
        assertEquals("", UgeGraphs.strip(" \u00a0 "));
    }

    @Test
    void anEmptyGraphAndABadFileAreErrorsThatNameTheFileOnce(@TempDir Path dir) throws Exception {
        Tokenizer tok = Tokenizer.load(Fixtures.path("tokenizer", "qwen2"));
        Path empty = dir.resolve("empty-subgraph.json");
        Files.writeString(empty, "{\"graph\": {}, \"nodes\": [], \"edges\": []}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new UgeGraphs(tok, 0).load(empty));
        assertEquals(empty + ": the graph has no nodes; a graph needs at least one node for its <|graph_pad|> tokens",
                e.getMessage());

        Path bad = graphFile(dir.resolve("bad.json"), 10, NODES, new Object[0][]);
        ObjectNode root = (ObjectNode) JSON.readTree(bad.toFile());
        ((ObjectNode) root.get("nodes").get(3)).putArray("coords").add(9.5);
        JSON.writeValue(bad.toFile(), root);
        UncheckedIOException u = assertThrows(UncheckedIOException.class, () -> new UgeGraphs(tok, 0).load(bad));
        assertEquals("cannot read graph: " + bad + ": nodes[3] (id 13): 'coords' must be [lon, lat] numbers",
                u.getMessage());

        Path blank = graphFile(dir.resolve("blank.json"), 10, new Object[][] {{10, "image", " \n ", 9.5, 47.1}},
                new Object[0][]);
        IllegalArgumentException b = assertThrows(IllegalArgumentException.class,
                () -> new UgeGraphs(tok, 0).load(blank));
        assertEquals(blank + ": node 10 (image/10) has no text", b.getMessage());
    }

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
