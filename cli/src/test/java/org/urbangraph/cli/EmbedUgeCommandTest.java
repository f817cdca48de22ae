package org.urbangraph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.testkit.Approx;
import org.urbangraph.uge.TinyWorld;
import org.urbangraph.uge.embed.EmbedInput;
import org.urbangraph.uge.embed.UgeEmbedder;
import org.urbangraph.uge.model.UgeCheckpoint;
import org.urbangraph.uge.model.UgeModels;
import org.urbangraph.ugdata.dataset.UgDataset;
import org.urbangraph.ugdata.dataset.UgeSample;

/** {@code ug embed --adapter DIR --graph FILE}: a UGE model's embeddings from the command line. */
class EmbedUgeCommandTest {

    @Test
    void imagesWithTheirGraphsEmbedAsTheLibraryEmbedsThem(@TempDir Path tmp) throws Exception {
        UgeModels.stage1(TinyWorld.backbone(), false, 1, 24).save(tmp.resolve("s1"));
        UgeModels.stage2(tmp.resolve("s1"), null, 3).save(tmp.resolve("s2"));
        UgeSample s = UgDataset.open(TinyWorld.monaco()).stage2().get(0);
        Path image = s.images().get(0);
        Path graph = s.graphs().get(0);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("embed", "--model", TinyWorld.backbone().toString(), "--adapter",
                tmp.resolve("s2").toString(), "--image", image.toString(), "--graph", graph.toString(), "--image",
                image.toString(), "--instruction", "Where was this taken?");
        assertEquals(0, code, err.toString());
        List<JsonNode> lines = new ArrayList<>();
        for (String l : out.toString().split("\n")) {
            lines.add(new ObjectMapper().readTree(l));
        }
        assertEquals(2, lines.size());
        assertEquals(graph.toString(), lines.get(0).get("graph").asText());
        UgeEmbedder e = new UgeEmbedder(UgeCheckpoint.load(tmp.resolve("s2"), null), "test", 4);
        float[][] ref = e.embed(List.of(EmbedInput.imageWithGraph(image, graph, "Where was this taken?"),
                EmbedInput.image(image, "Where was this taken?")));
        Approx.assertClose("with graph", ref[0], vector(lines.get(0)), 1e-5, 0);
        Approx.assertClose("without graph", ref[1], vector(lines.get(1)), 1e-5, 0);
        assertTrue(Approx.maxAbsDiff(ref[0], ref[1]) > 1e-4);
        StringWriter err2 = new StringWriter();
        var cl2 = Main.commandLine();
        cl2.setErr(new PrintWriter(err2));
        assertEquals(2, cl2.execute("embed", "--model", TinyWorld.backbone().toString(), "--image", image.toString(),
                "--graph", graph.toString()));
        assertTrue(err2.toString().contains("--graph needs a UGE model"), err2.toString());
    }

    static float[] vector(JsonNode n) {
        float[] v = new float[n.get("embedding").size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) n.get("embedding").get(i).asDouble();
        }
        return v;
    }
}
