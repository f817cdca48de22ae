package org.urbangraph.tensor.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.kernels.DType;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.io.CheckpointMismatchException;
import org.urbangraph.tensor.io.SafetensorsFile;
import org.urbangraph.tensor.io.SafetensorsWriter;
import org.urbangraph.tensor.nn.Linear;
import org.urbangraph.tensor.nn.Parameter;
import org.urbangraph.tensor.nn.Rng;
import org.urbangraph.testkit.Approx;
import org.urbangraph.testkit.Fixtures;

class OptimizerTest {

    /** One torch.optim.AdamW step recorded in the LoRA golden (lr 1e-3, wd 0.01, betas 0.9/0.999, eps 1e-8). */
    @Test
    void adamwMatchesPyTorchOnTheGoldenStep() {
        SafetensorsFile adapter = SafetensorsFile.open(Fixtures.golden("lora_qwen2_vl", "adapter_model.safetensors"));
        SafetensorsFile ref = SafetensorsFile.open(Fixtures.golden("lora_qwen2_vl", "reference.safetensors"));
        Holder holder = new Holder(adapter.tensors());
        Map<String, Parameter> params = holder.namedParameters();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            e.getValue().tensor().setGrad(ref.tensor("grad." + holder.original(e.getKey())).copy());
        }
        AdamW opt = new AdamW(List.of(new ParamGroup("lora", params, 1e-3, 0.01)));
        opt.step();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            String key = holder.original(e.getKey());
            Approx.assertClose("updated." + key, ref.tensor("updated." + key).toFloatArray(),
                    e.getValue().tensor().toFloatArray(), 1e-7, 0);
        }
    }

    /** A module holding arbitrary named tensors as trainable parameters (dots replaced, names remembered). */
    static final class Holder extends org.urbangraph.tensor.nn.Module {
        private final Map<String, String> names = new LinkedHashMap<>();

        Holder(Map<String, Tensor> tensors) {
            int i = 0;
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                String local = "p" + i++;
                names.put(local, e.getKey());
                param(local, e.getValue(), true);
            }
        }

        String original(String local) {
            return names.get(local);
        }
    }

    @Test
    void sgdWithMomentumMatchesHandComputation() {
        Holder h = new Holder(Map.of("w", Tensor.of(new float[] {1, -2}, 2)));
        Parameter w = h.namedParameters().get("p0");
        SGD sgd = new SGD(List.of(new ParamGroup("all", h.namedParameters(), 0.1, 0.0)), 0.9, 0, false);
        w.tensor().setGrad(Tensor.of(new float[] {0.5f, 1}, 2));
        sgd.step(); // buf = g; p = p - 0.1 g
        assertArrayEquals(new float[] {0.95f, -2.1f}, w.tensor().toFloatArray(), 1e-6f);
        w.tensor().setGrad(Tensor.of(new float[] {1, -1}, 2));
        sgd.step(); // buf = 0.9 buf + g = (1.45, -0.1); p -= 0.1 buf
        assertArrayEquals(new float[] {0.95f - 0.145f, -2.1f + 0.01f}, w.tensor().toFloatArray(), 1e-6f);
    }

    @Test
    void cosineScheduleWithWarmupMatchesTheFormula() {
        LrSchedule s = LrSchedule.cosineWithWarmup(10, 110);
        assertEquals(0.0, s.factor(0));
        assertEquals(0.5, s.factor(5));
        assertEquals(1.0, s.factor(10), 1e-12);
        assertEquals(0.5, s.factor(60), 1e-12);
        assertEquals(0.0, s.factor(110), 1e-12);
        assertEquals(0.5 * (1 + Math.cos(Math.PI * 0.25)), s.factor(35), 1e-12);
        assertEquals(5, LrSchedule.warmupSteps(0.05, 100));
        assertEquals(1, LrSchedule.warmupSteps(0.05, 3));
    }

    @Test
    void gradientClippingByGlobalNorm() {
        Map<String, Tensor> init = new LinkedHashMap<>();
        init.put("a", Tensor.zeros(2));
        init.put("b", Tensor.zeros(1));
        Holder h = new Holder(init);
        Map<String, Parameter> ps = h.namedParameters();
        ps.get("p0").tensor().setGrad(Tensor.of(new float[] {3, 0}, 2));
        ps.get("p1").tensor().setGrad(Tensor.of(new float[] {4}, 1));
        double norm = GradClip.clip(ps.values(), 1.0);
        assertEquals(5.0, norm, 1e-6);
        assertEquals(1.0, GradClip.globalNorm(ps.values()), 1e-5);
        assertArrayEquals(new float[] {0.6f, 0}, ps.get("p0").tensor().grad().toFloatArray(), 1e-6f);
        assertEquals(1.0, GradClip.clip(ps.values(), 10.0), 1e-5, "below the limit nothing changes");
    }

    @Test
    void savedStateResumesBitForBit(@TempDir Path dir) throws Exception {
        TwinRuns t = new TwinRuns();
        t.stepBoth(3);
        t.ob.save(dir);
        AdamW resumed = t.optimizerOfB();
        resumed.load(dir);
        assertEquals(3, resumed.stepsOf("weight"));
        t.continueAndCompare(resumed);
        SGD other = new SGD(List.of(new ParamGroup("g", t.b.namedParameters(), 1, 0)), 0, 0, false);
        assertThrows(java.io.IOException.class, () -> other.load(dir));
    }

    /** AdamW after the given number of steps of a Linear(in, 3) on a fixed input. */
    private static AdamW trained(Linear l, int steps) {
        AdamW opt = new AdamW(List.of(new ParamGroup("g", l.namedParameters(), 1e-2, 0.1)));
        Tensor x = Tensor.randn(3, 4, l.weight().shape()[1]);
        for (int step = 0; step < steps; step++) {
            trainStep(l, opt, x);
        }
        return opt;
    }

    @Test
    void stateOfParametersOfAnotherShapeIsRefusedBeforeAnyStep(@TempDir Path dir) throws Exception {
        trained(new Linear(5, 3, true, new Rng(1)), 3).save(dir);
        Path file = dir.resolve("optimizer.safetensors");
        for (int in : new int[] {7, 2}) {
            Linear other = new Linear(in, 3, true, new Rng(2));
            AdamW opt = trained(other, 1);
            float[] before = other.weight().tensor().toFloatArray();
            CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class, () -> opt.load(dir));
            assertEquals(file, e.file());
            assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
            assertTrue(e.getMessage().contains("2 tensors have the wrong shape: weight.exp_avg is [3, 5], expected [3, "
                    + in + "], weight.exp_avg_sq is [3, 5], expected [3, " + in + "]"), e.getMessage());
            assertEquals(1, opt.stepsOf("weight"), "a refused load leaves the optimizer as it was");
            trainStep(other, opt, Tensor.randn(3, 4, in)); // and it still steps
            assertEquals(2, opt.stepsOf("weight"));
            assertTrue(!java.util.Arrays.equals(before, other.weight().tensor().toFloatArray()));
        }
    }

    @Test
    void unknownAndMissingStateIsRefusedInOneMessage(@TempDir Path dir) throws Exception {
        trained(new Linear(5, 3, true, new Rng(1)), 2).save(dir);
        Path file = dir.resolve("optimizer.safetensors");
        // a model without the bias: its state and step count are not part of this optimizer
        Linear noBias = new Linear(5, 3, false, new Rng(1));
        AdamW a = new AdamW(List.of(new ParamGroup("g", noBias.namedParameters(), 1e-2, 0.1)));
        CheckpointMismatchException e = assertThrows(CheckpointMismatchException.class, () -> a.load(dir));
        assertTrue(e.getMessage().contains("2 tensors are not part of the optimizer: bias.exp_avg, bias.exp_avg_sq"),
                e.getMessage());
        assertTrue(e.getMessage().contains("step counts of 1 parameter the optimizer does not hold: bias"),
                e.getMessage());
        // a file that lost a moment, and holds one of another dtype and one the optimizer has no slot for
        SafetensorsFile f = SafetensorsFile.open(file);
        Map<String, Tensor> t = new LinkedHashMap<>(f.tensors());
        t.remove("weight.exp_avg_sq");
        t.put("bias.exp_avg", t.get("bias.exp_avg").to(DType.BF16));
        t.put("weight.momentum_buffer", Tensor.zeros(3, 5));
        SafetensorsWriter.write(file, t, f.metadata());
        AdamW b = new AdamW(List.of(new ParamGroup("g", new Linear(5, 3, true, new Rng(1)).namedParameters(), 1e-2,
                0.1)));
        e = assertThrows(CheckpointMismatchException.class, () -> b.load(dir));
        assertTrue(e.getMessage().startsWith(file + ": the optimizer state does not fit AdamW's parameters: "),
                e.getMessage());
        assertTrue(e.getMessage().contains("1 tensor has another dtype: bias.exp_avg is BF16, expected F32"),
                e.getMessage());
        assertTrue(e.getMessage().contains("1 tensor is missing: weight.exp_avg_sq [3, 5]"), e.getMessage());
        assertTrue(e.getMessage().contains("1 tensor is not part of the optimizer: weight.momentum_buffer"),
                e.getMessage());
        assertEquals(0, b.stepsOf("weight"));
    }

    /**
     * Moments and step counts are one file, replaced in one rename: a crash while saving leaves either the old
     * state or the new one, never new moments with old step counts.
     */
    @Test
    void momentsAndStepCountsAreSavedAsOneFile(@TempDir Path tmp) throws Exception {
        TwinRuns t = new TwinRuns();
        Path dir = tmp.resolve("trainer");
        t.stepBoth(3);
        t.ob.save(dir);
        t.stepBoth(2);
        Path later = tmp.resolve("later");
        t.ob.save(later);
        try (var files = Files.list(later)) {
            assertEquals(List.of("optimizer.safetensors"), files.map(p -> p.getFileName().toString()).toList());
        }
        // what the file system holds when the save of step 5 stops right after its rename
        Files.copy(later.resolve("optimizer.safetensors"), dir.resolve("optimizer.safetensors"),
                StandardCopyOption.REPLACE_EXISTING);
        AdamW resumed = t.optimizerOfB();
        resumed.load(dir);
        assertEquals(5, resumed.stepsOf("weight"));
        t.continueAndCompare(resumed);
    }

    /** Checkpoints written before the step counts moved into optimizer.safetensors kept them in optimizer.json. */
    @Test
    void stateSavedAsTwoFilesStillResumesBitForBit(@TempDir Path dir) throws Exception {
        TwinRuns t = new TwinRuns();
        t.stepBoth(3);
        t.ob.save(dir);
        // rewrite it in the earlier layout: the tensors alone, the scalars beside them
        SafetensorsFile f = SafetensorsFile.open(dir.resolve("optimizer.safetensors"));
        SafetensorsWriter.write(dir.resolve("optimizer.safetensors"), f.tensors(), Map.of("format", "urbangraph-optimizer"));
        Files.writeString(dir.resolve("optimizer.json"), """
                {
                  "type" : "AdamW",
                  "steps" : { "weight" : 3, "bias" : 3 },
                  "lr" : { "g" : 0.01 }
                }""");
        AdamW resumed = t.optimizerOfB();
        resumed.load(dir);
        assertEquals(3, resumed.stepsOf("bias"));
        t.continueAndCompare(resumed);
        // saving again writes the one-file layout and removes the old scalars
        resumed.save(dir);
        assertTrue(Files.notExists(dir.resolve("optimizer.json")));
        SGD other = new SGD(List.of(new ParamGroup("g", t.b.namedParameters(), 1, 0)), 0, 0, false);
        assertThrows(java.io.IOException.class, () -> other.load(dir));
        // tensors with the scalars in neither place
        SafetensorsWriter.write(dir.resolve("optimizer.safetensors"), Map.of(), Map.of("format", "urbangraph-optimizer"));
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> resumed.load(dir));
        assertEquals(dir.resolve("optimizer.safetensors") + ": no optimizer state (neither the metadata entry"
                + " 'optimizer' nor optimizer.json beside it)", e.getMessage());
        assertEquals(5, resumed.stepsOf("bias"));
    }

    /**
     * Two identical Linear(5, 3) layers with AdamW on one fixed input: run a goes on uninterrupted, run b is saved and
     * resumed, and after two more steps of each their weights must be the same bits.
     */
    private static final class TwinRuns {
        final Linear a = new Linear(5, 3, true, new Rng(1));
        final Linear b = new Linear(5, 3, true, new Rng(1));
        final AdamW oa = new AdamW(List.of(new ParamGroup("g", a.namedParameters(), 1e-2, 0.1)));
        final AdamW ob = optimizerOfB();
        final Tensor x = Tensor.randn(3, 4, 5);

        AdamW optimizerOfB() {
            return new AdamW(List.of(new ParamGroup("g", b.namedParameters(), 1e-2, 0.1)));
        }

        void stepBoth(int steps) {
            for (int step = 0; step < steps; step++) {
                trainStep(a, oa, x);
                trainStep(b, ob, x);
            }
        }

        void continueAndCompare(AdamW resumed) {
            for (int step = 0; step < 2; step++) {
                trainStep(a, oa, x);
                trainStep(b, resumed, x);
            }
            assertArrayEquals(a.weight().tensor().toFloatArray(), b.weight().tensor().toFloatArray());
            assertArrayEquals(a.bias().tensor().toFloatArray(), b.bias().tensor().toFloatArray());
        }
    }

    private static void trainStep(Linear l, Optimizer opt, Tensor x) {
        opt.zeroGrad();
        l.forward(x).pow(2).mean().backward();
        opt.step();
    }
}
