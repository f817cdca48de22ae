package org.urbangraph.vlm.generation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.urbangraph.vlm.config.ConfigException;

/** Sampling settings: their validation, transformers' top-k ties and repetition penalty, generation_config.json. */
class GenerationOptionsTest {

    @TempDir
    Path tmp;

    static GenerationOptions sample(double temperature, int topK, double topP) {
        return new GenerationOptions(4, temperature, topK, topP, 0, Set.of());
    }

    @Test
    void nonFiniteAndOutOfRangeValuesAreRefused() {
        for (double t : new double[] {Double.NaN, Double.POSITIVE_INFINITY, -0.5, Double.NEGATIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sample(t, 0, 1), "" + t);
            assertTrue(e.getMessage().contains("temperature") && e.getMessage().contains("" + t), e.getMessage());
        }
        for (double p : new double[] {Double.NaN, Double.POSITIVE_INFINITY, -0.1, 1.0000001}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sample(1, 0, p), "" + p);
            assertTrue(e.getMessage().contains("topP"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> sample(1, -1, 1));
        for (double r : new double[] {Double.NaN, Double.POSITIVE_INFINITY, 0, -1.1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> GenerationOptions.greedy(4, Set.of()).withRepetitionPenalty(r), "" + r);
            assertTrue(e.getMessage().contains("repetitionPenalty"), e.getMessage());
        }
        // the edges that are valid: greedy (0), top_k 0 (no filter, as transformers' top_k 0), top_p 1
        assertFalse(sample(0, 0, 1).sampling());
        assertTrue(sample(1e-3, 0, 1).sampling());
        assertEquals(1.0, sample(2, 0, 1).topP());
        // top_p 0 is valid in transformers (its warper keeps at least one token): only the most likely is drawn
        float[] logits = {0.5f, 2.0f, 1.9f, -1f};
        double[] f = frequencies(logits, sample(1, 0, 0), 200);
        assertArrayEquals(new double[] {0, 1, 0, 0}, f, 1e-9);
    }

    @Test
    void temperaturesThatVanishAsAFloatAreRefused() {
        // the logits are divided by (float) temperature: 0 or a subnormal would give NaN or infinite scores
        for (double t : new double[] {1e-50, 1e-40, Float.MIN_VALUE, Float.MIN_NORMAL / 2.0}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sample(t, 1, 1), "" + t);
            assertTrue(e.getMessage().contains("temperature") && e.getMessage().contains("" + t), e.getMessage());
        }
        // the smallest normal float is a valid temperature, and top-k 1 keeps the largest logit
        for (long seed = 0; seed < 5; seed++) {
            assertEquals(1, Sampling.pick(new float[] {0f, 5f}, sample(Float.MIN_NORMAL, 1, 1),
                    new SplittableRandom(seed)));
        }
    }

