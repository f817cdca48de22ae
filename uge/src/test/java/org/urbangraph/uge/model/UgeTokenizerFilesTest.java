package org.urbangraph.uge.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.io.SafetensorsFile;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.uge.FamilyBackbones;
import org.urbangraph.uge.TinyWorld;
import org.urbangraph.vlm.embed.EmbeddingPipeline;
import org.urbangraph.vlm.embed.EmbeddingPipelines;
import org.urbangraph.vlm.tokenizer.Tokenizer;

/**
 * A UGE model directory carries the backbone's tokenizer with the graph tokens (tokenizer.json, tokenizer_config.json)
 * at the ids the model was trained with, and a trained base ({@code backbone/}) is a model directory with that
 * tokenizer and every non-weight file of its source (remote code, special tokens, templates, generation and processor
 * settings), never the source's shard index.
 */
class UgeTokenizerFilesTest {

    enum Backbone {
        QWEN2_VL(TinyWorld::backbone), LLAVA_NEXT(FamilyBackbones::llavaNext), PHI3_V(FamilyBackbones::phi3V),
        LLAVA_NEXT_WITHOUT_SPARE_ROWS(FamilyBackbones::llavaNextWithoutSpareRows);

        final Supplier<Path> dir;

        Backbone(Supplier<Path> dir) {
            this.dir = dir;
        }
    }

    static final ObjectMapper JSON = new ObjectMapper();
    static final String TEXT = "<|graph_start|><|graph_pad|><|graph_pad|><|graph_end|> A street near the harbour.";

    @TempDir
    Path tmp;

    static JsonNode read(Path file) throws IOException {
        return JSON.readTree(file.toFile());
    }

