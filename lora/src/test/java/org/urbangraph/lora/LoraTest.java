package org.urbangraph.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.kernels.DType;
import org.urbangraph.kernels.HostAccess;
import org.urbangraph.tensor.Functional;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.io.SafetensorsFile;
import org.urbangraph.tensor.io.SafetensorsWriter;
import org.urbangraph.tensor.nn.Linear;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.tensor.nn.Rng;
import org.urbangraph.testkit.Approx;

class LoraTest {

    /** attn.q_proj / attn.k_proj / attn.v_proj / mlp.q_proj_extra, to exercise name matching. */
    static final class Net extends Module {
        Net(Rng rng) {
            Module attn = child("attn", new Block(rng));
            child("mlp", new Mlp(rng));
        }

        Tensor forward(Tensor x) {
            Block b = (Block) getChild("attn");
            return ((Mlp) getChild("mlp")).forward(b.forward(x));
        }
    }

    static final class Block extends Module {
        Block(Rng rng) {
            child("q_proj", new Linear(6, 6, true, rng));
            child("k_proj", new Linear(6, 6, true, rng));
            child("v_proj", new Linear(6, 6, false, rng));
        }

        Tensor forward(Tensor x) {
            return projection("q_proj").forward(x).add(projection("k_proj").forward(x))
                    .add(projection("v_proj").forward(x));
        }
    }

    static final class Mlp extends Module {
        Mlp(Rng rng) {
            child("q_proj_extra", new Linear(6, 4, true, rng));
        }

        Tensor forward(Tensor x) {
            return projection("q_proj_extra").forward(x);
        }
    }

    static LoraConfig cfg(List<String> targets) {
        return new LoraConfig(2, 8, 0.0, targets, null, false, "net", null);
    }

