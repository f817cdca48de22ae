package org.urbangraph.uge.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import org.urbangraph.tensor.io.AtomicFile;
import org.urbangraph.ugdata.dataset.FileHashes;
import org.urbangraph.ugdata.dataset.UgDataset;
import org.urbangraph.ugdata.dataset.UgeSample;

/**
 * What a UGE model was trained on, accumulated over its stages (a stage-2 model keeps its stage-1 model's records and
 * adds its own): for each stage and dataset the city and split from the dataset's manifest, the SHA-256 of
 * {@code manifest.json}, the dataset directory and its number of distinct training images; and the SHA-256 of every
 * training image's bytes. UGBench reads it to refuse benchmark images the model was trained on and held-out datasets
 * of a city it was trained on.
 *
 * <p>In a model directory, {@code uge.json} lists the datasets under {@code training_data} and names the image hashes'
 * file under {@code training_images} ({@value #IMAGES_FILE}: one lower-case hex hash per line, sorted, no
 * duplicates). A directory written before these records existed has neither: {@link #NONE}, whose training data is
 * unknown.
 */
public final class TrainingData {

    /** The file of the training images' hashes in a model directory. */
    public static final String IMAGES_FILE = "training_images.txt";

    /**
     * One dataset one stage trained on.
     *
     * @param stage the UGE stage (1 or 2) that trained on it
     * @param city the city id of its manifest
     * @param split the split of its manifest ("train"; {@code ug train} refuses any other)
     * @param manifestSha256 SHA-256 of its {@code manifest.json}, lower-case hex
     * @param dataset its directory, absolute, as it was when the model trained
     * @param images distinct training images (by content) of its rows of that stage
     */
    public record Dataset(int stage, String city, String split, String manifestSha256, String dataset, int images) {}

    /** No records: a model directory written before training data was recorded, or a model not trained here. */
    public static final TrainingData NONE = new TrainingData(List.of(), new TreeSet<>());

    private final List<Dataset> datasets;
    private final SortedSet<String> imageHashes;

    private TrainingData(List<Dataset> datasets, SortedSet<String> imageHashes) {
        this.datasets = List.copyOf(datasets);
        this.imageHashes = Collections.unmodifiableSortedSet(imageHashes);
    }

    /**
     * The record of one dataset a stage trains on: its manifest's city, split and SHA-256, and the hash of every image
     * the given rows (the rows of that stage, as the trainer gets them) name.
     */
    public static TrainingData of(int stage, UgDataset dataset, List<UgeSample> rows) throws IOException {
        Set<Path> files = new LinkedHashSet<>();
        for (UgeSample s : rows) {
            for (Path image : s.images()) {
                files.add(image.toAbsolutePath().normalize());
            }
        }
        SortedSet<String> hashes = new TreeSet<>();
        for (Path f : files) {
            hashes.add(sha256(f));
        }
        Path dir = dataset.dir().toAbsolutePath().normalize();
        Dataset d = new Dataset(stage, dataset.city(), dataset.manifest().split(),
                sha256(dir.resolve("manifest.json")), dir.toString(), hashes.size());
        return new TrainingData(List.of(d), hashes);
    }

    /** These records and {@code other}'s: the datasets of both (each once), the images of both. */
    public TrainingData plus(TrainingData other) {
        if (other.isEmpty()) {
            return this;
        }
        Set<Dataset> all = new LinkedHashSet<>(datasets);
        all.addAll(other.datasets);
        SortedSet<String> hashes = new TreeSet<>(imageHashes);
        hashes.addAll(other.imageHashes);
        return new TrainingData(new ArrayList<>(all), hashes);
    }

    /** Whether nothing is recorded (the training data is unknown). */
    public boolean isEmpty() {
        return datasets.isEmpty();
    }

    public List<Dataset> datasets() {
        return datasets;
    }

    /** SHA-256 of every training image's bytes, lower-case hex, sorted. */
    public SortedSet<String> imageHashes() {
        return imageHashes;
    }

    /** The stages with records. */
    public SortedSet<Integer> stages() {
        SortedSet<Integer> s = new TreeSet<>();
        datasets.forEach(d -> s.add(d.stage()));
        return s;
    }

    /** The recorded datasets of a city, in record order. */
    public List<Dataset> datasetsOf(String city) {
        return datasets.stream().filter(d -> d.city() != null && d.city().equals(city)).toList();
    }

