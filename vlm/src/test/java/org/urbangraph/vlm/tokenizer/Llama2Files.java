package org.urbangraph.vlm.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import org.urbangraph.testkit.Fixtures;

/**
 * Where the tests find Phi-3-Vision's own tokenizer files (the Llama-2 vocabulary plus Phi-3-V's added tokens).
 *
 * <p>The files are not in this repository: whether the Llama-2 vocabulary may be redistributed under the
 * Llama 2 Community License is unsettled. They are read from {@code -Dug.llama2.tokenizer.dir}, by default
 * {@code ../shared/tokenizer/llama2} next to the repository (or the nearest {@code shared/} further up); tests that
 * need them skip with {@link #missingMessage} when they are absent.
 */
public final class Llama2Files {
    private Llama2Files() {}

    public static final String PROPERTY = "ug.llama2.tokenizer.dir";

    public static Path directory() {
        String configured = System.getProperty(PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        // fixtures/ sits at the repository root; shared/ is its sibling on developer machines (a worktree may
        // sit deeper, so the nearest shared/ above the root counts too).
        Path root = Fixtures.root().toAbsolutePath().getParent();
        Path fallback = root.resolveSibling("shared").resolve("tokenizer").resolve("llama2");
        for (Path dir = root.getParent(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared").resolve("tokenizer").resolve("llama2");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return fallback;
    }

    /** Whether {@code tokenizer.json} and {@code cases.json} are there. */
    public static boolean present() {
        Path dir = directory();
        return Files.isRegularFile(dir.resolve("tokenizer.json")) && Files.isRegularFile(dir.resolve("cases.json"));
    }

    public static String missingMessage() {
        return "Llama-2 tokenizer files not found in " + directory() + " (set -D" + PROPERTY + "=DIR): they are kept "
                + "out of the repository because the Llama 2 Community License's redistribution terms for the "
                + "Llama-2 vocabulary are unsettled";
    }
}
