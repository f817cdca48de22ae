package org.urbangraph.vlm.chat;

import java.util.ArrayList;
import java.util.List;
import org.urbangraph.vlm.tokenizer.Tokenizer;

/**
 * The Qwen2-VL chat layout (ms-swift's {@code qwen2_vl} template, which UGE trains with, and the Hugging Face
 * chat template of Qwen2-VL-Instruct):
 *
 * <pre>
 * &lt;|im_start|&gt;system\nYou are a helpful assistant.&lt;|im_end|&gt;\n
 * &lt;|im_start|&gt;user\n&lt;|vision_start|&gt;&lt;|image_pad|&gt;×n&lt;|vision_end|&gt;{text}&lt;|im_end|&gt;\n
 * &lt;|im_start|&gt;assistant\n
 * </pre>
 *
 * with one {@code <|image_pad|>} per merged vision token of that image. For embeddings (UGE) there is no
 * assistant answer: the prompt ends after {@code assistant\n}, and that last newline is the pooled token.
 * UGE's stage 2 adds {@code <graph>}: {@code <|graph_start|>}, one {@code <|graph_pad|>} per graph node,
 * {@code <|graph_end|>}; those three tokens must first be added to the tokenizer
 * ({@link Tokenizer#addSpecialTokens}).
 *
 * <p>This class builds text and ids only; it never looks at pixels. The number of tokens of each image comes
 * from the image processor ({@link #mergedTokens}).
 */
public final class Qwen2VLChatFormat {
    public static final String DEFAULT_SYSTEM = "You are a helpful assistant.";

    public static final String IMAGE_TAG = "<image>";
    public static final String VIDEO_TAG = "<video>";
    public static final String GRAPH_TAG = "<graph>";

    public static final String IM_START = "<|im_start|>";
    public static final String IM_END = "<|im_end|>";
    public static final String VISION_START = "<|vision_start|>";
    public static final String VISION_END = "<|vision_end|>";
    public static final String IMAGE_PAD = "<|image_pad|>";
    public static final String VIDEO_PAD = "<|video_pad|>";
    public static final String GRAPH_START = "<|graph_start|>";
    public static final String GRAPH_PAD = "<|graph_pad|>";
    public static final String GRAPH_END = "<|graph_end|>";

    /** How many vision tokens each image, video and graph contributes (a graph: its node count). */
    public record Media(int[] imageTokens, int[] videoTokens, int[] graphNodes) {
        public Media {
            imageTokens = imageTokens == null ? new int[0] : imageTokens.clone();
            videoTokens = videoTokens == null ? new int[0] : videoTokens.clone();
            graphNodes = graphNodes == null ? new int[0] : graphNodes.clone();
        }

        public static final Media NONE = new Media(null, null, null);

        @Override
        public int[] imageTokens() {
            return imageTokens.clone();
        }

        @Override
        public int[] videoTokens() {
            return videoTokens.clone();
        }

        @Override
        public int[] graphNodes() {
            return graphNodes.clone();
        }

        public static Media images(int... tokens) {
            return new Media(tokens, null, null);
        }

        public Media withGraphs(int... nodes) {
            return new Media(imageTokens, videoTokens, nodes);
        }

        public Media withVideos(int... tokens) {
            return new Media(imageTokens, tokens, graphNodes);
        }
    }

    private final Tokenizer tokenizer;
    private final String defaultSystem;

    /** The format with the default system prompt that swift's {@code qwen2_vl} template uses. */
    public Qwen2VLChatFormat(Tokenizer tokenizer) {
        this(tokenizer, DEFAULT_SYSTEM);
    }

    /**
     * @param defaultSystem the system prompt used when the messages do not start with one; null for none
     */
    public Qwen2VLChatFormat(Tokenizer tokenizer, String defaultSystem) {
        this.tokenizer = tokenizer;
        this.defaultSystem = defaultSystem;
        for (String token : List.of(IM_START, IM_END, VISION_START, VISION_END, IMAGE_PAD, VIDEO_PAD)) {
            requireToken(token, "it is not a Qwen2-VL tokenizer");
        }
    }

    private void requireToken(String token, String why) {
        if (tokenizer.tokenToId(token) < 0 || tokenizer.encode(token, false).length != 1) {
            throw new IllegalArgumentException("tokenizer " + tokenizer.source() + " has no special token " + token
                    + " (" + why + ")");
        }
    }

    /** Number of {@code <|image_pad|>} tokens of an image: its patch grid t·h·w over the merge size squared. */
    public static int mergedTokens(long t, long h, long w, int mergeSize) {
        // The merger joins mergeSize x mergeSize neighbouring patches, so both sides must divide.
        if (t < 1 || h < 1 || w < 1 || mergeSize < 1 || h % mergeSize != 0 || w % mergeSize != 0) {
            throw new IllegalArgumentException("image grid " + t + "x" + h + "x" + w + " does not merge by "
                    + mergeSize + "x" + mergeSize);
        }
        return Math.toIntExact(t * (h / mergeSize) * (w / mergeSize));
    }

