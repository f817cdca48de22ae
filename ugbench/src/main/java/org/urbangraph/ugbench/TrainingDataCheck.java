package org.urbangraph.ugbench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.urbangraph.ugbench.cache.InputHasher;
import org.urbangraph.ugbench.task.BenchData;
import org.urbangraph.ugbench.task.BenchQuestion;
import org.urbangraph.ugbench.task.CityBench;
import org.urbangraph.uge.embed.TrainedOn;
import org.urbangraph.uge.model.TrainingData;
import org.urbangraph.ugdata.dataset.BenchSample;
import org.urbangraph.ugdata.dataset.Progress;
import org.urbangraph.ugdata.dataset.Split;

/**
 * Refuses, before anything is embedded, a benchmark that would test a variant's model on what it trained on, as its
 * model directory records it ({@link TrainedOn}): a held-out dataset of a city the model trained on (any dataset of
 * that city), and a query or candidate image whose bytes are those of one of its training images (a rebuild of a
 * training city with another seed splits its images otherwise, so the dataset's own training rows do not show them;
 * {@link CityBench} checks those). Variants without a model trained on UGData (a raw backbone, the baselines) are not
 * checked; a UGE model that records no training data is not checked either, and gets a warning.
 *
 * <p>Images are hashed by the run's {@link InputHasher}, which remembers each file's digest, so the embedding cache's
 * keys reuse them and each benchmark image is read once per run.
 */
final class TrainingDataCheck {
    private TrainingDataCheck() {}

    /** Above this many distinct benchmark images the hashing prints progress lines. */
    static final int PROGRESS_FROM = 1000;

    /**
     * Checks every variant against the questions that will be asked (those under the per-task cap).
     *
     * @param digest the SHA-256 of a file's bytes, lower-case hex ({@link InputHasher#fileDigest}, whose digests the
     *     embedding cache then reuses)
     * @param log progress lines while many images are hashed, or null for none
     * @return one warning per variant whose training data is not, or not wholly, recorded
     * @throws IOException naming the dataset, the question's file and line, the image (or the city) and the model
     */
    static List<String> check(BenchData data, List<BenchVariant> variants, Function<Path, String> digest,
            PrintStream log) throws IOException {
        List<String> warnings = new ArrayList<>();
        Map<Path, String> hashes = null; // each benchmark image hashed once, for all variants
        for (BenchVariant v : variants) {
            TrainedOn trained = v.embedder().trainedOn();
            if (trained == null) {
                continue;
            }
            String warning = trained.warning();
            if (warning != null) {
                warnings.add("Variant '" + v.name() + "': " + warning + ".");
            }
            if (!trained.known()) {
                continue;
            }
            for (CityBench c : data.cities()) {
                heldOut(c, v, trained);
            }
            if (hashes == null) {
                hashes = hashes(data, digest, log);
            }
            for (CityBench c : data.cities()) {
                for (List<BenchQuestion> questions : c.tasks().values()) {
                    for (BenchQuestion q : questions) {
                        images(c, q.sample(), v, trained, hashes);
                    }
                }
            }
        }
        return warnings;
    }

    /** The digest of every query and candidate image of the questions, by absolute normalised path. */
    private static Map<Path, String> hashes(BenchData data, Function<Path, String> digest, PrintStream log)
            throws IOException {
        Set<Path> files = new LinkedHashSet<>();
        for (CityBench c : data.cities()) {
            for (List<BenchQuestion> questions : c.tasks().values()) {
                for (BenchQuestion q : questions) {
                    BenchSample s = q.sample();
                    if (s.query().image() != null) {
                        files.add(s.query().image().toAbsolutePath().normalize());
                    }
                    for (BenchSample.Candidate cand : s.candidates()) {
                        if (cand.image() != null) {
                            files.add(cand.image().toAbsolutePath().normalize());
                        }
                    }
                }
            }
        }
        Progress progress = log == null || files.size() < PROGRESS_FROM ? null
                : new Progress(log, "hashing benchmark images for the training-data check", files.size());
        Map<Path, String> hashes = new HashMap<>();
        for (Path f : files) {
            try {
                hashes.put(f, digest.apply(f));
            } catch (UncheckedIOException e) {
                throw new IOException(e.getMessage(), e.getCause());
            }
            if (progress != null) {
                progress.step();
            }
        }
        if (progress != null) {
            progress.finish();
        }
        return hashes;
    }

    private static void heldOut(CityBench c, BenchVariant v, TrainedOn trained) throws IOException {
        if (c.split() == Split.TRAIN) {
            return;
        }
        List<TrainingData.Dataset> same = trained.data().datasetsOf(c.city());
        if (!same.isEmpty()) {
            TrainingData.Dataset d = same.getFirst();
            throw new IOException(c.dir() + " is a held-out dataset of city '" + c.city() + "', but the model "
                    + trained.model() + " (variant '" + v.name() + "') was trained on " + c.city() + " (stage "
                    + d.stage() + ", dataset " + d.dataset() + "), so the city is not held out for it; benchmark "
                    + c.city() + " with a dataset of split train, or a model not trained on it");
        }
    }

    private static void images(CityBench c, BenchSample s, BenchVariant v, TrainedOn trained, Map<Path, String> hashes)
            throws IOException {
        if (s.query().image() != null) {
            refuseTrained(c, s, "the query image", s.query().image(), v, trained, hashes);
        }
        for (int i = 0; i < s.candidates().size(); i++) {
            BenchSample.Candidate cand = s.candidates().get(i);
            if (cand.image() != null) {
                refuseTrained(c, s, "candidates[" + i + "] (" + cand.id() + "), the image", cand.image(), v, trained,
                        hashes);
            }
        }
    }

    private static void refuseTrained(CityBench c, BenchSample s, String what, Path image, BenchVariant v,
            TrainedOn trained, Map<Path, String> hashes) throws IOException {
        String hash = hashes.get(image.toAbsolutePath().normalize());
        if (trained.data().imageHashes().contains(hash)) {
            Path shown = image.startsWith(c.dir()) ? c.dir().relativize(image) : image;
            throw new IOException("dataset " + c.dir() + ": " + s.source() + ": " + what + " " + shown + " has the "
                    + "bytes of a training image of the model " + trained.model() + " (variant '" + v.name()
                    + "'; SHA-256 " + hash + "), so this question would test a trained-on image; benchmark the model "
                    + "on a dataset whose images it did not train on");
        }
    }
}
