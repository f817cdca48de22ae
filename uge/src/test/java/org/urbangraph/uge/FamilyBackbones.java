package org.urbangraph.uge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.urbangraph.kernels.DType;
import org.urbangraph.tensor.Meta;
import org.urbangraph.tensor.io.SafetensorsWriter;
import org.urbangraph.tensor.nn.Init;
import org.urbangraph.tensor.nn.Rng;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.uge.model.TinyBackbone;
import org.urbangraph.vlm.embed.TinyEmbeddingModels;
import org.urbangraph.vlm.qwen2vl.Qwen2VLConfig;
import org.urbangraph.vlm.qwen2vl.Qwen2VLForConditionalGeneration;

/**
 * Tiny random LLaVA-NeXT, Phi-3-V and Qwen2.5-VL model directories for the UGE tests, made once per test JVM (the CLI
 * tests reach them through the uge test jar). LLaVA-NeXT and Phi-3-V come from {@link TinyEmbeddingModels}:
 *
 * <ul>
 *   <li>LLaVA-NeXT: the shapes of {@code fixtures/golden/llava_next_mistral} (2-layer 64-wide Mistral, 3-layer CLIP
 *       on 112-pixel tiles) with Mistral's real tokenizer plus llava-hf's {@code <image>} and {@code <pad>}, and the
 *       released 32,064-row table; a second copy has 32,002 rows, no spare row for UGE's graph tokens;</li>
 *   <li>Phi-3-V: a 2-layer 32-wide decoder and a 56-pixel CLIP tower with the released 32,064-row table. Its tokenizer
 *       is Phi-3-V's own (Llama-2) where those files are present; they are not bundled (licence), so otherwise it is
 *       Mistral's SentencePiece-BPE vocabulary with Phi-3-V's added tokens at their ids: the same chat tokens and
 *       layout, other ids for plain text, which UGE's layout and training do not depend on.</li>
 * </ul>
 * Qwen2.5-VL is {@link TinyBackbone}'s decoder and Qwen2 tokenizer with a Qwen2.5-VL vision tower (2 blocks, 32
 * wide, RMSNorm and SwiGLU, 112-pixel windows with block 1 attending over the whole image), random weights.
 */
public final class FamilyBackbones {
    private FamilyBackbones() {}

    private static Path root;

    private static synchronized Path root() {
        if (root == null) {
            try {
                root = Files.createTempDirectory("ug-family-backbones");
                root.toFile().deleteOnExit();
                TinyEmbeddingModels.llavaNext(root.resolve("llava-next"), 21);
                TinyEmbeddingModels.phi3V(root.resolve("phi3-v"), 22, TinyEmbeddingModels.Phi3Tokenizer.best());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return root;
    }

    public static Path llavaNext() {
        return root().resolve("llava-next");
    }

    public static Path phi3V() {
        return root().resolve("phi3-v");
    }

    /** The tiny Qwen2.5-VL directory, made on first use. */
    public static synchronized Path qwen25VL() {
        Path dir = root().resolve("qwen2_5-vl");
        if (!Files.isDirectory(dir)) {
            try {
                qwen25VL(dir, 24);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }

    /** Writes a tiny random Qwen2.5-VL model directory: {@link TinyBackbone} with a Qwen2.5-VL vision config. */
    static Path qwen25VL(Path dir, long seed) throws IOException {
        Path tmp = dir.resolveSibling(dir.getFileName() + ".tmp");
        TinyBackbone.create(tmp, Fixtures.path("tokenizer", "qwen2"), seed);
        ObjectMapper json = new ObjectMapper();
        ObjectNode c = (ObjectNode) json.readTree(tmp.resolve("config.json").toFile());
        c.put("model_type", "qwen2_5_vl");
        c.putArray("architectures").add("Qwen2_5_VLForConditionalGeneration");
        ObjectNode v = c.putObject("vision_config");
        v.put("model_type", "qwen2_5_vl");
        v.put("depth", 2);
        v.put("hidden_size", 32);
        v.put("out_hidden_size", TinyBackbone.HIDDEN);
        v.put("intermediate_size", 64);
        v.put("num_heads", 2);
        v.put("hidden_act", "silu");
        v.put("in_channels", 3);
        v.put("patch_size", 14);
        v.put("spatial_merge_size", 2);
        v.put("temporal_patch_size", 2);
        v.put("window_size", 112);
        v.putArray("fullatt_block_indexes").add(1);
        Files.writeString(tmp.resolve("config.json"), json.writerWithDefaultPrettyPrinter().writeValueAsString(c));
        Qwen2VLForConditionalGeneration m;
        try (Meta meta = Meta.scope()) {
            m = new Qwen2VLForConditionalGeneration(Qwen2VLConfig.read(tmp.resolve("config.json")), new Rng(0));
        }
        Init.randomize(m, seed, DType.F32);
        SafetensorsWriter.write(tmp.resolve("model.safetensors"), m.stateDict(), Map.of("format", "pt"));
        Files.move(tmp, dir);
        return dir;
    }

    /** LLaVA-NeXT whose table has exactly the tokenizer's 32,002 rows. */
    public static synchronized Path llavaNextWithoutSpareRows() {
        Path dir = root().resolve("llava-next-32002");
        if (!Files.isDirectory(dir)) {
            try {
                TinyEmbeddingModels.llavaNext(dir, 23, 32002);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }
}
