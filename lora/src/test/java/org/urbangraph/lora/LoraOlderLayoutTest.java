package org.urbangraph.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.io.SafetensorsFile;
import org.urbangraph.tensor.io.SafetensorsWriter;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.tensor.nn.Rng;
import org.urbangraph.testkit.Approx;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.vlm.GoldenCases;
import org.urbangraph.vlm.MultimodalBatch;
import org.urbangraph.vlm.VisionLanguageModel;
import org.urbangraph.vlm.llava.LlavaNextForConditionalGeneration;
import org.urbangraph.vlm.qwen2vl.Qwen2VLForConditionalGeneration;

/**
 * Adapters that PEFT saved with transformers before 4.52, whose LLaVA-NeXT keys read
 * {@code language_model.model.layers.N}, {@code vision_tower.*}, {@code language_model.lm_head} and whose Qwen2-VL
 * keys read {@code visual.*}, {@code model.layers.N}: they load onto the 4.52+ module tree through the model's own
 * renaming and give exactly the outputs of the same adapter in the new layout.
 */
class LoraOlderLayoutTest {

    @TempDir
    Path tmp;

    static final Path LLAVA = Fixtures.golden("llava_next_mistral");
    static final Path QWEN = Fixtures.golden("qwen2_vl");

    static LoraConfig names(String... targets) {
        return new LoraConfig(4, 8, 0.0, List.of(targets), null, false, "test", null);
    }

    static LoraConfig regex(String pattern) {
        return new LoraConfig(4, 8, 0.0, null, pattern, false, "test", null);
    }

    static MultimodalBatch llavaBatch(LlavaNextForConditionalGeneration m) {
        return GoldenCases.batch(SafetensorsFile.open(LLAVA.resolve("reference.safetensors")), "single.",
                "pixel_values", "image_sizes", m.config().imageTokenIndex());
    }

    static MultimodalBatch qwenBatch(Qwen2VLForConditionalGeneration m) {
        return GoldenCases.batch(SafetensorsFile.open(QWEN.resolve("reference.safetensors")), "single.",
                "pixel_values", "image_grid_thw", m.config().imageTokenId());
    }

    static float[] embed(Module m, MultimodalBatch b) {
        m.eval();
        try (NoGrad g = NoGrad.enter()) {
            return ((VisionLanguageModel) m).embed(b, null).toFloatArray();
        }
    }

    /**
     * Trains nothing: applies {@code written} (new layout) with random B, saves it, rewrites its keys into the older
     * layout with {@code older} (and its config with {@code olderConfig}), loads that onto a fresh model and checks
     * the same layers and the same embedding, bit for bit. Returns the older-layout adapter's directory.
     */
    Path olderLayoutLoadsLikeTheNew(Supplier<Module> model, LoraConfig written, LoraConfig olderConfig,
                                    Map<String, String> older, MultimodalBatch batch, int layers) throws Exception {
        Module a = model.get();
        float[] base = embed(a, batch);
        Lora lora = Lora.apply(a, written, new Rng(3));
        assertEquals(layers, lora.layers().size());
        LoraTargetsTest.randomiseB(lora, 11);
        float[] adapted = embed(a, batch);
        assertTrue(Approx.maxAbsDiff(base, adapted) > 1e-3, "the adapter changes the embedding");
        Path saved = tmp.resolve("new");
        lora.save(saved);

        Path old = tmp.resolve("old");
        Files.createDirectories(old);
        SafetensorsFile f = SafetensorsFile.open(saved.resolve("adapter_model.safetensors"));
        Map<String, Tensor> renamed = new LinkedHashMap<>();
        for (String key : f.names()) {
            String k = key;
            for (Map.Entry<String, String> e : older.entrySet()) {
                if (k.startsWith(e.getKey())) {
                    k = e.getValue() + k.substring(e.getKey().length());
                    break;
                }
            }
            assertTrue(older.isEmpty() || !k.equals(key), key);
            // PEFT's in-memory name, which some tools save
            renamed.put(k.replace(".lora_A.weight", ".lora_A.default.weight"), f.tensor(key).copy());
        }
        SafetensorsWriter.write(old.resolve("adapter_model.safetensors"), renamed, Map.of("format", "pt"));
        Files.writeString(old.resolve("adapter_config.json"), olderConfig.toJson());

        Module b = model.get();
        Lora loaded = Lora.load(b, old);
        assertEquals(new TreeSet<>(lora.layers().keySet()), new TreeSet<>(loaded.layers().keySet()));
        assertEquals(2 * layers, loaded.parameters().size());
        assertArrayEquals(adapted, embed(b, batch), "older-layout adapter = the same adapter in the new layout");
        return old;
    }

    /**
     * Loads the older-layout adapter in {@code old}, saves it again, and loads that onto a fresh model: the config it
     * kept (patterns written for the older names) and the keys it writes agree, so the same weights and the same
     * embedding come back, bit for bit.
     */
    void resavedOlderLayoutAdapterLoadsAgain(Supplier<Module> model, Path old, MultimodalBatch batch) throws Exception {
        Module a = model.get();
        Lora loaded = Lora.load(a, old);
        float[] adapted = embed(a, batch);
        Path resaved = tmp.resolve("resaved");
        loaded.save(resaved);
        assertEquals(loaded.config().toJson(), Files.readString(resaved.resolve("adapter_config.json")));

        Module b = model.get();
        Lora again = Lora.load(b, resaved);
        assertEquals(new TreeSet<>(loaded.layers().keySet()), new TreeSet<>(again.layers().keySet()));
        Map<String, org.urbangraph.tensor.nn.Parameter> want = loaded.parameters();
        Map<String, org.urbangraph.tensor.nn.Parameter> got = again.parameters();
        assertEquals(want.keySet(), got.keySet());
        want.forEach((k, p) -> assertArrayEquals(p.tensor().toFloatArray(), got.get(k).tensor().toFloatArray(), k));
        assertArrayEquals(adapted, embed(b, batch), "re-saved older-layout adapter = the adapter it was loaded from");

        // the re-saved file keeps the older layout's keys (PEFT's on-disk names, without the adapter name)
        SafetensorsFile in = SafetensorsFile.open(old.resolve("adapter_model.safetensors"));
        SafetensorsFile out = SafetensorsFile.open(resaved.resolve("adapter_model.safetensors"));
        Map<String, float[]> stored = new LinkedHashMap<>();
        in.names().forEach(k -> stored.put(k.replace(".lora_A.default.weight", ".lora_A.weight"),
                in.tensor(k).toFloatArray()));
        assertEquals(new TreeSet<>(stored.keySet()), new TreeSet<>(out.names()));
        stored.forEach((k, v) -> assertArrayEquals(v, out.tensor(k).toFloatArray(), k));
    }