    @Test
    void descendingOrderIsTheStableSortOfTheBoxedIds() {
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0.0f, -0.0f, Float.MIN_VALUE,
            -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, 1.5f, -1.5f, Float.intBitsToFloat(0x7fc00001)};
        SplittableRandom rnd = new SplittableRandom(5);
        for (int trial = 0; trial < 300; trial++) {
            float[] scores = new float[1 + rnd.nextInt(trial < 290 ? 64 : 5000)];
            for (int i = 0; i < scores.length; i++) {
                int kind = rnd.nextInt(3);
                scores[i] = kind == 0 ? special[rnd.nextInt(special.length)]
                        : kind == 1 ? rnd.nextInt(4) - 2f // many ties
                        : (float) rnd.nextGaussian() * 10;
            }
            Integer[] boxed = new Integer[scores.length];
            for (int i = 0; i < boxed.length; i++) {
                boxed[i] = i;
            }
            Arrays.sort(boxed, (a, b) -> Float.compare(scores[b], scores[a]));
            assertArrayEquals(Arrays.stream(boxed).mapToInt(Integer::intValue).toArray(),
                    Sampling.descendingOrder(scores), "trial " + trial);
        }
    }

    /** Relative frequencies of {@code n} draws. */
    static double[] frequencies(float[] logits, GenerationOptions o, int n) {
        SplittableRandom rnd = new SplittableRandom(123);
        double[] f = new double[logits.length];
        for (int i = 0; i < n; i++) {
            f[(int) Sampling.pick(logits.clone(), o, rnd)] += 1.0 / n;
        }
        return f;
    }

    @Test
    void topKKeepsEveryTokenTiedWithTheKthAsTransformersDoes() {
        // transformers: logits < topk(logits, 2)[..., -1] are masked, so the three tied 3.0s all stay
        float[] logits = {5f, 3f, 3f, 3f, 1f};
        double z = Math.exp(2) + 3;
        double[] f = frequencies(logits, sample(1, 2, 1), 40_000);
        double[] want = {Math.exp(2) / z, 1 / z, 1 / z, 1 / z, 0};
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], f[i], 0.01, "token " + i);
        }
        assertEquals(0, f[4]);
        // without ties top-k keeps exactly k
        double[] g = frequencies(new float[] {5f, 3f, 2.9f, 2.8f}, sample(1, 2, 1), 20_000);
        assertEquals(0, g[2] + g[3]);
        assertEquals(Math.exp(2) / (Math.exp(2) + 1), g[0], 0.01);
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogitsOfSeenTokens() {
        float[] logits = {2.0f, -2.0f, 0.0f, 1.5f, -0.5f};
        boolean[] seen = {true, true, true, false, false};
        Sampling.penalize(logits, seen, 1.2);
        assertArrayEquals(new float[] {2.0f / 1.2f, -2.0f * 1.2f, 0.0f, 1.5f, -0.5f}, logits);
        // greedy with a penalty: the seen token loses its lead (3.0 / 1.2 = 2.5 < 2.6)
        float[] l2 = {3.0f, 2.6f};
        Sampling.penalize(l2, new boolean[] {true, false}, 1.2);
        assertEquals(1, Sampling.pick(l2, GenerationOptions.greedy(1, Set.of()), new SplittableRandom(0)));
        // negative logits of seen tokens go further down
        float[] l3 = {-1.0f, -1.5f};
        assertEquals(1, Sampling.pick(l3, new boolean[] {true, false}, GenerationOptions.greedy(1, Set.of())
                .withRepetitionPenalty(2.0), new SplittableRandom(0)));
        assertArrayEquals(new float[] {-2.0f, -1.5f}, l3);
        // the penalty comes before top-k: penalised, token 0 (2.0 / 2 = 1.0) drops out of the top 1
        for (long seed = 0; seed < 20; seed++) {
            assertEquals(1, Sampling.pick(new float[] {2.0f, 1.9f, 0.5f}, new boolean[] {true, false, false},
                    sample(1, 1, 1).withRepetitionPenalty(2.0), new SplittableRandom(seed)));
        }
    }

    Path write(String name, String json) throws Exception {
        Path f = tmp.resolve(name);
        Files.createDirectories(f.getParent());
        Files.writeString(f, json);
        return f;
    }

    @Test
    void generationConfigIsReadWithTransformersDefaults() throws Exception {
        // Qwen2-VL-7B-Instruct's file
        GenerationOptions qwen = GenerationOptions.fromGenerationConfig(write("qwen/generation_config.json", """
                {"bos_token_id": 151643, "pad_token_id": 151643, "do_sample": true,
                 "eos_token_id": [151645, 151643], "repetition_penalty": 1.05, "temperature": 0.01, "top_k": 1,
                 "top_p": 0.001, "transformers_version": "4.37.0"}""").getParent());
        assertEquals(0.01, qwen.temperature());
        assertEquals(1, qwen.topK());
        assertEquals(0.001, qwen.topP());
        assertEquals(1.05, qwen.repetitionPenalty());
        assertEquals(Set.of(151645L, 151643L), qwen.stopTokens());
        assertEquals(GenerationOptions.DEFAULT_MAX_NEW_TOKENS, qwen.maxNewTokens());
        assertEquals(0, qwen.seed());
        // llava-v1.6-mistral-7b-hf's: greedy, eos 2
        GenerationOptions llava = GenerationOptions.fromGenerationConfig(write("llava.json", """
                {"_from_model_config": true, "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 0}"""), 64);
        assertFalse(llava.sampling());
        assertEquals(Set.of(2L), llava.stopTokens());
        assertEquals(1.0, llava.repetitionPenalty());
        assertEquals(64, llava.maxNewTokens());
        // GenerationConfig's defaults: temperature 1.0, top_k 50, top_p 1.0, repetition_penalty 1.0
        GenerationOptions d = GenerationOptions.fromGenerationConfig(write("d.json", """
                {"do_sample": true, "max_new_tokens": 7}"""));
        assertEquals(1.0, d.temperature());
        assertEquals(50, d.topK());
        assertEquals(1.0, d.topP());
        assertEquals(1.0, d.repetitionPenalty());
        assertEquals(7, d.maxNewTokens());
        assertEquals(Set.of(), d.stopTokens());
        // an explicit null turns a filter off; settings at their inert values are accepted; greedy ignores the
        // sampling values (transformers only warns about them)
        GenerationOptions n = GenerationOptions.fromGenerationConfig(write("n.json", """
                {"do_sample": true, "top_k": null, "top_p": null, "temperature": 0.7, "num_beams": 1,
                 "typical_p": 1.0, "min_length": 0, "bad_words_ids": null, "suppress_tokens": [],
                 "repetition_penalty": null, "encoder_repetition_penalty": 1.0, "num_return_sequences": 1,
                 "stop_strings": null}"""));
        assertEquals(0, n.topK());
        assertEquals(1.0, n.topP());
        assertEquals(0.7, n.temperature());
        GenerationOptions g = GenerationOptions.fromGenerationConfig(write("g.json", """
                {"do_sample": false, "temperature": 0.0, "top_p": 0.0, "top_k": 0, "repetition_penalty": 1.3}"""));
        assertFalse(g.sampling());
        assertEquals(1.3, g.repetitionPenalty());
    }

    @Test
    void maxLengthIsUsedOnlyWithoutMaxNewTokensAndAwayFromTransformersDefault() throws Exception {
        GenerationOptions m = GenerationOptions.fromGenerationConfig(write("m.json", "{\"max_length\": 300}"), 64);
        assertEquals(300, m.maxLength());
        assertEquals(300 - 40, m.newTokenBudget(40));
        // max_new_tokens wins, from the file or from the caller
        GenerationOptions both = GenerationOptions.fromGenerationConfig(write("both.json",
                "{\"max_length\": 300, \"max_new_tokens\": 9}"), 64);
        assertNull(both.maxLength());
        assertEquals(9, both.newTokenBudget(40));
        assertNull(m.withMaxNewTokens(5).maxLength());
        assertEquals(5, m.withMaxNewTokens(5).newTokenBudget(400));
        // 20 is transformers' default max_length, which generate() reads as "20 new tokens": the default count here
        GenerationOptions twenty = GenerationOptions.fromGenerationConfig(write("twenty.json",
                "{\"max_length\": 20}"), 64);
        assertNull(twenty.maxLength());
        assertEquals(64, twenty.newTokenBudget(40));
        assertNull(GenerationOptions.fromGenerationConfig(write("null.json", "{\"max_length\": null}")).maxLength());
        // the other settings keep it
        assertEquals(300, m.withSeed(3).withStopTokens(Set.of(2L)).withRepetitionPenalty(1.1).maxLength());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.newTokenBudget(300));
        assertTrue(e.getMessage().contains("max_length is 300") && e.getMessage().contains("300 tokens"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new GenerationOptions(4, 0, 0, 1, 0, Set.of(), 1.0, 0));
    }

    @Test
    void badGenerationConfigsNameTheFileAndTheKey() throws Exception {
        String[][] cases = {
            {"\"do_sample\": true, \"temperature\": 0", "temperature"},
            {"\"do_sample\": true, \"temperature\": NaN", "temperature"},
            {"\"do_sample\": true, \"temperature\": Infinity", "temperature"},
            {"\"temperature\": \"warm\"", "temperature"},
            {"\"do_sample\": true, \"top_p\": 1.5", "top_p"},
            {"\"do_sample\": true, \"top_p\": NaN", "top_p"},
            {"\"do_sample\": true, \"top_k\": -1", "top_k"},
            {"\"top_k\": 2.5", "top_k"},
            {"\"repetition_penalty\": 0", "repetition_penalty"},
            {"\"repetition_penalty\": -1.1", "repetition_penalty"},
            {"\"repetition_penalty\": Infinity", "repetition_penalty"},
            {"\"do_sample\": \"yes\"", "do_sample"},
            {"\"eos_token_id\": \"</s>\"", "eos_token_id"},
            {"\"eos_token_id\": [2, -1]", "eos_token_id"},
            {"\"max_new_tokens\": 0", "max_new_tokens"},
            {"\"num_beams\": 4", "num_beams"},
            {"\"no_repeat_ngram_size\": 3", "no_repeat_ngram_size"},
            {"\"min_p\": 0.05", "min_p"},
            {"\"max_length\": 2.5", "max_length"},
            {"\"max_length\": 0", "max_length"},
            {"\"max_length\": \"long\"", "max_length"},
            {"\"encoder_repetition_penalty\": 1.2", "encoder_repetition_penalty"},
            {"\"num_return_sequences\": 3", "num_return_sequences"},
            {"\"stop_strings\": [\"Observation:\"]", "stop_strings"},
            {"\"stop_strings\": \"\\n\\n\"", "stop_strings"},
            {"\"do_sample\": true, \"temperature\": 1e-50", "temperature"},
        };
        for (String[] c : cases) {
            Path f = write("bad.json", "{" + c[0] + "}");
            ConfigException e = assertThrows(ConfigException.class, () -> GenerationOptions.fromGenerationConfig(f),
                    c[0]);
            assertTrue(e.getMessage().startsWith(f + ": key '" + c[1] + "'"), e.getMessage());
        }
        ConfigException e = assertThrows(ConfigException.class,
                () -> GenerationOptions.fromGenerationConfig(tmp.resolve("none")));
        assertTrue(e.getMessage().contains("generation_config.json"), e.getMessage());
    }

    @Test
    void forModelUsesTheShippedGenerationConfigElseTheModelConfigsEos() throws Exception {
        Path dir = tmp.resolve("model");
        write("model/config.json", "{\"model_type\": \"llava_next\", \"text_config\": {\"eos_token_id\": 2}}");
        GenerationOptions fallback = GenerationOptions.forModel(dir, 30);
        assertFalse(fallback.sampling());
        assertEquals(Set.of(2L), fallback.stopTokens());
        assertEquals(30, fallback.maxNewTokens());
        write("model/generation_config.json", "{\"do_sample\": true, \"temperature\": 0.5, \"eos_token_id\": [2, 7]}");
        GenerationOptions shipped = GenerationOptions.forModel(dir, 30);
        assertEquals(0.5, shipped.temperature());
        assertEquals(Set.of(2L, 7L), shipped.stopTokens());
        assertEquals(30, shipped.maxNewTokens());
    }
}
