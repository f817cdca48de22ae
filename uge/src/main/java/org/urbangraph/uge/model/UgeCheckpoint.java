package org.urbangraph.uge.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.urbangraph.graph.GraphEncoder;
import org.urbangraph.lora.Lora;
import org.urbangraph.tensor.Tensor;
import org.urbangraph.tensor.io.SafetensorsFile;
import org.urbangraph.tensor.io.SafetensorsWriter;
import org.urbangraph.tensor.nn.Module;
import org.urbangraph.tensor.nn.Rng;
import org.urbangraph.vlm.VlmLoader;

/**
 * A UGE model directory, readable without any training state:
 * <pre>
 *   uge.json                     format, stage, backbone location and family, graph tokens, node cap
 *   adapter/                     the LoRA adapter in PEFT's format (adapter_config.json, adapter_model.safetensors)
 *   new_token_rows.safetensors   the graph tokens' input-embedding rows (token strings in the metadata)
 *   graph_encoder.safetensors    stage 2: the graph encoder (its configuration in the metadata)
 *   backbone/                    only when the base weights trained: a complete Hugging Face model directory
 * </pre>
 * Files are written to temporary names and renamed; {@link #writeModel} into an existing directory replaces it
 * file by file.
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
        writeAtomically(dir.resolve("uge.json"), json.writerWithDefaultPrettyPrinter().writeValueAsString(root));
    }

    /** The trained base weights as a full model directory (LoRA layers unwrapped to their base names). */
    private static void writeBackbone(UgeModel m, Path out) throws IOException {
        Files.createDirectories(out);
        Path src = m.backbone().pipeline().source();
        for (String f : new String[] {"config.json", "tokenizer.json", "tokenizer_config.json",
                "preprocessor_config.json"}) {
            if (src != null && Files.isRegularFile(src.resolve(f)) && !src.resolve(f).equals(out.resolve(f))) {
                Files.copy(src.resolve(f), out.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Map<String, Tensor> weights = new LinkedHashMap<>();
        m.backbone().module().stateDict().forEach((k, t) -> {
            if (!k.contains(".lora_A.") && !k.contains(".lora_B.")) {
                weights.put(k.replace(".base_layer.", "."), t);
            }
        });
        SafetensorsWriter.write(out.resolve("model.safetensors"), weights, Map.of("format", "pt"));
    }

    static void writeAtomically(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
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
