package org.urbangraph.vlm.chat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.vlm.chat.Qwen2VLChatFormat.Media;
import org.urbangraph.vlm.tokenizer.Tokenizer;

/**
 * The Qwen2-VL chat layout against the recorded chat prompts of the Qwen2 tokenizer cases (real ids) and the
 * recorded UGE training rows of the golden folders (exact layout; those use a tiny vocabulary, so the rendered
 * text is cut into pieces by the generator's own recorded regex and vocabulary).
 */
class Qwen2VLChatFormatTest {
    private static Tokenizer qwen;
    private static Map<String, JsonNode> cases;

    @BeforeAll
    static void load() throws IOException {
        qwen = Tokenizer.load(Fixtures.path("tokenizer", "qwen2"));
        cases = new HashMap<>();
        for (JsonNode c : new ObjectMapper().readTree(Fixtures.path("tokenizer", "qwen2", "cases.json").toFile())
                .path("cases")) {
            cases.put(c.path("name").asText(), c);
        }
    }

    private static int[] ids(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    @Test
    void systemUserImageMatchesRecordedIds() {
        Qwen2VLChatFormat format = new Qwen2VLChatFormat(qwen);
        int[] expected = ids(cases.get("chat_qwen2vl_system_4pads").path("ids"));
        assertArrayEquals(expected, format.encodeForEmbedding(
                List.of(ChatMessage.user("<image>Where was this photo taken?")), Media.images(4)));
        // Without a tag the image goes in front of the first user message, as swift does.
        assertArrayEquals(expected, format.encodeForEmbedding(
                List.of(ChatMessage.user("Where was this photo taken?")), Media.images(4)));
        // An explicit system message gives the same when it is the default one.
        assertArrayEquals(expected, format.encode(List.of(ChatMessage.system(Qwen2VLChatFormat.DEFAULT_SYSTEM),
                ChatMessage.user("<image>Where was this photo taken?")), Media.images(4), true));
    }

    @Test
    void promptWithoutSystemAndVideoMatchRecordedIds() {
        Qwen2VLChatFormat noSystem = new Qwen2VLChatFormat(qwen, null);
        assertArrayEquals(ids(cases.get("chat_qwen2vl_user_image").path("ids")),
                noSystem.encode(List.of(ChatMessage.user("<image>Describe this street.")), Media.images(1), true));
        assertArrayEquals(ids(cases.get("chat_video").path("ids")), noSystem.encode(
                List.of(ChatMessage.user("<video>What happens at the crossing?")), Media.NONE.withVideos(2), false));
    }

    @Test
    void writtenOutPromptIsExpandedPerImage() {
        Qwen2VLChatFormat format = new Qwen2VLChatFormat(qwen);
        String prompt = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
                + "<|vision_start|><|image_pad|><|vision_end|>Where was this photo taken?<|im_end|>\n"
                + "<|im_start|>assistant\n";
        assertArrayEquals(ids(cases.get("chat_qwen2vl_system_4pads").path("ids")),
                format.encodePrompt(prompt, Media.images(4)));
        String two = "<|vision_start|><|image_pad|><|vision_end|> and <|vision_start|><|image_pad|><|vision_end|>";
        assertEquals("<|vision_start|>" + "<|image_pad|>".repeat(12) + "<|vision_end|> and <|vision_start|>"
                + "<|image_pad|>".repeat(77) + "<|vision_end|>", Qwen2VLChatFormat.expandPads(two, Media.images(12, 77)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Qwen2VLChatFormat.expandPads(two, Media.images(12)));
        assertTrue(e.getMessage().contains("2 <|image_pad|> but 1 images"), e.getMessage());
    }

    @Test
    void mergedTokensFollowTheGrid() {
        // The golden images: grids [1,6,8], [1,14,22] and [1,4,8] give 12, 77 and 8 tokens.
        assertEquals(12, Qwen2VLChatFormat.mergedTokens(1, 6, 8, 2));
        assertEquals(77, Qwen2VLChatFormat.mergedTokens(1, 14, 22, 2));
        assertEquals(8, Qwen2VLChatFormat.mergedTokens(1, 4, 8, 2));
        assertThrows(IllegalArgumentException.class, () -> Qwen2VLChatFormat.mergedTokens(1, 5, 8, 2));
    }

    /** The six training rows of the LoRA golden: anchors (image + instruction) and positives (text). */
    @Test
    void loraGoldenTrainingRows() throws IOException {
        JsonNode ref = new ObjectMapper().readTree(Fixtures.golden("lora_qwen2_vl", "reference.json").toFile());
        TinyTokenizer tiny = new TinyTokenizer(ref.path("tokenizer"));
        JsonNode train = ref.path("train");
        Qwen2VLChatFormat format = new Qwen2VLChatFormat(qwen, train.path("system").asText());
        for (int sample = 0; sample < 3; sample++) {
            String anchor = format.render(List.of(ChatMessage.user("<image>" + train.path("query_texts")
                    .get(sample).asText())), Media.images(train.path("n_image_tokens").get(sample).asInt()), true);
            anchor = Qwen2VLChatFormat.expandPads(anchor, Media.images(train.path("n_image_tokens").get(sample).asInt()));
            String positive = format.render(List.of(ChatMessage.user(train.path("positive_texts").get(sample).asText())),
                    Media.NONE, true);
            assertArrayEquals(realIds(train, 2 * sample), tiny.encode(anchor), "anchor " + sample);
            assertArrayEquals(realIds(train, 2 * sample + 1), tiny.encode(positive), "positive " + sample);
        }
    }

    /** Stage 2: {@code <graph><image>{query}} with one graph pad per node, at the recorded positions. */
    @Test
    void stage2GoldenRowsWithGraphs() throws IOException {
        JsonNode lora = new ObjectMapper().readTree(Fixtures.golden("lora_qwen2_vl", "reference.json").toFile());
        JsonNode inputs = new ObjectMapper().readTree(Fixtures.golden("uge_stage2", "reference.json").toFile())
                .path("inputs");
        TinyTokenizer tiny = new TinyTokenizer(lora.path("tokenizer"));
        Tokenizer withGraphs = Tokenizer.load(Fixtures.path("tokenizer", "qwen2"));
        withGraphs.addSpecialTokens(Qwen2VLChatFormat.GRAPH_START, Qwen2VLChatFormat.GRAPH_PAD,
                Qwen2VLChatFormat.GRAPH_END);
        Qwen2VLChatFormat format = new Qwen2VLChatFormat(withGraphs);
        int graphPad = withGraphs.tokenToId(Qwen2VLChatFormat.GRAPH_PAD);
        for (int sample = 0; sample < 2; sample++) {
            int row = 2 * sample;
            int nodes = inputs.path("graph_pad_positions").path(Integer.toString(row)).size();
            Media media = Media.images(inputs.path("n_image_tokens").get(sample).asInt()).withGraphs(nodes);
            List<ChatMessage> anchor = List.of(ChatMessage.user("<graph><image>" + inputs.path("query_texts")
                    .get(sample).asText()));
            String text = Qwen2VLChatFormat.expandPads(format.render(anchor, media, true), media);
            assertArrayEquals(realIds(inputs, row), tiny.encode(text), "anchor " + sample);
            // With the real tokenizer the graph pads sit at the same recorded positions.
            int[] real = format.encodeForEmbedding(anchor, media);
            List<Integer> pads = new ArrayList<>();
            for (int i = 0; i < real.length; i++) {
                if (real[i] == graphPad) {
                    pads.add(i);
                }
            }
            List<Integer> expected = new ArrayList<>();
            inputs.path("graph_pad_positions").path(Integer.toString(row)).forEach(p -> expected.add(p.asInt()));
            assertEquals(expected, pads, "graph pad positions of anchor " + sample);
            String positive = format.render(List.of(ChatMessage.user(inputs.path("positive_texts").get(sample)
                    .asText())), Media.NONE, true);
            assertArrayEquals(realIds(inputs, row + 1), tiny.encode(positive), "positive " + sample);
        }
    }

    @Test
    void mismatchedMediaAreErrors() {
        Qwen2VLChatFormat format = new Qwen2VLChatFormat(qwen);
        IllegalArgumentException tooManyTags = assertThrows(IllegalArgumentException.class, () -> format.render(
                List.of(ChatMessage.user("<image><image>x")), Media.images(5), true));
        assertTrue(tooManyTags.getMessage().contains("2 <image> tags but only 1 images"), tooManyTags.getMessage());
        IllegalArgumentException graphs = assertThrows(IllegalArgumentException.class, () -> format.render(
                List.of(ChatMessage.user("x")), Media.NONE.withGraphs(3), true));
        assertTrue(graphs.getMessage().contains("0 <graph> tags but 1 graphs"), graphs.getMessage());
        IllegalArgumentException noGraphTokens = assertThrows(IllegalArgumentException.class, () -> format.encode(
                List.of(ChatMessage.user("<graph>x")), Media.NONE.withGraphs(3), true));
        assertTrue(noGraphTokens.getMessage().contains("no special token <|graph_start|>"), noGraphTokens.getMessage());
        assertThrows(IllegalArgumentException.class, () -> format.render(
                List.of(ChatMessage.user("a"), ChatMessage.system("b")), Media.NONE, true));
    }

    @Test
    void assistantTurnAndMultiTurn() {
        Qwen2VLChatFormat format = new Qwen2VLChatFormat(qwen);
        String text = format.render(List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hello."),
                ChatMessage.user("Where?")), Media.NONE, true);
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>user\nWhere?<|im_end|>\n"
                + "<|im_start|>assistant\n", text);
        String answered = format.render(List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hello.")),
                Media.NONE, true);
        assertTrue(answered.endsWith("<|im_start|>assistant\nHello.<|im_end|>\n"), answered);
    }

