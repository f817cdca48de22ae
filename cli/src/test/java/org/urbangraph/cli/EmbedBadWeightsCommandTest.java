package org.urbangraph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.kernels.DType;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.io.SafetensorsWriter;
import org.urbangraph.tensor.io.WeightSource;
import org.urbangraph.testkit.Fixtures;

/**
 * {@code ug embed} on a Qwen2-VL directory whose weights do not fit its config.json: exit code 1 and one line that
 * names the file and the tensor as stored, no stack trace.
 */
class EmbedBadWeightsCommandTest {

    @TempDir
    Path tmp;

    /** The golden tiny Qwen2-VL with its tensors changed by {@code damage}. */
    Path damaged(String name, Consumer<Map<String, Tensor>> damage) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        for (String f : new String[] {"config.json", "preprocessor_config.json"}) {
            Files.copy(Fixtures.golden("qwen2_vl", f), dir.resolve(f));
        }
        Files.copy(Fixtures.path("tokenizer", "qwen2", "tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.copy(Fixtures.path("tokenizer", "qwen2", "tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
        WeightSource w = WeightSource.open(Fixtures.golden("qwen2_vl", "model.safetensors"));
        Map<String, Tensor> t = new LinkedHashMap<>();
        for (String n : w.names()) {
            t.put(n, w.tensor(n));
        }
        damage.accept(t);
        SafetensorsWriter.write(dir.resolve("model.safetensors"), t, Map.of("format", "pt"));
        return dir;
    }

    /** Runs {@code ug embed} on the directory and returns the error's first line, checking the rest. */
    static String embedFails(Path dir) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("embed", "--model", dir.toString(), "--text", "A quiet street.");
        assertEquals(1, code, "bad weights are bad input; stderr: " + err);
        String[] lines = err.toString().strip().split("\n");
        assertEquals(2, lines.length, "one line and the UG_DEBUG hint: " + err);
        assertTrue(lines[1].contains("UG_DEBUG=1"), err.toString());
        assertFalse(err.toString().contains("\tat ") || err.toString().contains("Exception"),
                "no stack trace: " + err);
        assertTrue(lines[0].startsWith("ug embed: " + dir.resolve("model.safetensors") + ": "), lines[0]);
        assertFalse(lines[0].contains("language_model"), "the file's names: " + lines[0]);
        assertTrue(out.toString().isEmpty(), out.toString());
        return lines[0];
    }

    @Test
    void aMisShapedTensorIsOneLineNamingFileTensorAndShapes() throws Exception {
        String line = embedFails(damaged("shape", t -> t.put("model.norm.weight", Tensor.zeros(32))));
        assertTrue(line.contains("model.norm.weight is [32], expected [64]"), line);
    }

    @Test
    void missingAndUnexpectedTensorsAreOneLine() throws Exception {
        String line = embedFails(damaged("names", t -> {
            t.remove("model.layers.0.mlp.up_proj.weight");
            t.put("model.layers.0.self_attn.rotary_emb.inv_freq", Tensor.zeros(4));
        }));
        assertTrue(line.contains("1 tensor is missing: model.layers.0.mlp.up_proj.weight [128, 64]")
                && line.contains("1 tensor is not part of the model: model.layers.0.self_attn.rotary_emb.inv_freq"),
                line);
    }

    @Test
    void anIntegerWeightIsOneLineNamingItsDtype() throws Exception {
        String line = embedFails(damaged("dtype", t -> t.put("model.embed_tokens.weight",
                t.get("model.embed_tokens.weight").to(DType.I64))));
        assertTrue(line.contains("model.embed_tokens.weight is I64") && line.contains("F32, BF16 or F16"), line);
    }

    @Test
    void aVocabSizeThatDisagreesWithTheTableIsSaidToBeThat() throws Exception {
        Path dir = damaged("vocab", t -> { });
        Files.writeString(dir.resolve("config.json"),
                Files.readString(dir.resolve("config.json")).replace("\"vocab_size\": 512", "\"vocab_size\": 151936"));
        String line = embedFails(dir);
        assertTrue(line.contains("config.json's vocab_size 151936 disagrees with the embedding table "
                + "model.embed_tokens.weight, which has 512 rows"), line);
    }
}
