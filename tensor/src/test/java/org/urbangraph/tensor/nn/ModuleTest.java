package org.urbangraph.tensor.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.kernels.DType;
import org.urbangraph.tensor.Functional;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.io.CheckpointMismatchException;
import org.urbangraph.tensor.io.RenamedWeights;
import org.urbangraph.tensor.io.SafetensorsWriter;
import org.urbangraph.tensor.io.WeightSource;
import org.urbangraph.testkit.Approx;

class ModuleTest {

    /** A toy block with the naming pattern of a decoder layer. */
    static final class Block extends Module {
        Block(Rng rng) {
            child("self_attn", new Attn(rng));
            child("norm", new RMSNorm(4, 1e-6));
        }
    }

    static final class Attn extends Module {
        Attn(Rng rng) {
            child("q_proj", new Linear(4, 4, true, rng));
            child("o_proj", new Linear(4, 4, false, rng));
        }

        Tensor forward(Tensor x) {
            return projection("o_proj").forward(projection("q_proj").forward(x));
        }
    }

    static final class Model extends Module {
        final ModuleList<Block> layers;

        Model(Rng rng) {
            layers = child("layers", new ModuleList<>());
            layers.add(new Block(rng));
            layers.add(new Block(rng));
        }
    }

    @Test
    void dottedNamesFollowCheckpointConventions() {
        Model m = new Model(new Rng(3));
        assertEquals(List.of("layers.0.self_attn.q_proj.weight", "layers.0.self_attn.q_proj.bias",
                "layers.0.self_attn.o_proj.weight", "layers.0.norm.weight", "layers.1.self_attn.q_proj.weight",
                "layers.1.self_attn.q_proj.bias", "layers.1.self_attn.o_proj.weight", "layers.1.norm.weight"),
                List.copyOf(m.namedParameters().keySet()));
        assertEquals(4 * 4 * 2 * 2 + 4 * 2 + 4 * 2, m.parameterCount());
        assertTrue(m.namedModules().containsKey("layers.1.self_attn.o_proj"));
    }

