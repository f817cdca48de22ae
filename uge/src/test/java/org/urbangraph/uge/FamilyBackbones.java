package org.urbangraph.uge;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.urbangraph.vlm.embed.TinyEmbeddingModels;

/**
 * Tiny random LLaVA-NeXT and Phi-3-V model directories for the UGE tests, made once per test JVM (the CLI tests reach
 * them through the uge test jar). Both come from {@link TinyEmbeddingModels}:
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