    /** SHA-256 of a file's bytes, lower-case hex. */
    public static String sha256(Path file) throws IOException {
        return FileHashes.sha256(file);
    }

    /**
     * Writes the records into a model directory: the image hashes to {@value #IMAGES_FILE} (through a temporary file
     * renamed into place), the datasets and the file's name and line count into {@code root} (uge.json's object). With
     * no records nothing is added, and an {@value #IMAGES_FILE} left from an earlier model in the directory is removed.
     */
    void write(Path dir, ObjectNode root) throws IOException {
        Path file = dir.resolve(IMAGES_FILE);
        if (isEmpty()) {
            Files.deleteIfExists(file);
            return;
        }
        StringBuilder s = new StringBuilder();
        imageHashes.forEach(h -> s.append(h).append('\n'));
        AtomicFile.writeString(file, s.toString(), false);
        ArrayNode list = root.putArray("training_data");
        for (Dataset d : datasets) {
            ObjectNode o = list.addObject();
            o.put("stage", d.stage());
            o.put("city", d.city());
            o.put("split", d.split());
            o.put("manifest_sha256", d.manifestSha256());
            o.put("dataset", d.dataset());
            o.put("images", d.images());
        }
        ObjectNode images = root.putObject("training_images");
        images.put("file", IMAGES_FILE);
        images.put("count", imageHashes.size());
    }

    /**
     * The records of a model directory whose {@code uge.json} is {@code root}; {@link #NONE} where it records none (a
     * directory written before they existed). A listed but missing, short or malformed hash file is an error naming it.
     */
    static TrainingData read(Path dir, JsonNode root) throws IOException {
        JsonNode list = root.get("training_data");
        if (list == null || list.isNull()) {
            return NONE;
        }
        Path json = dir.resolve("uge.json");
        if (!list.isArray()) {
            throw new IOException(json + ": 'training_data' must be a list of datasets, got " + list);
        }
        List<Dataset> datasets = new ArrayList<>();
        for (JsonNode d : list) {
            if (!d.path("stage").canConvertToInt() || !d.path("city").isTextual()) {
                throw new IOException(json + ": a 'training_data' entry needs 'stage' and 'city', got " + d);
            }
            datasets.add(new Dataset(d.get("stage").asInt(), d.get("city").asText(), d.path("split").asText(null),
                    d.path("manifest_sha256").asText(null), d.path("dataset").asText(null), d.path("images").asInt()));
        }
        JsonNode images = root.path("training_images");
        String name = images.path("file").asText(IMAGES_FILE);
        // absolute: "." normalises to the empty path, which no resolved file starts with
        Path base = dir.toAbsolutePath().normalize();
        Path file = base.resolve(name).normalize();
        if (!file.startsWith(base) || !Files.isRegularFile(file)) {
            throw new IOException(json + ": the training images' hashes (" + file + ") are missing; the model "
                    + "directory is incomplete");
        }
        SortedSet<String> hashes = new TreeSet<>();
        int line = 0;
        for (String h : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            line++;
            if (h.isBlank()) {
                continue;
            }
            if (!isSha256Hex(h)) {
                throw new IOException(file + ": line " + line + ": expected a SHA-256 in lower-case hex, got '" + h
                        + "'");
            }
            hashes.add(h);
        }
        if (images.has("count") && images.get("count").asInt() != hashes.size()) {
            throw new IOException(file + ": " + hashes.size() + " hashes, but " + json + " records "
                    + images.get("count").asInt() + "; the model directory is incomplete");
        }
        return new TrainingData(datasets, hashes);
    }

    /**
     * Whether a line is a SHA-256 in lower-case hex: 64 characters {@code 0-9a-f}. Checked by hand, not with a regular
     * expression, since a model load checks every training image's hash (hundreds of thousands).
     */
    static boolean isSha256Hex(String s) {
        if (s.length() != 64) {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            char c = s.charAt(i);
            if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrainingData t && t.datasets.equals(datasets) && t.imageHashes.equals(imageHashes);
    }

    @Override
    public int hashCode() {
        return datasets.hashCode() * 31 + imageHashes.hashCode();
    }

    @Override
    public String toString() {
        return "TrainingData" + datasets + ", " + imageHashes.size() + " images";
    }
}
