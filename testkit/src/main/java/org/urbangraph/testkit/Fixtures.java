package org.urbangraph.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the repository's {@code fixtures/} folder (golden tensors, tokenizers, city extracts) from a test.
 *
 * <p>Maven passes {@code ug.fixtures}; an IDE run falls back to walking up from the working directory.
 * A fixture that is missing is a broken checkout, so this fails loudly instead of skipping.
 */
public final class Fixtures {
    private Fixtures() {}

    public static Path root() {
        String prop = System.getProperty("ug.fixtures");
        if (prop != null && Files.isDirectory(Path.of(prop))) {
            return Path.of(prop);
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            Path candidate = dir.resolve("fixtures");
            if (Files.isDirectory(candidate.resolve("golden"))) {
                return candidate;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("fixtures/ not found above " + Path.of("").toAbsolutePath()
                + "; run the tests from a full checkout of the repository");
    }

    /** A file or folder under {@code fixtures/}, which must exist. */
    public static Path path(String first, String... more) {
        Path p = root().resolve(Path.of(first, more));
        if (!Files.exists(p)) {
            throw new IllegalStateException("missing fixture " + p);
        }
        return p;
    }

    public static Path golden(String first, String... more) {
        return path("golden", join(first, more));
    }

    private static String join(String first, String... more) {
        return more.length == 0 ? first : first + "/" + String.join("/", more);
    }
}
