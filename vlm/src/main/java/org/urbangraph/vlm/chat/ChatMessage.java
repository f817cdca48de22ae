package org.urbangraph.vlm.chat;

import java.util.Objects;

/**
 * One turn of a conversation. The content is text in which media are marked by tags, as in the UGE / swift
 * JSONL data: {@code <image>} and {@code <video>} for the next image or video, {@code <graph>} for the next
 * spatial graph.
 */
public record ChatMessage(Role role, String content) {

    public enum Role {
        SYSTEM, USER, ASSISTANT;

        /** The role's name in the prompt ({@code system}, {@code user}, {@code assistant}). */
        public String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    public static ChatMessage system(String content) {
        return new ChatMessage(Role.SYSTEM, content);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage(Role.USER, content);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage(Role.ASSISTANT, content);
    }
}
