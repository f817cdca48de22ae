package org.urbangraph.vlm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.kernels.DType;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.io.CheckpointMismatchException;
import org.urbangraph.tensor.io.SafetensorsWriter;
import org.urbangraph.tensor.io.WeightSource;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.vlm.llava.LlavaNextForConditionalGeneration;
import org.urbangraph.vlm.qwen2vl.Qwen2VLForConditionalGeneration;

/**
 * Damaged copies of the golden tiny models: a checkpoint whose tensors do not fit the configuration fails with one
 * line that names the file, the tensors as the file stores them, and the shapes or dtypes found and expected.
 */
class CheckpointErrorsTest {

    @TempDir
    Path tmp;

    /** The golden model's tensors, by stored name, in file order. */
    static Map<String, Tensor> golden(String family) {
        WeightSource w = WeightSource.open(Fixtures.golden(family, "model.safetensors"));
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String n : w.names()) {
            out.put(n, w.tensor(n));
        }
        return out;
    }

    /** A model directory with the golden config.json and these tensors in model.safetensors. */
    Path modelDir(String family, Map<String, Tensor> tensors) throws Exception {
        Path dir = Files.createTempDirectory(tmp, family);
        Files.copy(Fixtures.golden(family, "config.json"), dir.resolve("config.json"));
        SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
        return dir;
    }

    static CheckpointMismatchException qwenFails(Path dir) {
        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                () -> Qwen2VLForConditionalGeneration.load(dir));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertFalse(e.getMessage().contains("language_model"), "the file's names, not the module's: " + e.getMessage());
        return e;
    }

    @Test
    void aMisShapedTensorIsNamedAsStoredWithBothShapes() throws Exception {
        Map<String, Tensor> t = golden("qwen2_vl");
        t.put("model.norm.weight", Tensor.zeros(32));
        t.put("visual.merger.mlp.2.bias", Tensor.zeros(65));
        Path dir = modelDir("qwen2_vl", t);
        CheckpointMismatchException e = qwenFails(dir);
        assertEquals(dir.resolve("model.safetensors"), e.file());
        assertTrue(e.getMessage().startsWith(dir.resolve("model.safetensors") + ": the weights do not fit "
                + "Qwen2VLForConditionalGeneration: 2 tensors have the wrong shape: "), e.getMessage());
        assertTrue(e.getMessage().contains("model.norm.weight is [32], expected [64]")
                && e.getMessage().contains("visual.merger.mlp.2.bias is [65], expected [64]"), e.getMessage());
    }

    @Test
    void missingAndUnexpectedTensorsAreNamedAsTheFileWouldStoreThem() throws Exception {
        Map<String, Tensor> t = golden("qwen2_vl");
        t.remove("model.layers.0.mlp.up_proj.weight");
        t.remove("visual.merger.ln_q.weight");
        t.put("model.layers.0.self_attn.rotary_emb.inv_freq", Tensor.zeros(4));
        CheckpointMismatchException e = qwenFails(modelDir("qwen2_vl", t));
        assertTrue(e.getMessage().contains("2 tensors are missing: visual.merger.ln_q.weight [32], "
                + "model.layers.0.mlp.up_proj.weight [128, 64]")
                || e.getMessage().contains("2 tensors are missing: model.layers.0.mlp.up_proj.weight [128, 64], "
                + "visual.merger.ln_q.weight [32]"), e.getMessage());
        assertTrue(e.getMessage().contains("1 tensor is not part of the model: "
                + "model.layers.0.self_attn.rotary_emb.inv_freq"), e.getMessage());
    }

    @Test
    void aCheckpointInTheNestedLayoutIsReportedInThatLayout() throws Exception {
        Map<String, Tensor> t = new LinkedHashMap<>();
        golden("qwen2_vl").forEach((k, v) -> t.put(k.startsWith("visual.") ? "model." + k
                : k.replaceFirst("^model\\.", "model.language_model."), v));
        t.remove("model.language_model.norm.weight");
        t.put("model.visual.merger.mlp.2.bias", Tensor.zeros(3));
        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                () -> Qwen2VLForConditionalGeneration.load(modelDir("qwen2_vl", t)));
        assertTrue(e.getMessage().contains("1 tensor is missing: model.language_model.norm.weight [64]")
                && e.getMessage().contains("model.visual.merger.mlp.2.bias is [3], expected [64]"), e.getMessage());
    }

    @Test
    void longListsShowTheFirstFewNames() throws Exception {
        Map<String, Tensor> t = golden("qwen2_vl");
        t.keySet().removeIf(k -> k.startsWith("model.layers.0."));
        CheckpointMismatchException e = qwenFails(modelDir("qwen2_vl", t));
        assertTrue(e.getMessage().endsWith(": 12 tensors are missing: model.layers.0.input_layernorm.weight [64], "
                + "model.layers.0.self_attn.q_proj.weight [64, 64], model.layers.0.self_attn.q_proj.bias [64] "
                + "and 9 more"), e.getMessage());
    }

    @Test
    void aVocabSizeThatDisagreesWithTheTableIsSaidToBeThat() throws Exception {
        Path dir = modelDir("qwen2_vl", golden("qwen2_vl"));
        Files.writeString(dir.resolve("config.json"),
                Files.readString(dir.resolve("config.json")).replace("\"vocab_size\": 512", "\"vocab_size\": 600"));
        CheckpointMismatchException e = qwenFails(dir);
        assertTrue(e.getMessage().startsWith(dir.resolve("model.safetensors") + ": config.json's vocab_size 600 "
                + "disagrees with the embedding table model.embed_tokens.weight, which has 512 rows; "), e.getMessage());
        assertTrue(e.getMessage().contains("model.embed_tokens.weight is [512, 64], expected [600, 64]"),
                e.getMessage());
    }

    @Test
    void integerWeightsAreRefusedNamingFileTensorAndDtype() throws Exception {
        Map<String, Tensor> t = golden("qwen2_vl");
        t.put("model.embed_tokens.weight", t.get("model.embed_tokens.weight").to(DType.I64));
        t.put("visual.blocks.0.norm1.weight", t.get("visual.blocks.0.norm1.weight").to(DType.I32));
        Path dir = modelDir("qwen2_vl", t);
        CheckpointMismatchException e = qwenFails(dir);
        assertTrue(e.getMessage().startsWith(dir.resolve("model.safetensors") + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("2 tensors have a dtype that is not a float type: ")
                && e.getMessage().contains("model.embed_tokens.weight is I64")
                && e.getMessage().contains("visual.blocks.0.norm1.weight is I32")
                && e.getMessage().contains("weights must be F32, BF16 or F16"), e.getMessage());
        // the narrow float types load (the golden BF16 copy) and F16 too
        Map<String, Tensor> f16 = golden("qwen2_vl");
        f16.replaceAll((k, v) -> v.to(DType.F16));
        assertEquals(DType.F16, Qwen2VLForConditionalGeneration.load(modelDir("qwen2_vl", f16)).languageModel()
                .embedTokens().weight().tensor().dtype());
    }

    @Test
    void aShardedCheckpointNamesTheShardOfEachTensor() throws Exception {
        Map<String, Tensor> t = golden("qwen2_5_vl");
        t.put("model.layers.0.mlp.down_proj.weight", Tensor.zeros(64, 64));
        Path dir = Files.createTempDirectory(tmp, "sharded");
        Files.copy(Fixtures.golden("qwen2_5_vl", "config.json"), dir.resolve("config.json"));
        Map<String, Tensor> a = new LinkedHashMap<>();
        Map<String, Tensor> b = new LinkedHashMap<>();
        StringBuilder map = new StringBuilder();
        t.forEach((k, v) -> {
            boolean first = k.startsWith("visual.");
            (first ? a : b).put(k, v);
            map.append(map.isEmpty() ? "" : ",").append("\"" + k + "\":\"model-0000" + (first ? 1 : 2)
                    + "-of-00002.safetensors\"");
        });
        SafetensorsWriter.write(dir.resolve("model-00001-of-00002.safetensors"), a, Map.of("format", "pt"));
        SafetensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"), b, Map.of("format", "pt"));
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"weight_map\":{" + map + "}}");
        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                () -> Qwen2VLForConditionalGeneration.load(dir));
        assertEquals(dir.resolve("model.safetensors.index.json"), e.file());
        assertTrue(e.getMessage().contains("model.layers.0.mlp.down_proj.weight (in model-00002-of-00002.safetensors)"
                + " is [64, 64], expected [64, 128]"), e.getMessage());
    }

    @Test
    void llavaNextReportsTheHubNames() throws Exception {
        Map<String, Tensor> t = golden("llava_next_mistral");
        t.remove("language_model.lm_head.weight");
        t.put("image_newline", Tensor.zeros(63));
        t.put("language_model.model.embed_tokens.weight", Tensor.zeros(500, 64).to(DType.BF16));
        Path dir = modelDir("llava_next_mistral", t);
        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                () -> LlavaNextForConditionalGeneration.load(dir));
        String m = e.getMessage();
        assertTrue(m.startsWith(dir.resolve("model.safetensors") + ": config.json's vocab_size 512 disagrees with "
                + "the embedding table language_model.model.embed_tokens.weight, which has 500 rows; "), m);
        assertTrue(m.contains("image_newline is [63], expected [64]")
                && m.contains("1 tensor is missing: language_model.lm_head.weight [512, 64]"), m);
    }
}
