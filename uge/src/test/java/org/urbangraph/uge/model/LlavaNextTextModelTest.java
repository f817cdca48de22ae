package org.urbangraph.uge.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.vlm.config.ConfigException;
import org.urbangraph.vlm.embed.TinyEmbeddingModels;

/**
 * UGE lays LLaVA-NeXT inputs out in the embedding pipeline's Mistral {@code [INST] ... [/INST]} turn, so a LLaVA-NeXT
 * backbone with a Llama text model (llava-v1.6-vicuna, -34b: other chat layouts) is refused before training starts,
 * as the pipeline refuses it.
 */
class LlavaNextTextModelTest {

    @Test
    void stage1RefusesALlamaTextModelNamingTheFileAndTheKey(@TempDir Path tmp) throws Exception {
        Path dir = TinyEmbeddingModels.llavaNextLlama(tmp.resolve("llava-vicuna"), 5);
        ConfigException e = assertThrows(ConfigException.class, () -> UgeModels.stage1(dir, false, 1, 8));
        assertTrue(e.getMessage().startsWith(dir.resolve("config.json") + ": key 'text_config.model_type'")
                && e.getMessage().contains("found 'llama'"), e.getMessage());
    }
}
