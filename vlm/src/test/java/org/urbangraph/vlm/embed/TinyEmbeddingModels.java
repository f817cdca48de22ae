package org.urbangraph.vlm.embed;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.urbangraph.kernels.DType;
import org.urbangraph.tensor.Meta;
import org.urbangraph.tensor.io.SafetensorsWriter;
import org.urbangraph.tensor.nn.Init;
import org.urbangraph.tensor.nn.Rng;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.vlm.llava.LlavaNextConfig;
import org.urbangraph.vlm.llava.LlavaNextForConditionalGeneration;
import org.urbangraph.vlm.phi3v.Phi3VForCausalLM;
import org.urbangraph.vlm.phi3v.Phi3VTiny;
import org.urbangraph.vlm.tokenizer.Llama2Files;

/**
 * Tiny random model directories laid out as on the hub, with real tokenizers, for the embedding pipeline and
 * {@code ug embed} tests:
 *
 * <ul>
 *   <li>LLaVA-NeXT: the shapes of {@code fixtures/golden/llava_next_mistral} (2-layer Mistral, 3-layer CLIP on
 *       112-pixel tiles, its preprocessor_config.json) with llava-v1.6-mistral-7b-hf's vocabulary layout: Mistral's
 *       tokenizer plus the added {@code <image>} (32000, {@code image_token_index}) and {@code <pad>} (32001), 32064
 *       embedding rows;</li>
 *   <li>Phi-3-V: {@link Phi3VTiny}'s shapes (56-pixel crops, at most 4) with the released model's vocabulary size
 *       (32064) and {@code original_max_position_embeddings} (4096), and Phi-3-V's own tokenizer where the Llama-2
 *       files are present ({@link Llama2Files}), otherwise Mistral's vocabulary with Phi-3-V's added tokens at their
 *       ids and with their strip flags: the same layout and special tokens, other ids for plain text.</li>
 * </ul>
 */
public final class TinyEmbeddingModels {
    private TinyEmbeddingModels() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The tokenizer a tiny Phi-3-V directory gets. */
    public enum Phi3Tokenizer {
        /** Phi-3-V's own files (Llama-2 vocabulary), read from {@link Llama2Files#directory}. */
        LLAMA2,
        /** Mistral's vocabulary with Phi-3-V's added tokens, for checkouts without the Llama-2 files. */
        MISTRAL_WITH_PHI3_TOKENS;

        /** Phi-3-V's own tokenizer where its files are present. */
        public static Phi3Tokenizer best() {
            return Llama2Files.present() ? LLAMA2 : MISTRAL_WITH_PHI3_TOKENS;
        }
    }

    public static Path llavaNext(Path dir, long seed) throws IOException {
        return llavaNext(dir, seed, 32064);
    }