    @Test
    void targetsMatchByNameSuffixOrRegexLikePeft() {
        Lora a = Lora.apply(new Net(new Rng(1)), cfg(List.of("q_proj", "v_proj")), new Rng(2));
        assertEquals(List.of("attn.q_proj", "attn.v_proj"), List.copyOf(a.layers().keySet()));
        Lora b = Lora.apply(new Net(new Rng(1)), new LoraConfig(2, 8, 0, null, ".*proj.*", false, null, null), new Rng(2));
        assertEquals(4, b.layers().size());
        Lora c = Lora.apply(new Net(new Rng(1)), cfg(List.of("attn.k_proj")), new Rng(2));
        assertEquals(List.of("attn.k_proj"), List.copyOf(c.layers().keySet()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Lora.apply(new Net(new Rng(1)), cfg(List.of("o_proj")), new Rng(2)));
        assertTrue(e.getMessage().contains("o_proj"));
    }

    @Test
    void initialisationAndForwardFollowTheFormula() {
        Net net = new Net(new Rng(1));
        Lora lora = Lora.apply(net, cfg(List.of("q_proj")), new Rng(5));
        LoraLinear l = lora.layers().get("attn.q_proj");
        for (float v : l.loraB().weight().tensor().toFloatArray()) {
            assertEquals(0f, v, "B starts at zero");
        }
        for (float v : l.loraA().weight().tensor().toFloatArray()) {
            assertTrue(Math.abs(v) <= 1 / Math.sqrt(6));
        }
        assertEquals(List.of("attn.q_proj.lora_A.weight", "attn.q_proj.lora_B.weight"),
                List.copyOf(net.trainableParameters().keySet()));
        try (NoGrad g = NoGrad.enter()) {
            l.loraB().weight().tensor().copyFrom(Tensor.randn(9, 6, 2));
        }
        Tensor x = Tensor.randn(3, 4, 6);
        Tensor expected = Functional.linear(x, l.base().weight().tensor(), l.base().bias().tensor())
                .add(x.matmul(l.loraA().weight().tensor().mT()).matmul(l.loraB().weight().tensor().mT()).mul(4.0));
        Approx.assertClose("lora forward", expected.toFloatArray(), l.forward(x).toFloatArray(), 1e-5, 1e-5);
        float[] adapter = net.forward(x).toFloatArray();
        lora.merge();
        assertTrue(l.merged());
        Approx.assertClose("merged forward", adapter, net.forward(x).toFloatArray(), 1e-5, 1e-5);
        lora.unmerge();
        assertArrayEquals(adapter, net.forward(x).toFloatArray());
    }

    @Test
    void mergingABf16WeightKeepsBf16AndRoundsTheSumOnce() {
        Net net = new Net(new Rng(1));
        Linear q = (Linear) net.getChild("attn").getChild("q_proj");
        net.setTrainable(false); // a frozen base keeps its stored dtype, as a loaded BF16 checkpoint does
        try (NoGrad g = NoGrad.enter()) {
            q.weight().set(q.weight().tensor().to(DType.BF16));
        }
        Lora lora = Lora.apply(net, cfg(List.of("q_proj")), new Rng(5));
        LoraLinear l = lora.layers().get("attn.q_proj");
        try (NoGrad g = NoGrad.enter()) {
            l.loraB().weight().tensor().copyFrom(Tensor.randn(9, 6, 2));
        }
        assertEquals(DType.BF16, l.base().weight().tensor().dtype());
        float[] w = l.base().weight().tensor().toFloatArray();
        float[] delta = l.deltaWeight().toFloatArray();
        Tensor x = Tensor.randn(3, 4, 6);
        float[] adapter = net.forward(x).toFloatArray();
        lora.merge();
        Tensor merged = l.base().weight().tensor();
        assertEquals(DType.BF16, merged.dtype(), "PEFT's merged weight keeps the base dtype");
        float[] got = merged.toFloatArray();
        int changed = 0;
        for (int i = 0; i < w.length; i++) {
            // torch: bf16 += f32 computes w + delta in float and rounds once
            float want = HostAccess.bf16ToFloat(HostAccess.floatToBf16(w[i] + delta[i]));
            assertEquals(want, got[i], "element " + i);
            changed += want != w[i] ? 1 : 0;
        }
        assertTrue(changed > w.length / 2, "the update is folded in");
        // the merged forward differs from the adapter's only by the BF16 rounding of the sum (2^-9 relative)
        Approx.assertClose("merged BF16 forward", adapter, net.forward(x).toFloatArray(), 1e-2, 1e-2);
        lora.unmerge();
        assertEquals(DType.BF16, l.base().weight().tensor().dtype());
        assertArrayEquals(w, l.base().weight().tensor().toFloatArray(), "unmerge restores the exact original");
        assertArrayEquals(adapter, net.forward(x).toFloatArray());
    }

    @Test
    void rsLoraScalesByAlphaOverTheSquareRootOfTheRank(@TempDir Path dir) throws Exception {
        assertEquals(8.0 / 4, new LoraConfig(4, 8, 0, List.of("q_proj"), null, false, null, null).scaling());
        assertEquals(8.0 / 2, new LoraConfig(4, 8, 0, List.of("q_proj"), null, true, null, null).scaling());
        assertEquals(6.0 / 3, new LoraConfig(9, 6, 0, List.of("q_proj"), null, true, null, null).scaling());
        Net net = new Net(new Rng(1));
        Lora lora = Lora.apply(net, new LoraConfig(4, 8, 0, List.of("q_proj"), null, true, "net", null), new Rng(5));
        LoraLinear l = lora.layers().get("attn.q_proj");
        assertEquals(4.0, l.scaling());
        try (NoGrad g = NoGrad.enter()) {
            l.loraB().weight().tensor().copyFrom(Tensor.randn(9, 6, 4));
        }
        Tensor x = Tensor.randn(3, 4, 6);
        Tensor expected = Functional.linear(x, l.base().weight().tensor(), l.base().bias().tensor())
                .add(x.matmul(l.loraA().weight().tensor().mT()).matmul(l.loraB().weight().tensor().mT()).mul(4.0));
        Approx.assertClose("rsLoRA forward", expected.toFloatArray(), l.forward(x).toFloatArray(), 1e-5, 1e-5);
        Approx.assertClose("rsLoRA delta", l.loraB().weight().tensor().matmul(l.loraA().weight().tensor()).mul(4.0)
                .toFloatArray(), l.deltaWeight().toFloatArray(), 1e-6, 1e-6);
        // use_rslora goes through PEFT's config and comes back with the same scaling
        lora.save(dir);
        assertTrue(new ObjectMapper().readTree(dir.resolve("adapter_config.json").toFile()).get("use_rslora")
                .asBoolean());
        Net fresh = new Net(new Rng(1));
        Lora loaded = Lora.load(fresh, dir);
        assertEquals(4.0, loaded.layers().get("attn.q_proj").scaling());
        assertArrayEquals(net.forward(x).toFloatArray(), fresh.forward(x).toFloatArray());
    }

    @Test
    void dropoutActsOnlyInTraining() {
        Net net = new Net(new Rng(1));
        Lora lora = Lora.apply(net, new LoraConfig(2, 8, 0.5, List.of("q_proj"), null, false, null, null), new Rng(5));
        try (NoGrad g = NoGrad.enter()) {
            lora.layers().get("attn.q_proj").loraB().weight().tensor().copyFrom(Tensor.randn(9, 6, 2));
        }
        Tensor x = Tensor.randn(3, 4, 6);
        net.train(true);
        assertFalse(java.util.Arrays.equals(net.forward(x).toFloatArray(), net.forward(x).toFloatArray()));
        net.eval();
        assertArrayEquals(net.forward(x).toFloatArray(), net.forward(x).toFloatArray());
    }

    @Test
    void adapterRoundTripsThroughThePeftFormat(@TempDir Path dir) throws Exception {
        Net net = new Net(new Rng(1));
        Lora lora = Lora.apply(net, cfg(List.of("q_proj", "v_proj")), new Rng(5));
        try (NoGrad g = NoGrad.enter()) {
            for (LoraLinear l : lora.layers().values()) {
                l.loraB().weight().tensor().copyFrom(Tensor.randn(9, l.outFeatures(), 2));
            }
        }
        lora.save(dir);
        JsonNode cfg = new ObjectMapper().readTree(dir.resolve("adapter_config.json").toFile());
        assertEquals("LORA", cfg.get("peft_type").asText());
        assertEquals(2, cfg.get("r").asInt());
        assertEquals(8, cfg.get("lora_alpha").asInt());
        assertEquals("none", cfg.get("bias").asText());
        assertEquals(List.of("attn.q_proj", "attn.v_proj").size(), cfg.get("target_modules").size());
        SafetensorsFile f = SafetensorsFile.open(dir.resolve("adapter_model.safetensors"));
        assertEquals(List.of("base_model.model.attn.q_proj.lora_A.weight", "base_model.model.attn.q_proj.lora_B.weight",
                "base_model.model.attn.v_proj.lora_A.weight", "base_model.model.attn.v_proj.lora_B.weight"), f.names());
        Tensor x = Tensor.randn(3, 2, 6);
        Net fresh = new Net(new Rng(1));
        Lora.load(fresh, dir);
        assertArrayEquals(net.forward(x).toFloatArray(), fresh.forward(x).toFloatArray());
    }

    @Test
    void badAdaptersAreRejectedWithTheFileAndTensor(@TempDir Path dir) throws Exception {
        Net net = new Net(new Rng(1));
        Lora.apply(net, cfg(List.of("q_proj")), new Rng(5)).save(dir);
        SafetensorsWriter.write(dir.resolve("adapter_model.safetensors"), Map.of(
                "base_model.model.attn.q_proj.lora_A.weight", Tensor.zeros(3, 6),
                "base_model.model.attn.q_proj.lora_B.weight", Tensor.zeros(6, 2)), Map.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Lora.load(new Net(new Rng(1)), dir));
        assertTrue(e.getMessage().contains("lora_A") && e.getMessage().contains("[3, 6]"), e.getMessage());
        Lora.apply(new Net(new Rng(1)), cfg(List.of("q_proj")), new Rng(5)).save(dir.resolve("int"));
        Path ints = dir.resolve("int").resolve("adapter_model.safetensors");
        Map<String, Tensor> stored = new java.util.LinkedHashMap<>();
        SafetensorsFile saved = SafetensorsFile.open(ints);
        saved.names().forEach(n -> stored.put(n, saved.tensor(n).copy()));
        stored.replaceAll((n, t) -> n.contains("lora_B") ? t.to(DType.I64) : t);
        SafetensorsWriter.write(ints, stored, Map.of());
        e = assertThrows(IllegalArgumentException.class, () -> Lora.load(new Net(new Rng(1)), dir.resolve("int")));
        assertTrue(e.getMessage().startsWith(ints + ": tensor 'base_model.model.attn.q_proj.lora_B")
                && e.getMessage().contains("is I64, LoRA weights must be F32, BF16 or F16"), e.getMessage());
        Files.writeString(dir.resolve("adapter_config.json"), "{\"peft_type\":\"LORA\",\"r\":2,\"target_modules\":[\"q_proj\"],"
                + "\"use_dora\":true}");
        e = assertThrows(IllegalArgumentException.class, () -> Lora.load(new Net(new Rng(1)), dir));
        assertTrue(e.getMessage().contains("DoRA"), e.getMessage());
        // per-layer settings that would change the adapter's numbers are refused by name, not ignored; at PEFT's
        // defaults (null, empty) they are accepted
        String inert = "{\"peft_type\":\"LORA\",\"r\":2,\"lora_alpha\":6,"
                + "\"target_modules\":[\"q_proj\"],\"alpha_pattern\":{},\"rank_pattern\":{},"
                + "\"layers_to_transform\":null,\"modules_to_save\":null,\"exclude_modules\":null,"
                + "\"lora_bias\":false,\"layer_replication\":null,\"target_parameters\":[],"
                + "\"trainable_token_indices\":null,\"alora_invocation_tokens\":null";
        Files.writeString(dir.resolve("adapter_config.json"), inert + "}");
        assertEquals(3.0, LoraConfig.read(dir.resolve("adapter_config.json")).scaling());
        for (String extra : new String[] {"\"alpha_pattern\":{\"q_proj\":64}", "\"rank_pattern\":{\"q_proj\":4}",
            "\"layers_to_transform\":[0]", "\"modules_to_save\":[\"lm_head\"]", "\"exclude_modules\":[\"x\"]",
            "\"lora_bias\":true", "\"layer_replication\":[[0,2],[1,2]]", "\"target_parameters\":[\"experts.gate_up_proj\"]",
            "\"trainable_token_indices\":[5,7]", "\"trainable_token_indices\":{\"embed_tokens\":[5]}",
            "\"alora_invocation_tokens\":[32,44]"}) {
            String key = extra.substring(1, extra.indexOf('"', 1));
            Files.writeString(dir.resolve("adapter_config.json"), inert + "," + extra + "}");
            e = assertThrows(IllegalArgumentException.class, () -> Lora.load(new Net(new Rng(1)), dir), key);
            assertTrue(e.getMessage().contains("adapter_config.json") && e.getMessage().contains("'" + key + "'"),
                    e.getMessage());
        }
    }

    @Test
    void initialisationsThatRewriteTheBaseWeightsAreRefused(@TempDir Path dir) throws Exception {
        Net net = new Net(new Rng(1));
        Lora lora = Lora.apply(net, cfg(List.of("q_proj")), new Rng(5));
        try (NoGrad g = NoGrad.enter()) {
            lora.layers().get("attn.q_proj").loraB().weight().tensor().copyFrom(Tensor.randn(9, 6, 2));
        }
        lora.save(dir);
        Path config = dir.resolve("adapter_config.json");
        String saved = Files.readString(config);
        assertTrue(saved.contains("\"init_lora_weights\" : true"), saved);
        Tensor x = Tensor.randn(3, 4, 6);
        float[] want = net.forward(x).toFloatArray();
        // initialisations that move part of the base weight into the adapter (PiSSA, OLoRA, CorDA) or quantise it
        // (LoftQ): the adapter needs the rewritten base, so it is refused by key, value and file
        for (String value : new String[] {"\"pissa\"", "\"pissa_niter_16\"", "\"olora\"", "\"corda\"",
            "\"loftq\""}) {
            Files.writeString(config, saved.replace("\"init_lora_weights\" : true", "\"init_lora_weights\" : " + value));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Lora.load(new Net(new Rng(1)), dir), value);
            assertTrue(e.getMessage().startsWith(config.toString()) && e.getMessage().contains("'init_lora_weights'")
                    && e.getMessage().contains(value) && e.getMessage().contains("path_initial_model_for_weight_conversion")
                    && e.getMessage().contains("init_lora_weights true"), e.getMessage());
        }
        // values this reader does not know are refused as unknown, with the accepted ones listed
        for (String value : new String[] {"\"lora_ga\"", "\"True\"", "1", "\"mica\""}) {
            Files.writeString(config, saved.replace("\"init_lora_weights\" : true", "\"init_lora_weights\" : " + value));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Lora.load(new Net(new Rng(1)), dir), value);
            assertTrue(e.getMessage().startsWith(config.toString()) && e.getMessage().contains("'init_lora_weights'")
                    && e.getMessage().contains(value) && e.getMessage().contains("does not know")
                    && e.getMessage().contains("\"orthogonal\"")
                    && !e.getMessage().contains("path_initial_model_for_weight_conversion"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class,
                () -> new LoraConfig(4, 8, 0, List.of("q_proj"), null, false, "CAUSAL_LM", null, null),
                "a null initialisation is refused with a message, not a NullPointerException");
        // initialisations of A and B alone: the trained adapter is W + s B A on the unchanged base, as with true
        for (String value : new String[] {"true", "false", "\"gaussian\"", "\"eva\"", "\"orthogonal\""}) {
            Files.writeString(config, saved.replace("\"init_lora_weights\" : true", "\"init_lora_weights\" : " + value));
            Net fresh = new Net(new Rng(1));
            Lora loaded = Lora.load(fresh, dir);
            assertArrayEquals(want, fresh.forward(x).toFloatArray(), value);
            // written back, the value is kept and the adapter loads again
            Path again = dir.resolve("again-" + value.replace("\"", ""));
            loaded.save(again);
            JsonNode back = new ObjectMapper().readTree(again.resolve("adapter_config.json").toFile());
            assertEquals(new ObjectMapper().readTree(value), back.get("init_lora_weights"), value);
            Net third = new Net(new Rng(1));
            Lora.load(third, again);
            assertArrayEquals(want, third.forward(x).toFloatArray(), value);
        }
        // the key absent: PEFT's default (true)
        Files.writeString(config, saved.replace("\"init_lora_weights\" : true,", ""));
        Lora.load(new Net(new Rng(1)), dir).save(dir.resolve("absent"));
        assertTrue(new ObjectMapper().readTree(dir.resolve("absent").resolve("adapter_config.json").toFile())
                .get("init_lora_weights").asBoolean());
    }
}