    @Test
    void loadReportsMissingUnexpectedAndMisShapedByName(@TempDir Path dir) {
        Model m = new Model(new Rng(3));
        Map<String, Tensor> ckpt = new LinkedHashMap<>();
        m.stateDict().forEach((k, v) -> ckpt.put("model." + k, v.detach().mul(2).to(DType.BF16)));
        ckpt.remove("model.layers.1.norm.weight");
        ckpt.put("model.layers.0.self_attn.o_proj.weight", Tensor.zeros(4, 5));
        ckpt.put("model.layers.0.extra.weight", Tensor.zeros(2));
        Path file = dir.resolve("model.safetensors");
        SafetensorsWriter.write(file, ckpt, Map.of("format", "pt"));
        Model fresh = new Model(new Rng(9));
        Module.LoadReport r = fresh.load(WeightSource.open(file), "model.", false);
        assertEquals(List.of("model.layers.1.norm.weight"), r.missing());
        assertEquals(List.of("model.layers.0.extra.weight"), r.unexpected());
        assertEquals(List.of("model.layers.0.self_attn.o_proj.weight"), r.misShaped());
        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                () -> new Model(new Rng(9)).load(WeightSource.open(file), "model.", true));
        assertEquals(file, e.file());
        assertTrue(e.getMessage().startsWith(file + ": the weights do not fit Model: ")
                && e.getMessage().contains("1 tensor has the wrong shape: model.layers.0.self_attn.o_proj.weight is "
                        + "[4, 5], expected [4, 4]")
                && e.getMessage().contains("1 tensor is missing: model.layers.1.norm.weight [4]")
                && e.getMessage().contains("1 tensor is not part of the model: model.layers.0.extra.weight")
                && !e.getMessage().contains("\n"), e.getMessage());
        // the loaded (trainable) parameter is an F32 master copy of the BF16 checkpoint
        Parameter q = fresh.namedParameters().get("layers.1.self_attn.q_proj.weight");
        assertEquals(DType.F32, q.tensor().dtype());
        assertTrue(q.tensor().requiresGrad());
        float[] expected = m.namedParameters().get("layers.1.self_attn.q_proj.weight").tensor().mul(2).to(DType.BF16)
                .toFloatArray();
        assertArrayEquals(expected, q.tensor().toFloatArray());
    }

    @Test
    void integerTensorsAreNotLoadedAsWeights(@TempDir Path dir) {
        Model m = new Model(new Rng(3));
        Map<String, Tensor> ckpt = new LinkedHashMap<>(m.stateDict());
        ckpt.put("layers.0.norm.weight", Tensor.zeros(4).to(DType.I64));
        ckpt.put("layers.1.norm.weight", Tensor.zeros(4).to(DType.I32));
        ckpt.put("layers.0.self_attn.q_proj.bias", Tensor.zeros(4).to(DType.F16));
        Path file = dir.resolve("model.safetensors");
        SafetensorsWriter.write(file, ckpt, Map.of());
        Model fresh = new Model(new Rng(9));
        fresh.setTrainable(false);
        Module.LoadReport r = fresh.load(WeightSource.open(file), "", false);
        assertEquals(List.of("layers.0.norm.weight", "layers.1.norm.weight"), r.wrongDtype());
        assertEquals(DType.F16, fresh.namedParameters().get("layers.0.self_attn.q_proj.bias").tensor().dtype(),
                "a float type narrower than F32 is a weight");
        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                () -> new Model(new Rng(9)).load(WeightSource.open(file), "", true));
        assertTrue(e.getMessage().startsWith(file + ": ") && e.getMessage().contains(
                "2 tensors have a dtype that is not a float type: layers.0.norm.weight is I64, layers.1.norm.weight is "
                        + "I32 (weights must be F32, BF16 or F16"), e.getMessage());
    }

    @Test
    void errorsNameTensorsAsStoredAndTheirShard(@TempDir Path dir) throws Exception {
        Model m = new Model(new Rng(3));
        Map<String, Tensor> first = new LinkedHashMap<>();
        Map<String, Tensor> second = new LinkedHashMap<>();
        m.stateDict().forEach((k, v) -> (k.startsWith("layers.0.") ? first : second).put("old." + k, v));
        second.put("old.layers.1.norm.weight", Tensor.zeros(5));
        second.remove("old.layers.1.self_attn.o_proj.weight");
        for (int i = 0; i < 5; i++) {
            second.put("old.layers.1.rotary_emb.inv_freq" + i, Tensor.zeros(2));
        }
        SafetensorsWriter.write(dir.resolve("a.safetensors"), first, Map.of());
        SafetensorsWriter.write(dir.resolve("b.safetensors"), second, Map.of());
        StringBuilder map = new StringBuilder();
        first.keySet().forEach(k -> map.append(map.isEmpty() ? "" : ",").append("\"" + k + "\":\"a.safetensors\""));
        second.keySet().forEach(k -> map.append(",\"" + k + "\":\"b.safetensors\""));
        java.nio.file.Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"weight_map\":{" + map + "}}");
        WeightSource renamed = new RenamedWeights(WeightSource.open(dir), n -> n.replaceFirst("^old\\.", "new."),
                n -> n.replaceFirst("^new\\.", "old."));
        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class,
                () -> new Model(new Rng(9)).load(renamed, "new.", true));
        String msg = e.getMessage();
        assertTrue(msg.startsWith(dir.resolve("model.safetensors.index.json") + ": "), msg);
        assertTrue(msg.contains("old.layers.1.norm.weight (in b.safetensors) is [5], expected [4]"), msg);
        assertTrue(msg.contains("1 tensor is missing: old.layers.1.self_attn.o_proj.weight [4, 4]"), msg);
        assertTrue(msg.contains("5 tensors are not part of the model: old.layers.1.rotary_emb.inv_freq0 (in "
                + "b.safetensors), old.layers.1.rotary_emb.inv_freq1 (in b.safetensors), "
                + "old.layers.1.rotary_emb.inv_freq2 (in b.safetensors) and 2 more"), msg);
        assertTrue(!msg.contains("new."), "the names are the file's: " + msg);
    }

    @Test
    void frozenParametersKeepTheirStoredDtype(@TempDir Path dir) {
        Linear l = new Linear(3, 2, true, new Rng(1));
        l.setTrainable(false);
        Path file = dir.resolve("l.safetensors");
        SafetensorsWriter.write(file, Map.of("weight", Tensor.randn(5, 2, 3).to(DType.BF16),
                "bias", Tensor.randn(6, 2)), Map.of());
        l.load(WeightSource.open(file), "", true);
        assertEquals(DType.BF16, l.weight().tensor().dtype());
        assertFalse(l.weight().tensor().requiresGrad());
        Tensor x = Tensor.randn(7, 4, 3);
        Approx.assertClose("bf16 linear", Functional.linear(x, l.weight().tensor().to(DType.F32), l.bias().tensor())
                .toFloatArray(), l.forward(x).toFloatArray(), 1e-6, 1e-6);
    }

    @Test
    void replacedChildIsUsedByForward() {
        Attn a = new Attn(new Rng(2));
        Tensor x = Tensor.randn(1, 2, 4);
        float[] before = a.forward(x).toFloatArray();
        a.replaceChild("q_proj", new Linear(4, 4, true, new Rng(77)));
        assertFalse(java.util.Arrays.equals(before, a.forward(x).toFloatArray()));
    }

    @Test
    void mlpUsesSequentialNumberingAndDropoutOnlyInTraining() {
        MLP mlp = new MLP(new int[] {6, 5, 3}, Activation.RELU, 0.5, true, new Rng(4));
        assertEquals(List.of("0.weight", "0.bias", "3.weight", "3.bias", "4.weight", "4.bias"),
                List.copyOf(mlp.namedParameters().keySet()));
        Tensor x = Tensor.randn(8, 10, 6);
        float[] a = mlp.forward(x).toFloatArray();
        float[] b = mlp.forward(x).toFloatArray();
        assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b), "fresh dropout masks per call");
        mlp.eval();
        assertArrayEquals(mlp.forward(x).toFloatArray(), mlp.forward(x).toFloatArray());
    }

    @Test
    void initialisationIsSeeded() {
        assertArrayEquals(new Linear(7, 5, true, new Rng(11)).weight().tensor().toFloatArray(),
                new Linear(7, 5, true, new Rng(11)).weight().tensor().toFloatArray());
        float[] w = new Linear(100, 50, false, new Rng(11)).weight().tensor().toFloatArray();
        for (float v : w) {
            assertTrue(Math.abs(v) <= 0.1f);
        }
    }
}