    static final Map<String, String> LLAVA_OLDER = Map.of(
            "base_model.model.model.language_model.", "base_model.model.language_model.model.",
            "base_model.model.model.vision_tower.", "base_model.model.vision_tower.",
            "base_model.model.model.multi_modal_projector.", "base_model.model.multi_modal_projector.",
            "base_model.model.lm_head.", "base_model.model.language_model.lm_head.");

    static final Map<String, String> QWEN_OLDER = Map.of(
            "base_model.model.model.visual.", "base_model.model.visual.",
            "base_model.model.model.language_model.", "base_model.model.model.");

    @Test
    void llavaNextAdapterOnMistralClipAndLmHeadInTheOlderLayout() throws Exception {
        LlavaNextForConditionalGeneration probe = LlavaNextForConditionalGeneration.load(LLAVA);
        // q_proj / v_proj: 2 Mistral and 3 CLIP layers; lm_head is language_model.lm_head in the older layout
        LoraConfig cfg = names("q_proj", "v_proj", "lm_head");
        Path old = olderLayoutLoadsLikeTheNew(() -> LlavaNextForConditionalGeneration.load(LLAVA), cfg, cfg,
                LLAVA_OLDER, llavaBatch(probe), 11);
        resavedOlderLayoutAdapterLoadsAgain(() -> LlavaNextForConditionalGeneration.load(LLAVA), old,
                llavaBatch(probe));
    }

    @Test
    void llavaNextRegexWrittenForTheOlderLayoutMatchesTheOlderNames() throws Exception {
        LlavaNextForConditionalGeneration probe = LlavaNextForConditionalGeneration.load(LLAVA);
        LoraConfig now = regex("model\\.language_model\\.layers\\.\\d+\\.self_attn\\.(q|v)_proj"
                + "|model\\.vision_tower\\..*\\.q_proj|model\\.multi_modal_projector\\.linear_1");
        LoraConfig then = regex("language_model\\.model\\.layers\\.\\d+\\.self_attn\\.(q|v)_proj"
                + "|vision_tower\\..*\\.q_proj|multi_modal_projector\\.linear_1");
        Path old = olderLayoutLoadsLikeTheNew(() -> LlavaNextForConditionalGeneration.load(LLAVA), now, then,
                LLAVA_OLDER, llavaBatch(probe), 2 * 2 + 3 + 1);
        resavedOlderLayoutAdapterLoadsAgain(() -> LlavaNextForConditionalGeneration.load(LLAVA), old,
                llavaBatch(probe));
        // applied directly, the older pattern matches nothing and the error says which layout paths follow
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Lora.apply(LlavaNextForConditionalGeneration.load(LLAVA), then, new Rng(1)));
        assertTrue(e.getMessage().contains("4.52") && e.getMessage().contains("older layout"), e.getMessage());
    }

    @Test
    void qwen2VlAdapterOnTheVisionTowerAndTheDecoderInTheOlderLayout() throws Exception {
        Qwen2VLForConditionalGeneration probe = Qwen2VLForConditionalGeneration.load(QWEN);
        // qkv: 2 vision blocks (visual.blocks.N.attn.qkv before 4.52); q_proj: 2 decoder layers (model.layers.N)
        LoraConfig cfg = names("qkv", "q_proj");
        olderLayoutLoadsLikeTheNew(() -> Qwen2VLForConditionalGeneration.load(QWEN), cfg, cfg, QWEN_OLDER,
                qwenBatch(probe), 4);
        LoraConfig then = regex("visual\\.blocks\\.\\d+\\.attn\\.qkv|model\\.layers\\.1\\.self_attn\\.q_proj");
        LoraConfig now = regex("model\\.visual\\.blocks\\.\\d+\\.attn\\.qkv"
                + "|model\\.language_model\\.layers\\.1\\.self_attn\\.q_proj");
        tmp = Files.createDirectories(tmp.resolve("regex"));
        Path old = olderLayoutLoadsLikeTheNew(() -> Qwen2VLForConditionalGeneration.load(QWEN), now, then, QWEN_OLDER,
                qwenBatch(probe), 3);
        resavedOlderLayoutAdapterLoadsAgain(() -> Qwen2VLForConditionalGeneration.load(QWEN), old, qwenBatch(probe));
    }

    @Test
    void newLayoutAdaptersAreNotRenamed() throws Exception {
        Qwen2VLForConditionalGeneration probe = Qwen2VLForConditionalGeneration.load(QWEN);
        LoraConfig cfg = names("qkv", "q_proj");
        olderLayoutLoadsLikeTheNew(() -> Qwen2VLForConditionalGeneration.load(QWEN), cfg, cfg, Map.of(),
                qwenBatch(probe), 4);
    }
}
