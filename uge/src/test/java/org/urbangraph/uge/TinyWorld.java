package org.urbangraph.uge;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.uge.model.TinyBackbone;
import org.urbangraph.ugdata.dataset.UgDataBuilder;
import org.urbangraph.ugdata.dataset.UgDataConfig;

/**
 * A tiny random backbone and a small Monaco UGData build, made once per test JVM in a temporary folder and shared by
 * the UGE tests (the UGE, CLI and UGBench tests reach it through the uge test jar).
 */
public final class TinyWorld {
    private TinyWorld() {}

    private static Path root;

    private static synchronized Path root() {
        if (root == null) {
            try {
                root = Files.createTempDirectory("ug-tiny-world");
                root.toFile().deleteOnExit();
                TinyBackbone.create(root.resolve("backbone"), Fixtures.path("tokenizer", "qwen2"), 7);
                UgDataBuilder.build(UgDataConfig.builder(Fixtures.path("data", "cities", "monaco.osm.pbf"),
                        root.resolve("monaco")).render(12).seed(5).threads(2).imageSize(112, 112)
                        .subgraph(300, 24).bench(40, 5).log(null).build());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return root;
    }

    /** The untrained tiny Qwen2-VL-architecture model directory. */
    public static Path backbone() {
        return root().resolve("backbone");
    }

    /** A Monaco dataset (12 rendered views at 112x112, subgraphs of at most 24 nodes). */
    public static Path monaco() {
        return root().resolve("monaco");
    }
}
