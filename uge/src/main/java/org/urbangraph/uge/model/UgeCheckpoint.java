package org.urbangraph.uge.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.urbangraph.graph.GraphEncoder;
import org.urbangraph.lora.Lora;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.io.AtomicFile;
import org.urbangraph.tensor.io.SafetensorsFile;
import org.urbangraph.tensor.io.SafetensorsWriter;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.tensor.nn.Rng;
import org.urbangraph.vlm.VlmLoader;
import org.urbangraph.vlm.tokenizer.AddedToken;
import org.urbangraph.vlm.tokenizer.Tokenizer;

/**
 * A UGE model directory, readable without any training state:
 * <pre>
 *   uge.json                     format, stage, backbone location and family, graph tokens, node cap, and the
 *                                datasets each stage trained on ({@link TrainingData})
 *   training_images.txt          SHA-256 of every training image (one per line, sorted), where uge.json lists
 *                                training data
 *   adapter/                     the LoRA adapter in PEFT's format (adapter_config.json, adapter_model.safetensors)
 *   new_token_rows.safetensors   the graph tokens' input-embedding rows (token strings and ids in the metadata)
 *   graph_encoder.safetensors    stage 2: the graph encoder (its configuration in the metadata)
 *   tokenizer.json               the backbone's tokenizer with the graph tokens added at their ids, and its
 *   tokenizer_config.json        tokenizer_config.json (where the backbone has one) and special_tokens_map.json
 *   backbone/                    only when the base weights trained: config, tokenizer (with the graph tokens whose
 *                                ids are rows of the embedding table) and
 *                                the other non-weight files of the source directory, and model.safetensors
 * </pre>
 * Files are written through temporary siblings of their own and renamed ({@link AtomicFile}); {@link #writeModel}
 * into an existing directory replaces it file by file.
 */
public final class UgeCheckpoint {
    private UgeCheckpoint() {}

    public static final String FORMAT = "uge-model-1";

