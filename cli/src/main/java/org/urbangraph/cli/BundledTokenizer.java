package org.urbangraph.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.urbangraph.ugdata.dataset.BundledFiles;

/**
 * The Qwen2 tokenizer folder of the tiny backbone ({@code ug quickstart}, {@code ug train --tiny}): the one given with
 * {@code --tokenizer}, relative to the working directory, or else the bundled {@code fixtures/tokenizer/qwen2}, found
 * as the bundled cities are (from the working directory, or next to the jar), so that {@code ug} run from another
 * directory does not fail half-way for want of it.
 */
final class BundledTokenizer {
    /** The bundled tokenizer, relative to the repository. */
    static final String DEFAULT = "fixtures/tokenizer/qwen2";

    /** The files the tiny backbone copies from the folder. */
    private static final List<String> FILES = List.of("tokenizer.json", "tokenizer_config.json");

    private BundledTokenizer() {}

    /** The folder to use, with its files checked: {@code given} (null: not given) or the bundled one. */
    static Path resolve(Path given) throws IOException {
        return resolve(given, BundledFiles.searchStarts());
    }

    /** As {@link #resolve(Path)}, searching for the bundled folder from {@code starts} and their parents. */
    static Path resolve(Path given, List<Path> starts) throws IOException {
        if (given != null) {
            for (String f : FILES) {
                if (!Files.isRegularFile(given.resolve(f))) {
                    throw new NoSuchFileException(given.resolve(f).toString(), null, "the Qwen2 tokenizer file "
                            + "is missing from the --tokenizer folder");
                }
            }
            return given;
        }
        List<Path> tried = new ArrayList<>();
        return BundledFiles.find(starts, Path.of(DEFAULT), BundledTokenizer::complete, tried)
                .orElseThrow(() -> new NoSuchFileException(DEFAULT, null, "the bundled Qwen2 tokenizer was not "
                        + "found (looked in " + tried.size() + " places from " + starts.getFirst() + " and from the "
                        + "jar); give its folder with --tokenizer DIR"));
    }

    private static boolean complete(Path dir) {
        return FILES.stream().allMatch(f -> Files.isRegularFile(dir.resolve(f)));
    }
}