    /**
     * The LLaVA-NeXT directory with {@code vocabRows} embedding rows (at least the tokenizer's 32,002): 32,064 as
     * released, or 32,002 for a table without spare rows.
     */
    public static Path llavaNext(Path dir, long seed, int vocabRows) throws IOException {
        Files.createDirectories(dir);
        ObjectNode cfg = (ObjectNode) JSON.readTree(Fixtures.golden("llava_next_mistral", "config.json").toFile());
        cfg.put("image_token_index", 32000);
        cfg.put("pad_token_id", 32001);
        ((ObjectNode) cfg.get("text_config")).put("vocab_size", vocabRows);
        Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(cfg));
        Files.copy(Fixtures.golden("llava_next_mistral", "preprocessor_config.json"),
                dir.resolve("preprocessor_config.json"));
        writeTokenizer(dir, List.of(added(32000, "<image>", false), added(32001, "<pad>", false)), "<pad>", null);
        LlavaNextForConditionalGeneration net;
        try (Meta meta = Meta.scope()) {
            net = new LlavaNextForConditionalGeneration(LlavaNextConfig.read(dir.resolve("config.json")), new Rng(0));
        }
        Init.randomize(net, seed, DType.F32);
        SafetensorsWriter.write(dir.resolve("model.safetensors"), net.stateDict(), Map.of("format", "pt"));
        return dir;
    }

    /**
     * The LLaVA-NeXT directory of {@link #llavaNext(Path, long)} with {@code text_config.model_type} "llama", as
     * llava-v1.6-vicuna-7b-hf has it (the same parameter names: Llama without attention biases).
     */
    public static Path llavaNextLlama(Path dir, long seed) throws IOException {
        llavaNext(dir, seed);
        Path config = dir.resolve("config.json");
        ObjectNode cfg = (ObjectNode) JSON.readTree(config.toFile());
        ObjectNode text = (ObjectNode) cfg.get("text_config");
        text.put("model_type", "llama");
        text.remove("sliding_window");
        text.putArray("architectures").add("LlamaForCausalLM");
        Files.writeString(config, JSON.writeValueAsString(cfg));
        return dir;
    }

    public static Path phi3V(Path dir, long seed, Phi3Tokenizer tokenizer) throws IOException {
        Files.createDirectories(dir);
        ObjectNode cfg = (ObjectNode) JSON.readTree(Phi3VTiny.CONFIG);
        cfg.put("vocab_size", 32064);
        cfg.put("max_position_embeddings", 131072);
        cfg.put("original_max_position_embeddings", 4096);
        cfg.put("eos_token_id", 32000);
        Phi3VForCausalLM net = Phi3VTiny.random(dir, JSON.writeValueAsString(cfg), seed);
        Phi3VTiny.save(net, dir);
        Files.writeString(dir.resolve("preprocessor_config.json"), """
                {"image_processor_type": "Phi3VImageProcessor", "num_crops": 4,
                 "image_mean": [0.48145466, 0.4578275, 0.40821073],
                 "image_std": [0.26862954, 0.26130258, 0.27577711]}""");
        if (tokenizer == Phi3Tokenizer.LLAMA2) {
            Files.copy(Llama2Files.directory().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
            Files.copy(Llama2Files.directory().resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
        } else {
            writeTokenizer(dir, phi3AddedTokens(), "<|endoftext|>", "<|endoftext|>");
        }
        return dir;
    }

    /** Phi-3-V's added tokens 32000-32044 with their flags (../shared/tokenizer/README.md lists them). */
    static List<ObjectNode> phi3AddedTokens() {
        List<ObjectNode> out = new ArrayList<>();
        out.add(added(32000, "<|endoftext|>", false));
        out.add(added(32001, "<|assistant|>", true));
        for (int i = 1; i <= 4; i++) {
            out.add(added(32001 + i, "<|placeholder" + i + "|>", true));
        }
        out.add(added(32006, "<|system|>", false));
        out.add(added(32007, "<|end|>", false));
        out.add(added(32008, "<|placeholder5|>", true));
        out.add(added(32009, "<|placeholder6|>", true));
        out.add(added(32010, "<|user|>", false));
        for (int i = 7; i <= 39; i++) {
            out.add(added(32004 + i, "<|placeholder" + i + "|>", true));
        }
        out.add(added(32044, "<|image|>", true));
        return out;
    }

    private static ObjectNode added(int id, String content, boolean rstrip) {
        ObjectNode t = JSON.createObjectNode();
        t.put("id", id);
        t.put("content", content);
        t.put("single_word", false);
        t.put("lstrip", false);
        t.put("rstrip", rstrip);
        t.put("normalized", false);
        t.put("special", true);
        return t;
    }

    /** Mistral's tokenizer.json and tokenizer_config.json with more added tokens and the given pad / eos token. */
    private static void writeTokenizer(Path dir, List<ObjectNode> extra, String pad, String eos) throws IOException {
        Path mistral = Fixtures.path("tokenizer", "mistral");
        ObjectNode tok = (ObjectNode) JSON.readTree(mistral.resolve("tokenizer.json").toFile());
        ArrayNode added = (ArrayNode) tok.get("added_tokens");
        ObjectNode config = (ObjectNode) JSON.readTree(mistral.resolve("tokenizer_config.json").toFile());
        ObjectNode decoder = (ObjectNode) config.get("added_tokens_decoder");
        for (ObjectNode t : extra) {
            added.add(t);
            ObjectNode d = t.deepCopy();
            d.remove("id");
            decoder.set(Integer.toString(t.get("id").asInt()), d);
        }
        config.put("pad_token", pad);
        if (eos != null) {
            config.put("eos_token", eos);
        }
        Files.writeString(dir.resolve("tokenizer.json"), JSON.writeValueAsString(tok));
        Files.writeString(dir.resolve("tokenizer_config.json"), JSON.writeValueAsString(config));
    }
}
