package org.urbangraph.ugbench.task;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.urbangraph.ugdata.dataset.BenchSample;
import org.urbangraph.ugdata.dataset.Split;
import org.urbangraph.ugdata.dataset.UgDataset;

/**
 * The benchmark questions of one UGData dataset (one city), read and validated through {@link UgDataset}: every image
 * and graph a row names must exist, every row must be usable in each mode it lists, and each row must belong to this
 * city and split, and no query or candidate image may be an image of the dataset's training rows; the rows of a
 * perception task must list the same classes, each in fold {@code train} or {@code test}. At most
 * {@code maxPerTask} rows per task are kept: the first ones, which is a seeded random sample because the task writer
 * shuffles the benchmark images.
 *
 * @param dir the dataset directory
 * @param dataset the opened dataset
 * @param tasks questions by task file name, in catalogue order
 * @param available rows each task file holds (before the cap)
 */
public record CityBench(Path dir, UgDataset dataset, Map<String, List<BenchQuestion>> tasks,
        Map<String, Integer> available) {

    public String city() {
        return dataset.city();
    }

    public String cityName() {
        String n = dataset.manifest().cityName();
        return n == null || n.isBlank() ? city() : n;
    }

    public Split split() {
        return dataset.split();
    }

    /**
     * Reads the task files of a dataset.
     *
     * @param only task names to read; empty for every task the dataset holds
     */
    public static CityBench load(Path dir, int maxPerTask, Set<String> only) throws IOException {
        UgDataset ds = UgDataset.open(dir);
        if (ds.city() == null || ds.city().isBlank()) {
            throw new IOException(dir.resolve("manifest.json") + ": no 'city'");
        }
        String split;
        try {
            split = ds.split().label();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IOException(dir.resolve("manifest.json") + ": " + (e.getMessage() == null ? "no 'split'"
                    : e.getMessage()), e);
        }
        Map<Path, String> training = trainingImages(ds);
        List<String> names = new ArrayList<>(ds.benchTasks());
        names.sort((a, b) -> Integer.compare(TaskCatalog.order(a), TaskCatalog.order(b)));
        Map<String, List<BenchQuestion>> tasks = new LinkedHashMap<>();
        Map<String, Integer> available = new LinkedHashMap<>();
        for (String task : names) {
            if (!only.isEmpty() && !only.contains(task)) {
                continue;
            }
            List<BenchSample> rows = ds.bench(task);
            available.put(task, rows.size());
            List<BenchQuestion> qs = new ArrayList<>();
            BenchSample first = null;
            for (BenchSample s : rows.subList(0, Math.min(rows.size(), maxPerTask))) {
                check(s, task, ds.city(), split);
                checkNotTrained(s, ds, training);
                first = first == null ? s : first;
                if (TaskCatalog.isPerception(task) && !classes(s).equals(classes(first))) {
                    throw new IOException(s.source() + ": the classes " + classes(s) + " differ from "
                            + classes(first) + " of " + first.source() + "; a linear probe needs one label set");
                }
                try {
                    qs.add(TaskInputs.question(s));
                } catch (IllegalArgumentException e) {
                    throw new IOException(e.getMessage(), e);
                }
            }
            tasks.put(task, List.copyOf(qs));
        }
        return new CityBench(dir, ds, tasks, available);
    }

    /**
     * Every image the stage 1 and stage 2 rows name, normalised, with the file and line that first names it. Only the
     * rows' image paths are read: a malformed training row is {@code ug data check}'s to report, not a reason to
     * refuse a benchmark that does not use it.
     */
    private static Map<Path, String> trainingImages(UgDataset ds) throws IOException {
        Map<Path, String> out = new HashMap<>();
        for (String stage : List.of("stage1.jsonl", "stage2.jsonl")) {
            Path file = ds.dir().resolve(stage);
            if (!Files.isRegularFile(file)) {
                continue;
            }
            try (java.io.BufferedReader r = Files.newBufferedReader(file)) {
                int line = 0;
                for (String text = r.readLine(); text != null; text = r.readLine()) {
                    line++;
                    com.fasterxml.jackson.databind.JsonNode images;
                    try {
                        images = JSON.readTree(text).path("images");
                    } catch (com.fasterxml.jackson.core.JacksonException e) {
                        continue;
                    }
                    for (com.fasterxml.jackson.databind.JsonNode image : images) {
                        if (image.isTextual()) {
                            out.putIfAbsent(ds.dir().resolve(image.asText()).normalize(), file + ": line " + line);
                        }
                    }
                }
            }
        }
        return out;
    }

    /**
     * Refuses a row whose query image or any candidate image is a training image: a trained-on query image, or a
     * candidate whose caption a trained model has seen (a {@code text_to_image} truth that is a training image asks
     * for a trained pair back).
     */
    private static void checkNotTrained(BenchSample s, UgDataset ds, Map<Path, String> training) throws IOException {
        if (s.query().image() != null && training.containsKey(s.query().image().normalize())) {
            throw new IOException(s.source() + ": the query image " + ds.dir().relativize(s.query().image())
                    + " is also a training image (" + training.get(s.query().image().normalize())
                    + "), so this question would test a trained-on image; rebuild the dataset with 'ug data build'");
        }
        for (int i = 0; i < s.candidates().size(); i++) {
            Path image = s.candidates().get(i).image();
            if (image != null && training.containsKey(image.normalize())) {
                throw new IOException(s.source() + ": candidates[" + i + "] (" + s.candidates().get(i).id()
                        + ") is the image " + ds.dir().relativize(image) + ", also a training image ("
                        + training.get(image.normalize()) + "), so this question would test a trained-on image;"
                        + " rebuild the dataset with 'ug data build'");
            }
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    private static List<String> classes(BenchSample s) {
        return s.candidates().stream().map(BenchSample.Candidate::id).toList();
    }

    private static void check(BenchSample s, String task, String city, String split) throws IOException {
        if (!task.equals(s.task())) {
            throw new IOException(s.source() + ": row of task '" + s.task() + "' in the file of task '" + task + "'");
        }
        if (!city.equals(s.city())) {
            throw new IOException(s.source() + ": row of city '" + s.city() + "' in the dataset of '" + city + "'");
        }
        if (!split.equals(s.split())) {
            throw new IOException(s.source() + ": row of split '" + s.split() + "' in a '" + split + "' dataset");
        }
        if (TaskCatalog.isPerception(task) && (s.label() == null || s.fold() == null)) {
            throw new IOException(s.source() + ": a perception row needs 'label' and 'fold'");
        }
        if (TaskCatalog.isPerception(task) && !s.fold().equals("train") && !s.fold().equals("test")) {
            throw new IOException(s.source() + ": 'fold' is '" + s.fold() + "'; expected train or test");
        }
        if (TaskCatalog.isPerception(task) && !s.label().equals(s.truth().id())) {
            throw new IOException(s.source() + ": 'label' is '" + s.label() + "' but the answer is candidate '"
                    + s.truth().id() + "'");
        }
    }
}
