package org.urbangraph.ugdata.dataset;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The OpenStreetMap extracts that ship with the project ({@code fixtures/data/cities}) and the default split:
 * Monaco, Andorra and Liechtenstein for training, central Copenhagen held out. {@code ug data build --bundled}
 * and {@code ug quickstart} build from these.
 */
public final class BundledCities {
    /** One bundled city. */
    public record City(String id, String name, String file, Split split) {}

    public static final List<City> DEFAULT = List.of(
            new City("monaco", "Monaco", "monaco.osm.pbf", Split.TRAIN),
            new City("andorra", "Andorra", "andorra.osm.pbf", Split.TRAIN),
            new City("liechtenstein", "Liechtenstein", "liechtenstein.osm.pbf", Split.TRAIN),
            new City("copenhagen", "Copenhagen", "copenhagen-center.osm.pbf", Split.HELD_OUT));

    /** System property naming the folder that holds {@code cities/} (default: found from the working directory). */
    public static final String PROPERTY = "ug.data";

    private BundledCities() {}

    /**
     * The folder holding {@code cities/}: {@code -Dug.data}, else {@code $UG_DATA}, else {@code fixtures/data} in
     * the working directory or a parent of it, or next to the running jar.
     */
    public static Path dataDir() throws IOException {
        List<Path> tried = new ArrayList<>();
        String prop = System.getProperty(PROPERTY, System.getenv("UG_DATA"));
        if (prop != null) {
            Path p = Path.of(prop);
            if (Files.isDirectory(p.resolve("cities"))) {
                return p;
            }
            throw new NoSuchFileException(p.toString(), null, "no cities/ folder in the data folder given by -D"
                    + PROPERTY + " or UG_DATA");
        }
        List<Path> starts = BundledFiles.searchStarts();
        return BundledFiles.find(starts, Path.of("fixtures", "data"), d -> Files.isDirectory(d.resolve("cities")), tried)
                .orElseThrow(() -> new NoSuchFileException("fixtures/data", null, "bundled city extracts not found "
                        + "(looked in " + tried.size() + " places from " + starts.getFirst() + "); run from the "
                        + "repository, or set -D" + PROPERTY));
    }

    /** The extract of a bundled city, which must exist. */
    public static Path extract(City c) throws IOException {
        Path p = dataDir().resolve("cities").resolve(c.file());
        if (!Files.isRegularFile(p)) {
            throw new NoSuchFileException(p.toString(), null, "bundled extract of " + c.name() + " is missing");
        }
        return p;
    }
}