    /**
     * The prompt text, with one pad per image, video and graph (as the Hugging Face chat template writes it).
     * Images beyond the {@code <image>} tags of the messages get tags put in front of the first non-system
     * message, as swift does; likewise videos.
     *
     * @param addGenerationPrompt whether to open an assistant turn at the end (ignored when the last message is
     *     the assistant's)
     */
    public String render(List<ChatMessage> messages, Media media, boolean addGenerationPrompt) {
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("a chat prompt needs at least one message");
        }
        List<ChatMessage> turns = withDefaultTags(messages, media);
        StringBuilder out = new StringBuilder();
        int first = 0;
        if (turns.getFirst().role() == ChatMessage.Role.SYSTEM) {
            appendTurn(out, "system", turns.getFirst().content());
            first = 1;
        } else if (defaultSystem != null) {
            appendTurn(out, "system", defaultSystem);
        }
        for (int i = first; i < turns.size(); i++) {
            ChatMessage m = turns.get(i);
            if (m.role() == ChatMessage.Role.SYSTEM) {
                throw new IllegalArgumentException("message " + i + ": a system message may only come first");
            }
            appendTurn(out, m.role().tag(), expandTags(m.content()));
        }
        if (addGenerationPrompt && turns.getLast().role() != ChatMessage.Role.ASSISTANT) {
            out.append(IM_START).append("assistant\n");
        }
        return out.toString();
    }

    private static void appendTurn(StringBuilder out, String role, String content) {
        out.append(IM_START).append(role).append('\n').append(content).append(IM_END).append('\n');
    }

    private List<ChatMessage> withDefaultTags(List<ChatMessage> messages, Media media) {
        StringBuilder all = new StringBuilder();
        int firstTurn = -1;
        for (int i = 0; i < messages.size(); i++) {
            all.append(messages.get(i).content()).append('\n');
            if (firstTurn < 0 && messages.get(i).role() != ChatMessage.Role.SYSTEM) {
                firstTurn = i;
            }
        }
        String prefix = missingTags(all.toString(), IMAGE_TAG, media.imageTokens().length, "images")
                + missingTags(all.toString(), VIDEO_TAG, media.videoTokens().length, "videos");
        int graphTags = count(all.toString(), GRAPH_TAG);
        if (graphTags != media.graphNodes().length) {
            throw new IllegalArgumentException("the messages have " + graphTags + " " + GRAPH_TAG + " tags but "
                    + media.graphNodes().length + " graphs are given; write one tag where each graph goes");
        }
        if (prefix.isEmpty()) {
            return messages;
        }
        if (firstTurn < 0) {
            throw new IllegalArgumentException("media are given but there is no user message to hold them");
        }
        List<ChatMessage> out = new ArrayList<>(messages);
        ChatMessage m = out.get(firstTurn);
        out.set(firstTurn, new ChatMessage(m.role(), prefix + m.content()));
        return out;
    }

    private static String missingTags(String text, String tag, int given, String what) {
        int tags = count(text, tag);
        if (tags > given) {
            throw new IllegalArgumentException("the messages have " + tags + " " + tag + " tags but only " + given
                    + " " + what + " are given");
        }
        return tag.repeat(given - tags);
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }

    private static String expandTags(String content) {
        return content.replace(IMAGE_TAG, VISION_START + IMAGE_PAD + VISION_END)
                .replace(VIDEO_TAG, VISION_START + VIDEO_PAD + VISION_END)
                .replace(GRAPH_TAG, GRAPH_START + GRAPH_PAD + GRAPH_END);
    }

    /**
     * Repeats each {@code <|image_pad|>} of {@code prompt} once per token of the next image, each
     * {@code <|video_pad|>} for the next video and each {@code <|graph_pad|>} for the next graph: what the Hugging
     * Face {@code Qwen2VLProcessor} does to a prompt whose special tokens are written out. The number of pads and
     * of media must agree.
     */
    public static String expandPads(String prompt, Media media) {
        String out = expand(prompt, IMAGE_PAD, media.imageTokens(), "images");
        out = expand(out, VIDEO_PAD, media.videoTokens(), "videos");
        return expand(out, GRAPH_PAD, media.graphNodes(), "graphs");
    }

    private static String expand(String prompt, String pad, int[] counts, String what) {
        int found = count(prompt, pad);
        if (found != counts.length) {
            throw new IllegalArgumentException("the prompt has " + found + " " + pad + " but " + counts.length + " "
                    + what + " are given; write " + pad + " once per " + what.substring(0, what.length() - 1));
        }
        StringBuilder out = new StringBuilder(prompt.length());
        int from = 0;
        for (int count : counts) {
            if (count < 1) {
                throw new IllegalArgumentException("each of the " + what + " needs at least one token, got " + count);
            }
            int at = prompt.indexOf(pad, from);
            out.append(prompt, from, at).append(pad.repeat(count));
            from = at + pad.length();
        }
        return out.append(prompt, from, prompt.length()).toString();
    }

    /** The ids of a conversation: {@link #render}, then {@link #expandPads}, then the tokenizer. */
    public int[] encode(List<ChatMessage> messages, Media media, boolean addGenerationPrompt) {
        if (media.graphNodes().length > 0) {
            for (String token : List.of(GRAPH_START, GRAPH_PAD, GRAPH_END)) {
                requireToken(token, "add UGE's graph tokens with Tokenizer.addSpecialTokens first");
            }
        }
        return tokenizer.encode(expandPads(render(messages, media, addGenerationPrompt), media), true);
    }

    /**
     * The ids of a prompt written out in full (special tokens included), with its pads expanded for the given
     * media, as {@code ug embed --prompt} takes it.
     */
    public int[] encodePrompt(String prompt, Media media) {
        return tokenizer.encode(expandPads(prompt, media), true);
    }

    /** UGE's embedding input: the conversation, then the assistant turn opened with nothing after it. */
    public int[] encodeForEmbedding(List<ChatMessage> messages, Media media) {
        return encode(messages, media, true);
    }
}
