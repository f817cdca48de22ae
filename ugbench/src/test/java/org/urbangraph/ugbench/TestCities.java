package org.urbangraph.ugbench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.urbangraph.testkit.Fixtures;
import org.urbangraph.ugdata.dataset.Split;
import org.urbangraph.ugdata.dataset.UgDataBuilder;
import org.urbangraph.ugdata.dataset.UgDataConfig;

/**
 * Two small UGData datasets built once per test JVM and shared by the test classes: Berlin Tiergarten as a training
 * city (24 rendered views, half of them benchmark images) and Monaco held out (16 rendered views), 160 x 120 pixels,
 * 8 candidates per question.
 */
public final class TestCities {
    private TestCities() {}

    private static List<Path> dirs;

    public static synchronized List<Path> dirs() {
        if (dirs == null) {
            try {
                Path root = Files.createTempDirectory("ugbench-cities");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(root)));
                Path berlin = root.resolve("berlin");
                UgDataBuilder.build(UgDataConfig.builder(Fixtures.path("data", "cities", "berlin-tiergarten.osm.gz"),
                        berlin).render(24).evalFraction(0.5).seed(11).split(Split.TRAIN).imageSize(160, 120)
                        .bench(700, 8).threads(2).log(null).build());
                Path monaco = root.resolve("monaco");
                UgDataBuilder.build(UgDataConfig.builder(Fixtures.path("data", "cities", "monaco.osm.pbf"), monaco)
                        .render(16).seed(5).split(Split.HELD_OUT).imageSize(160, 120).bench(700, 8).threads(2)
                        .log(null).build());
                dirs = List.of(berlin, monaco);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dirs;
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort at exit
        }
    }
}