    /** The tokenizer files of dir hold each graph token once, at its id, with add_special_tokens' flags. */
    static void assertGraphTokens(Path dir, long[] ids) throws IOException {
        JsonNode added = read(dir.resolve("tokenizer.json")).get("added_tokens");
        JsonNode decoder = read(dir.resolve("tokenizer_config.json")).get("added_tokens_decoder");
        for (int i = 0; i < 3; i++) {
            String token = UgeModel.GRAPH_TOKENS.get(i);
            List<JsonNode> entries = new ArrayList<>();
            added.forEach(t -> {
                if (t.get("content").asText().equals(token)) {
                    entries.add(t);
                }
            });
            assertEquals(1, entries.size(), dir + ": " + token + " once in tokenizer.json");
            JsonNode t = entries.get(0);
            assertEquals(ids[i], t.get("id").asLong(), token);
            JsonNode d = decoder.get(Long.toString(ids[i]));
            assertEquals(token, d.get("content").asText(), "added_tokens_decoder at " + ids[i]);
            for (JsonNode e : List.of(t, d)) {
                assertTrue(e.get("special").asBoolean(), token + " is special");
                for (String flag : List.of("normalized", "lstrip", "rstrip", "single_word")) {
                    assertFalse(e.get(flag).asBoolean(), token + " " + flag);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Backbone.class)
    void theModelDirectoryHoldsTheTokenizerWithTheGraphTokensAtTheirIds(Backbone b) throws Exception {
        UgeModel m = UgeModels.stage1(b.dir.get(), false, 2, 24);
        Path dir = tmp.resolve("model");
        m.save(dir);
        long[] ids = m.newTokens().ids();
        assertGraphTokens(dir, ids);

        // the backbone's tokenizer.json is kept as it is, the graph tokens appended
        JsonNode source = read(b.dir.get().resolve("tokenizer.json"));
        JsonNode written = read(dir.resolve("tokenizer.json"));
        for (Iterator<String> it = source.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!field.equals("added_tokens")) {
                assertEquals(source.get(field), written.get(field), field);
            }
        }
        for (int i = 0; i < source.get("added_tokens").size(); i++) {
            assertEquals(source.get("added_tokens").get(i), written.get("added_tokens").get(i));
        }

        // read back, the graph tokens have their ids; adding them again (as the loader does) changes nothing
        Tokenizer memory = m.backbone().pipeline().tokenizer();
        Tokenizer loaded = Tokenizer.load(dir);
        assertEquals(memory.size(), loaded.size());
        assertEquals(memory.addedTokens(), loaded.addedTokens());
        int[] again = loaded.addSpecialTokens(UgeModel.GRAPH_TOKENS.toArray(new String[0]));
        assertArrayEquals(ids, java.util.Arrays.stream(again).asLongStream().toArray());
        assertEquals(memory.size(), loaded.size(), "no token was added twice");
        assertArrayEquals(memory.encode(TEXT), loaded.encode(TEXT));
        assertEquals(ids[1], loaded.encode(TEXT, false)[1]);
    }

    /**
     * A Phi-3-V source laid out as released: sharded weights with their index, remote code that config.json's
     * auto_map names, special_tokens_map.json, a chat template, generation_config.json, a licence.
     */
    Path releasedLayoutPhi3V() throws IOException {
        Path tiny = FamilyBackbones.phi3V();
        Path src = Files.createDirectories(tmp.resolve("phi3-v-released"));
        try (Stream<Path> s = Files.list(tiny)) {
            for (Path f : s.toList()) {
                String name = f.getFileName().toString();
                Files.copy(f, src.resolve(name.equals("model.safetensors") ? "model-00001-of-00001.safetensors"
                        : name));
            }
        }
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", Files.size(src.resolve("model-00001-of-00001.safetensors")));
        ObjectNode map = index.putObject("weight_map");
        for (String name : SafetensorsFile.open(src.resolve("model-00001-of-00001.safetensors")).names()) {
            map.put(name, "model-00001-of-00001.safetensors");
        }
        Files.writeString(src.resolve("model.safetensors.index.json"), JSON.writeValueAsString(index));
        ObjectNode config = (ObjectNode) read(src.resolve("config.json"));
        config.putObject("auto_map").put("AutoConfig", "configuration_phi3_v.Phi3VConfig")
                .put("AutoModelForCausalLM", "modeling_phi3_v.Phi3VForCausalLM");
        Files.writeString(src.resolve("config.json"), JSON.writeValueAsString(config));
        Files.writeString(src.resolve("configuration_phi3_v.py"), "class Phi3VConfig: pass\n");
        Files.writeString(src.resolve("modeling_phi3_v.py"), "class Phi3VForCausalLM: pass\n");
        Files.writeString(src.resolve("processing_phi3_v.py"), "class Phi3VProcessor: pass\n");
        Files.writeString(src.resolve("special_tokens_map.json"),
                "{\"bos_token\": \"<s>\", \"eos_token\": \"<|endoftext|>\", \"pad_token\": \"<|endoftext|>\"}");
        Files.writeString(src.resolve("chat_template.json"), "{\"chat_template\": \"{{ messages }}\"}");
        Files.writeString(src.resolve("generation_config.json"), "{\"eos_token_id\": [32000, 32007]}");
        Files.writeString(src.resolve("LICENSE"), "MIT\n");
        return src;
    }

    @Test
    void aTrainedBaseIsAModelDirectoryWithItsSourcesFilesAndTheGraphTokens() throws Exception {
        Path src = releasedLayoutPhi3V();
        UgeModel m = UgeModels.stage1(src, true, 3, 24);
        Path s1 = tmp.resolve("s1");
        m.save(s1);
        Path backbone = s1.resolve("backbone");
        long[] ids = m.newTokens().ids();
        List<String> copied = List.of("config.json", "configuration_phi3_v.py", "modeling_phi3_v.py",
                "processing_phi3_v.py", "special_tokens_map.json", "chat_template.json", "generation_config.json",
                "preprocessor_config.json", "LICENSE");
        for (String f : copied) {
            assertArrayEquals(Files.readAllBytes(src.resolve(f)), Files.readAllBytes(backbone.resolve(f)), f);
        }
        for (JsonNode ref : read(backbone.resolve("config.json")).get("auto_map")) {
            String module = ref.asText().substring(0, ref.asText().indexOf('.'));
            assertTrue(Files.isRegularFile(backbone.resolve(module + ".py")), module + ".py, which auto_map names");
        }
        assertTrue(Files.isRegularFile(backbone.resolve("model.safetensors")));
        assertFalse(Files.exists(backbone.resolve("model.safetensors.index.json")), "no index over the single file");
        assertFalse(Files.exists(backbone.resolve("model-00001-of-00001.safetensors")), "no source shard");
        try (Stream<Path> s = Files.list(backbone)) {
            assertTrue(s.noneMatch(f -> f.getFileName().toString().contains(".tmp")), "no temporary file is left");
        }
        assertGraphTokens(backbone, ids);
        assertGraphTokens(s1, ids);
        assertArrayEquals(Files.readAllBytes(src.resolve("special_tokens_map.json")),
                Files.readAllBytes(s1.resolve("special_tokens_map.json")));

        // the backbone's tokenizer already holds the graph tokens: loading adds them again at the same ids
        UgeBackbone reread = UgeBackbone.load(backbone);
        int size = reread.pipeline().tokenizer().size();
        assertArrayEquals(ids, UgeModel.addGraphTokens(reread.pipeline()));
        assertEquals(size, reread.pipeline().tokenizer().size(), "no token was added twice");

        // the saved model embeds as the one in memory
        UgeModel loaded = UgeCheckpoint.load(s1, null);
        assertArrayEquals(ids, loaded.newTokens().ids());
        List<UgeInput> inputs = List.of(UgeInput.text("A quiet street near the harbour."),
                new UgeInput("<image>Where was this photo taken?",
                        List.of(Fixtures.golden("llava_next_mistral", "image_a_gradient_100x80.png")), List.of()));
        m.train(false);
        try (NoGrad g = NoGrad.enter()) {
            assertArrayEquals(m.embed(inputs).toFloatArray(), loaded.embed(inputs).toFloatArray());
        }

        // stage 2 from it starts from backbone/, whose tokenizer has the graph tokens: each is still written once
        Path s2 = tmp.resolve("s2");
        UgeModels.stage2(s1, null, 4).save(s2);
        assertGraphTokens(s2.resolve("backbone"), ids);
        assertGraphTokens(s2, ids);
        for (String f : copied) {
            assertArrayEquals(Files.readAllBytes(src.resolve(f)), Files.readAllBytes(s2.resolve("backbone")
                    .resolve(f)), "stage 2: " + f);
        }
        assertArrayEquals(ids, UgeCheckpoint.load(s2, null).newTokens().ids());
    }

    /**
     * A trained base saved from a table with spare rows keeps the graph tokens in backbone/'s tokenizer; from a table
     * without them (ids past the table) it leaves them out, since a pipeline refuses a tokenizer larger than its table.
     * Either way backbone/ loads as a model of its family, the model directory keeps the graph tokens, and the model
     * reloads and embeds as the one in memory.
     */
    @ParameterizedTest
    @EnumSource(value = Backbone.class, names = {"LLAVA_NEXT", "LLAVA_NEXT_WITHOUT_SPARE_ROWS"})
    void aTrainedBaseReloadsWithOrWithoutSpareRows(Backbone b) throws Exception {
        UgeModel m = UgeModels.stage1(b.dir.get(), true, 4, 24);
        Path dir = tmp.resolve("model");
        m.save(dir);
        long[] ids = m.newTokens().ids();
        int rows = m.model().tokenEmbeddings().weight().tensor().size(0);
        boolean spare = b == Backbone.LLAVA_NEXT;
        assertEquals(spare, ids[2] < rows, "the graph tokens fall on spare rows only where the table has them");
        assertGraphTokens(dir, ids);

        Path backbone = dir.resolve("backbone");
        EmbeddingPipeline pipeline = EmbeddingPipelines.load(backbone);
        assertTrue(pipeline.tokenizer().size() <= rows, "backbone/'s tokenizer fits its table");
        if (spare) {
            assertGraphTokens(backbone, ids);
        } else {
            Tokenizer source = Tokenizer.load(b.dir.get());
            assertEquals(source.size(), pipeline.tokenizer().size(), "backbone/ has the source's tokens");
            assertEquals(source.addedTokens(), pipeline.tokenizer().addedTokens());
            assertFalse(read(backbone.resolve("tokenizer.json")).toString().contains("graph_start"));
            assertFalse(read(backbone.resolve("tokenizer_config.json")).toString().contains("graph_start"));
        }

        UgeModel loaded = UgeCheckpoint.load(dir, null);
        assertArrayEquals(ids, loaded.newTokens().ids());
        List<UgeInput> inputs = List.of(UgeInput.text(TEXT), UgeInput.text("A quiet street near the harbour."),
                new UgeInput("<image>Where was this photo taken?",
                        List.of(Fixtures.golden("llava_next_mistral", "image_a_gradient_100x80.png")), List.of()));
        m.train(false);
        try (NoGrad g = NoGrad.enter()) {
            assertArrayEquals(m.embed(inputs).toFloatArray(), loaded.embed(inputs).toFloatArray());
        }
        // and again through a stage 2 that starts from it
        assertArrayEquals(ids, UgeModels.stage2(dir, null, 5).newTokens().ids());
    }

    @Test
    void weightFilesAndShardIndexesStayOutOfTheBackboneDirectory() {
        for (String name : List.of("model.safetensors", "model-00001-of-00004.safetensors",
                "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json", "tokenizer.json",
                "tokenizer_config.json", ".gitattributes", "config.json.tmp")) {
            assertFalse(UgeCheckpoint.isCopiedToBackbone(name), name);
        }
        for (String name : List.of("config.json",
                "modeling_phi3_v.py", "special_tokens_map.json", "chat_template.jinja", "chat_template.json",
                "generation_config.json", "preprocessor_config.json", "processor_config.json", "tokenizer.model",
                "README.md")) {
            assertTrue(UgeCheckpoint.isCopiedToBackbone(name), name);
        }
    }
}
