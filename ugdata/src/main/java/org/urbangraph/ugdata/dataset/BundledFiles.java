package org.urbangraph.ugdata.dataset;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Finds what ships in the repository (the city extracts, the Qwen2 tokenizer under {@code fixtures/}) wherever
 * {@code ug} runs: from the working directory and its parents, then from the running jar (or classes folder) and its
 * parents. So {@code ug} started in another directory still finds the files of the checkout its jar was built in.
 */
public final class BundledFiles {
    private BundledFiles() {}

    /** Where a search starts: the working directory, then the jar or classes folder these classes were loaded from. */
    public static List<Path> searchStarts() {
        List<Path> starts = new ArrayList<>();
        starts.add(Path.of("").toAbsolutePath());
        try {
            starts.add(Path.of(BundledFiles.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        } catch (URISyntaxException | SecurityException | NullPointerException | IllegalArgumentException ignored) {
            // no code location: the working directory alone is searched
        }
        return starts;
    }

    /**
     * The first {@code start/relative} that {@code accept} takes, trying each start and then its parents in turn, or
     * empty when none does.
     *
     * @param tried collects every candidate looked at (for the message when none is found); may be null
     */
    public static Optional<Path> find(List<Path> starts, Path relative, Predicate<Path> accept, List<Path> tried) {
        for (Path start : starts) {
            for (Path d = start.toAbsolutePath(); d != null; d = d.getParent()) {
                Path candidate = d.resolve(relative);
                if (tried != null) {
                    tried.add(candidate);
                }
                if (accept.test(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }
}
