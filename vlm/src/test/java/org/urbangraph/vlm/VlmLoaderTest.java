package org.urbangraph.vlm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.tensor.NoGrad;
import org.urbangraph.tensor.io.SafetensorsFile;
import org.urbangraph.testkit.Approx;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.vlm.config.ConfigException;
import org.urbangraph.vlm.llava.LlavaNextForConditionalGeneration;
import org.urbangraph.vlm.phi3v.Phi3VForCausalLM;
import org.urbangraph.vlm.phi3v.Phi3VTiny;
import org.urbangraph.vlm.qwen2vl.Qwen2VLForConditionalGeneration;

/** The loader picks the family from config.json's model_type and the loaded model embeds as that family does. */
class VlmLoaderTest {

    @TempDir
    Path tmp;

    @Test
    void everyGoldenFamilyLoadsAndEmbedsItsTextOnlyCase() {
        String[][] cases = {{"qwen2_vl", "QWEN2_VL"}, {"qwen2_5_vl", "QWEN2_5_VL"},
            {"llava_next_mistral", "LLAVA_NEXT"}};
        for (String[] c : cases) {
            Path dir = Fixtures.golden(c[0]);
            assertEquals(VlmLoader.Family.valueOf(c[1]), VlmLoader.family(dir));
            VisionLanguageModel m = VlmLoader.load(dir);
            if (c[1].startsWith("QWEN")) {
                assertInstanceOf(Qwen2VLForConditionalGeneration.class, m);
            } else {
                assertInstanceOf(LlavaNextForConditionalGeneration.class, m);
            }
            SafetensorsFile ref = SafetensorsFile.open(dir.resolve("reference.safetensors"));
            MultimodalBatch b = MultimodalBatch.textOnly(GoldenCases.rows(ref.tensor("textonly.input_ids")),
                    GoldenCases.rows(ref.tensor("textonly.attention_mask")));
            try (NoGrad g = NoGrad.enter()) {
                Approx.assertClose(c[0] + " embedding", ref.tensor("textonly.embedding_last_token_l2").toFloatArray(),
                        m.embed(b, null).toFloatArray(), 1e-5, 0);
            }
            assertTrue(VlmLoader.module(m).parameterCount() > 0);
        }
    }

    @Test
    void phi3VisionLoads() {
        Phi3VForCausalLM model = Phi3VTiny.random(tmp, 5);
        Phi3VTiny.save(model, tmp);
        assertEquals(VlmLoader.Family.PHI3_V, VlmLoader.family(tmp));
        assertInstanceOf(Phi3VForCausalLM.class, VlmLoader.load(tmp));
    }

    @Test
    void unknownTypesAndMissingConfigsAreNamed() throws Exception {
        Files.writeString(tmp.resolve("config.json"), "{\"model_type\": \"idefics3\"}");
        ConfigException e = assertThrows(ConfigException.class, () -> VlmLoader.load(tmp));
        assertTrue(e.getMessage().contains(tmp.resolve("config.json").toString())
                && e.getMessage().contains("'model_type'") && e.getMessage().contains("idefics3")
                && e.getMessage().contains("phi3_v"), e.getMessage());
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> VlmLoader.load(empty));
        assertTrue(e2.getMessage().contains("no config.json"), e2.getMessage());
    }
}