    private static int[] realIds(JsonNode holder, int row) {
        JsonNode ids = holder.path("input_ids").get(row);
        JsonNode mask = holder.path("attention_mask").get(row);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            if (mask.get(i).asInt() == 1) {
                out.add(ids.get(i).asInt());
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The golden generator's stand-in tokenizer: its recorded piece regex and tiny vocabulary. */
    private static final class TinyTokenizer {
        private final Pattern pieces;
        private final Map<String, Integer> ids = new HashMap<>();

        TinyTokenizer(JsonNode spec) {
            pieces = Pattern.compile(spec.path("piece_regex").asText(), Pattern.UNICODE_CHARACTER_CLASS);
            spec.path("vocab").properties().forEach(e -> ids.put(e.getKey(), e.getValue().asInt()));
            spec.path("special").properties().forEach(e -> ids.put(e.getKey(), e.getValue().asInt()));
        }

        int[] encode(String text) {
            List<Integer> out = new ArrayList<>();
            Matcher m = pieces.matcher(text);
            int end = 0;
            while (m.find()) {
                assertEquals(end, m.start(), "text the piece regex skips at " + end + " in " + text);
                Integer id = ids.get(m.group());
                assertTrue(id != null, "piece \"" + m.group() + "\" is not in the tiny vocabulary");
                out.add(id);
                end = m.end();
            }
            assertEquals(text.length(), end, "unmatched tail of " + text);
            return out.stream().mapToInt(Integer::intValue).toArray();
        }
    }
}