    static void writeModel(UgeModel m, Path dir) throws IOException {
        Files.createDirectories(dir);
        if (m.lora() != null) {
            m.lora().save(dir.resolve("adapter"));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("tokens", String.join(" ", UgeModel.GRAPH_TOKENS));
        StringBuilder ids = new StringBuilder();
        for (long id : m.newTokens().ids()) {
            ids.append(ids.isEmpty() ? "" : " ").append(id);
        }
        meta.put("ids", ids.toString());
        SafetensorsWriter.write(dir.resolve("new_token_rows.safetensors"),
                Map.of("weight", m.newTokens().weight().tensor()), meta);
        if (m.graphEncoder() != null) {
            m.graphEncoder().save(dir.resolve("graph_encoder.safetensors"));
        }
        writeTokenizer(m, dir, Integer.MAX_VALUE);
        Path backboneDir = m.backbone().pipeline().source();
        String backboneRef = backboneDir == null ? null : backboneDir.toAbsolutePath().toString();
        if (m.baseTrained()) {
            writeBackbone(m, dir.resolve("backbone"));
            backboneRef = "backbone";
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("format", FORMAT);
        root.put("stage", m.graphEncoder() == null ? 1 : 2);
        root.put("backbone", backboneRef);
        root.put("backbone_family", m.backbone().family().modelType());
        root.put("base_trained", m.baseTrained());
        root.put("max_graph_nodes", m.graphs().maxNodes());
        ArrayNode tokens = root.putArray("graph_tokens");
        UgeModel.GRAPH_TOKENS.forEach(tokens::add);
        m.trainingData().write(dir, root); // the hashes' file first: uge.json names it
        AtomicFile.writeString(dir.resolve("uge.json"), json.writerWithDefaultPrettyPrinter().writeValueAsString(root),
                false);
    }

    /**
     * The trained base weights as a model directory (LoRA layers unwrapped to their base names) with the source
     * directory's config.json, the tokenizer with those added tokens whose ids are rows of the embedding table
     * ({@link #writeTokenizer}: the graph tokens where the table has spare rows for them, none where it has not, so
     * that the directory loads as a model of its family) and every other file of
     * the source directory that is not a weight file ({@link #isCopiedToBackbone}): remote code ({@code *.py} that
     * {@code auto_map} names), special_tokens_map.json, chat templates, generation_config.json, processor settings,
     * tokenizer.model, licence and read-me files. Subdirectories are not copied.
     */
    private static void writeBackbone(UgeModel m, Path out) throws IOException {
        Files.createDirectories(out);
        Path src = m.backbone().pipeline().source();
        if (src != null && Files.isDirectory(src)) {
            List<Path> files;
            try (Stream<Path> s = Files.list(src)) {
                files = s.filter(Files::isRegularFile).sorted().toList();
            }
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (isCopiedToBackbone(name) && !f.toAbsolutePath().normalize().equals(
                        out.resolve(name).toAbsolutePath().normalize())) {
                    AtomicFile.copy(f, out.resolve(name), false);
                }
            }
        }
        writeTokenizer(m, out, m.model().tokenEmbeddings().weight().tensor().size(0));
        Map<String, Tensor> weights = new LinkedHashMap<>();
        m.backbone().module().stateDict().forEach((k, t) -> {
            if (!k.contains(".lora_A.") && !k.contains(".lora_B.")) {
                weights.put(k.replace(".base_layer.", "."), t);
            }
        });
        SafetensorsWriter.write(out.resolve("model.safetensors"), weights, Map.of("format", "pt"));
    }

    /** Weight files and their shard indexes: {@code backbone/} holds one model.safetensors instead. */
    private static final List<String> WEIGHT_SUFFIXES = List.of(".safetensors", ".index.json", ".bin", ".pt", ".pth",
            ".ckpt", ".h5", ".msgpack", ".onnx", ".gguf", ".ot", ".npz");

    /**
     * Whether a file of the source directory is copied into {@code backbone/}: not a weight file or shard index (an
     * index would win over the single model.safetensors written there), not the tokenizer files that are written
     * with the graph tokens, not hidden or temporary files.
     */
    static boolean isCopiedToBackbone(String name) {
        if (name.startsWith(".") || name.contains(".tmp") || name.equals("tokenizer.json")
                || name.equals("tokenizer_config.json")) {
            return false;
        }
        for (String suffix : WEIGHT_SUFFIXES) {
            if (name.endsWith(suffix)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The backbone's tokenizer as it is in memory, with the graph tokens, in Hugging Face's files:
     * {@code tokenizer.json} is the backbone's with every added token it lacks appended to {@code added_tokens} at its
     * id, in id order (the graph tokens: special, not normalised, no stripping, not single-word), so that reading it
     * back, here or in the {@code tokenizers} library, gives every token the same id; {@code tokenizer_config.json}
     * (where the backbone has one) gets the graph tokens in {@code added_tokens_decoder}; special_tokens_map.json is
     * copied. Loading such a tokenizer and adding the graph tokens again finds them at the same ids.
     *
     * <p>Added tokens with an id of {@code rows} or more are left out of both files: {@code backbone/} passes its
     * embedding table's row count, as a pipeline refuses a tokenizer larger than its table. Without spare rows the
     * graph tokens are then absent there, and loading adds them at the same next free ids.
     */
    static void writeTokenizer(UgeModel m, Path out, int rows) throws IOException {
        Tokenizer tokenizer = m.backbone().pipeline().tokenizer();
        Path source = tokenizer.source();
        if (source == null || !Files.isRegularFile(source)) {
            throw new IOException("the backbone's tokenizer.json (" + source + ") is gone; cannot write the model's "
                    + "tokenizer");
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(source.toFile());
        ArrayNode added = root.has("added_tokens") && root.get("added_tokens").isArray()
                ? (ArrayNode) root.get("added_tokens") : root.putArray("added_tokens");
        Set<String> present = new HashSet<>();
        added.forEach(t -> present.add(t.path("content").asText()));
        new TreeMap<>(tokenizer.addedTokens()).forEach((id, token) -> {
            if (id < rows && !present.contains(token.content())) {
                ObjectNode entry = added.addObject();
                entry.put("id", id);
                addedTokenFields(entry, token);
            }
        });
        AtomicFile.writeString(out.resolve("tokenizer.json"), json.writeValueAsString(root), false);

        Path config = source.resolveSibling("tokenizer_config.json");
        if (Files.isRegularFile(config)) {
            ObjectNode c = (ObjectNode) json.readTree(config.toFile());
            ObjectNode decoder = c.has("added_tokens_decoder") && c.get("added_tokens_decoder").isObject()
                    ? (ObjectNode) c.get("added_tokens_decoder") : c.putObject("added_tokens_decoder");
            long[] ids = m.newTokens().ids();
            for (int i = 0; i < ids.length; i++) {
                if (ids[i] >= rows) {
                    continue;
                }
                ObjectNode entry = json.createObjectNode();
                addedTokenFields(entry, tokenizer.addedTokens().get((int) ids[i]));
                decoder.set(Long.toString(ids[i]), entry);
            }
            AtomicFile.writeString(out.resolve("tokenizer_config.json"), json.writerWithDefaultPrettyPrinter()
                    .writeValueAsString(c), false);
        }
        Path map = source.resolveSibling("special_tokens_map.json");
        if (Files.isRegularFile(map) && !map.toAbsolutePath().normalize().equals(
                out.resolve("special_tokens_map.json").toAbsolutePath().normalize())) {
            AtomicFile.copy(map, out.resolve("special_tokens_map.json"), false);
        }
    }

    /** An added token's fields as tokenizer.json and added_tokens_decoder write them. */
    private static void addedTokenFields(ObjectNode entry, AddedToken token) {
        entry.put("content", token.content());
        entry.put("single_word", token.singleWord());
        entry.put("lstrip", token.lstrip());
        entry.put("rstrip", token.rstrip());
        entry.put("normalized", token.normalized());
        entry.put("special", token.special());
    }

    /**
     * The settings a model directory records. {@code backboneFamily} is the backbone's {@code model_type}, or null in
     * a directory written before the family was recorded (those were all Qwen2-VL).
     */
    public record Info(int stage, Path backbone, String backboneFamily, boolean baseTrained, int maxGraphNodes) {}

    public static Info info(Path dir) throws IOException {
        Path file = dir.resolve("uge.json");
        if (!Files.isRegularFile(file)) {
            throw new IOException(dir + " is not a UGE model directory (no uge.json)");
        }
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        if (!FORMAT.equals(root.path("format").asText())) {
            throw new IOException(file + ": format '" + root.path("format").asText() + "', expected " + FORMAT);
        }
        String b = root.path("backbone").asText(null);
        Path backbone = b == null ? null : (b.equals("backbone") ? dir.resolve("backbone") : Path.of(b));
        return new Info(root.path("stage").asInt(1), backbone, root.path("backbone_family").asText(null),
                root.path("base_trained").asBoolean(false), root.path("max_graph_nodes").asInt(0));
    }

    /**
     * What a model directory records of its training data ({@link TrainingData}); {@link TrainingData#NONE} for a
     * directory written before training data was recorded.
     */
    public static TrainingData trainingData(Path dir) throws IOException {
        info(dir); // a directory of another kind is refused as info refuses it
        return TrainingData.read(dir, new ObjectMapper().readTree(dir.resolve("uge.json").toFile()));
    }

    /**
     * Loads a UGE model directory for embedding or further training. {@code backboneOverride}, when not null, replaces
     * the backbone location the directory records (a model moved to another machine).
     */
    public static UgeModel load(Path dir, Path backboneOverride) throws IOException {
        return load(dir, backboneOverride, false, 0);
    }

    /**
     * Loads a UGE model directory; {@code forTraining} makes what trained before trainable again (the adapters,
     * the graph-token rows, the graph encoder, and the base weights when they trained), with dropouts drawing from
     * streams seeded by {@code seed}.
     */
    public static UgeModel load(Path dir, Path backboneOverride, boolean forTraining, long seed) throws IOException {
        Info info = info(dir);
        Path backboneDir = backboneOverride != null && !info.baseTrained() ? backboneOverride : info.backbone();
        if (backboneDir == null || !Files.isDirectory(backboneDir)) {
            throw new IOException(dir.resolve("uge.json") + ": backbone directory " + backboneDir
                    + " not found; pass the backbone model directory explicitly");
        }
        // an override is checked even where the trained base weights replace it: it is still a mistake to pass one
        requireFamily(dir, info, backboneDir);
        if (backboneOverride != null && !backboneOverride.equals(backboneDir)) {
            requireFamily(dir, info, backboneOverride);
        }
        UgeBackbone backbone = UgeBackbone.load(backboneDir);
        long[] ids = UgeModel.addGraphTokens(backbone.pipeline());
        Lora lora = Files.isDirectory(dir.resolve("adapter"))
                ? Lora.load(backbone.module(), dir.resolve("adapter"), new Rng(seed)) : null;
        if (forTraining && info.baseTrained()) {
            UgeModels.trainBaseExceptEmbeddings(backbone);
        }
        NewTokenRows rows = new NewTokenRows(ids, backbone.model().tokenEmbeddings().weight().tensor());
        SafetensorsFile f = SafetensorsFile.open(dir.resolve("new_token_rows.safetensors"));
        requireSameIds(f, ids, backboneDir);
        Module.LoadReport loaded = rows.load(f, "", false);
        if (!loaded.clean()) {
            throw rows.mismatch(f, "", loaded, "the graph tokens' rows must be " + ids.length
                    + " rows as wide as the hidden size of the backbone " + backboneDir);
        }
        GraphEncoder ge = Files.isRegularFile(dir.resolve("graph_encoder.safetensors"))
                ? GraphEncoder.load(dir.resolve("graph_encoder.safetensors"), seed + 1) : null; // as UgeModels.stage2
        UgeModel m = new UgeModel(backbone, lora, ge, rows, info.maxGraphNodes(), info.baseTrained());
        m.addTrainingData(trainingData(dir));
        m.train(forTraining);
        return m;
    }

    /** The backbone directory must hold the family the model was trained on. */
    private static void requireFamily(Path dir, Info info, Path backboneDir) throws IOException {
        VlmLoader.Family found = VlmLoader.family(backboneDir);
        // models written before the family was recorded were all Qwen2-VL / Qwen2.5-VL
        boolean matches = info.backboneFamily() != null ? info.backboneFamily().equals(found.modelType())
                : found == VlmLoader.Family.QWEN2_VL || found == VlmLoader.Family.QWEN2_5_VL;
        if (!matches) {
            String trained = info.backboneFamily() != null ? info.backboneFamily() : "qwen2_vl";
            throw new IOException(dir.resolve("uge.json") + ": the model was trained on a " + trained
                    + " backbone, but " + backboneDir + " holds a " + found.modelType() + " model; pass the " + trained
                    + " backbone it was trained on");
        }
    }

    /** The graph tokens must get the ids they had in training (another tokenizer would give them other rows). */
    private static void requireSameIds(SafetensorsFile f, long[] ids, Path backboneDir) throws IOException {
        String stored = f.metadata().get("ids");
        StringBuilder now = new StringBuilder();
        for (long id : ids) {
            now.append(now.isEmpty() ? "" : " ").append(id);
        }
        if (stored != null && !stored.equals(now.toString())) {
            throw new IOException(f.path() + ": the graph tokens had ids " + stored + " in training, but the tokenizer of "
                    + backboneDir + " gives them " + now + "; use the backbone the model was trained on");
        }
    }
}
