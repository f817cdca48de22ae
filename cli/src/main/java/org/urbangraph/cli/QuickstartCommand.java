package org.urbangraph.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.urbangraph.uge.embed.UgeEmbedder;
import org.urbangraph.uge.model.TinyBackbone;
import org.urbangraph.uge.model.TrainingData;
import org.urbangraph.uge.model.UgeModel;
import org.urbangraph.uge.model.UgeModels;
import org.urbangraph.uge.train.TrainConfig;
import org.urbangraph.uge.train.TrainingExample;
import org.urbangraph.uge.train.UgeTrainer;
import org.urbangraph.ugbench.BenchConfig;
import org.urbangraph.ugbench.task.BenchData;
import org.urbangraph.ugbench.BenchResults;
import org.urbangraph.ugbench.BenchVariant;
import org.urbangraph.ugbench.UgBench;
import org.urbangraph.ugbench.embed.BackboneEmbedder;
import org.urbangraph.ugdata.dataset.BundledCities;
import org.urbangraph.ugdata.dataset.Split;
import org.urbangraph.ugdata.dataset.UgDataBuilder;
import org.urbangraph.ugdata.dataset.UgDataConfig;
import org.urbangraph.ugdata.dataset.UgDataset;
import org.urbangraph.ugdata.dataset.UgeSample;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ug quickstart}, the main job: the whole of UrbanGraphEmbeddings at toy scale on the bundled data, in minutes on
 * a laptop CPU. It builds UGData for Monaco, Andorra and Liechtenstein (training) and Copenhagen (held out), trains
 * both UGE stages of a tiny untrained Qwen2-VL-architecture backbone, evaluates UGBench for the untrained backbone,
 * stage 1 and stages 1+2 on every city, prints the table and writes the full report.
 */
@Command(name = "quickstart", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Builds UGData from the bundled cities, trains UGE stage 1 and stage 2 of a tiny backbone, runs "
                + "UGBench on training and held-out cities, prints the table and writes the report.",
            "Everything goes under --out; a second run builds and trains everything again, replacing what the "
                + "first left there (the embedding cache is kept: its entries are keyed by the models' and inputs' "
                + "content)."})
public final class QuickstartCommand implements Callable<Integer> {

    /**
     * Candidates per benchmark question: with 20, Hit@10 still separates models (with 10 it would be 1 for all);
     * the same default as {@code ug data build}.
     */
    static final int CANDIDATES = 20;

    @Spec
    CommandSpec spec;

    @Option(names = "--out", defaultValue = "runs/quickstart", paramLabel = "DIR",
            description = "Output directory (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--views", defaultValue = "60", description = "Rendered street views per city (default 60).")
    int views;

    @Option(names = "--eval-fraction", defaultValue = "0.35", description = "Share of a training city's images kept "
            + "for UGBench (default 0.35: with 60 views, 21 images, so that every image question has its truth and "
            + "20 wrong candidates, all of them images no stage trained on).")
    double evalFraction;

    @Option(names = "--stage1-steps", defaultValue = "120", description = "Stage-1 steps (default 120).")
    int stage1Steps;

    @Option(names = "--stage2-steps", defaultValue = "120", description = "Stage-2 steps (default 120).")
    int stage2Steps;

    @Option(names = "--batch-size", defaultValue = "8", description = "Samples per step (default 8).")
    int batchSize;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Base learning rate (default 1e-3: the tiny backbone "
            + "starts from scratch, so it needs far more than the authors' 5e-5 for a pretrained one).")
    double lr;

    @Option(names = "--tau", defaultValue = "0.05", description = "InfoNCE temperature (default 0.05).")
    double tau;

    @Option(names = "--bench-max", defaultValue = "30", description = "UGBench questions per task and city (default "
            + "30; the full benchmark takes up to 700).")
    int benchMax;

    @Option(names = "--max-graph-nodes", defaultValue = "32", description = "Subgraph node cap (default 32).")
    int maxGraphNodes;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of everything (default 0).")
    long seed;

    @Option(names = "--tokenizer", paramLabel = "DIR", description = "Folder holding the Qwen2 tokenizer.json "
            + "(default: the bundled " + BundledTokenizer.DEFAULT + ", found from the working directory or the jar).")
    Path tokenizer;

    /** Refuses a numeric option out of its range before anything is built. */
    private void checkRanges() {
        require(views >= 1, "--views must be at least 1, got " + views);
        require(evalFraction > 0 && evalFraction < 1, "--eval-fraction must be between 0 and 1 (both excluded: the "
                + "training cities need images for the benchmark and for training), got " + evalFraction);
        require(stage1Steps >= 1, "--stage1-steps must be at least 1, got " + stage1Steps);
        require(stage2Steps >= 1, "--stage2-steps must be at least 1, got " + stage2Steps);
        require(batchSize >= 2, "--batch-size must be at least 2 (a contrastive batch), got " + batchSize);
        require(lr > 0 && Double.isFinite(lr), "--lr must be a finite number above 0, got " + lr);
        require(tau > 0 && Double.isFinite(tau), "--tau must be a finite number above 0, got " + tau);
        require(benchMax >= 1, "--bench-max must be at least 1, got " + benchMax);
        require(maxGraphNodes >= 1, "--max-graph-nodes must be at least 1, got " + maxGraphNodes);
    }

    private void require(boolean ok, String message) {
        if (!ok) {
            throw new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }

    @Override
    public Integer call() throws IOException {
        checkRanges();
        PrintWriter log = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        // the inputs of every step, before the first: a missing one would otherwise stop the run minutes in
        Path tokenizerDir = BundledTokenizer.resolve(tokenizer);
        for (BundledCities.City c : BundledCities.DEFAULT) {
            BundledCities.extract(c);
        }
        Files.createDirectories(out);

        log.println("== 1/5 UGData: bundled OpenStreetMap cities (Map data (c) OpenStreetMap contributors, ODbL)");
        log.flush();
        List<Path> datasets = new ArrayList<>();
        List<Path> training = new ArrayList<>();
        for (BundledCities.City c : BundledCities.DEFAULT) {
            // built again on every run (seconds), so that a dataset never outlives the settings or the version
            // of the builder that made it
            Path dir = out.resolve("data").resolve(c.id());
            UgDataConfig.Builder b = UgDataConfig.builder(BundledCities.extract(c), dir).city(c.id())
                    .cityName(c.name()).split(c.split()).render(views).seed(seed)
                    .evalFraction(c.split() == Split.TRAIN ? evalFraction : 1.0).imageSize(TinyBackbone.IMAGE_SIDE,
                            TinyBackbone.IMAGE_SIDE).subgraph(500, maxGraphNodes).bench(benchMax, CANDIDATES)
                    .overwrite(true).log(new java.io.PrintStream(new WriterStream(log), true));
            Path placed = BundledCities.dataDir().resolve("images").resolve("lund-placed-in-monaco.csv");
            if (c.id().equals("monaco") && Files.isRegularFile(placed)) {
                b.photoManifest(placed); // the real photos, placed synthetically in Monaco (labelled so)
            }
            UgDataBuilder.build(b.build());
            datasets.add(dir);
            if (c.split() == Split.TRAIN) {
                training.add(dir);
            }
            log.println("   " + c.name() + " (" + (c.split() == Split.TRAIN ? "training" : "held out") + "): " + dir);
        }
        log.flush();

        log.println("== 2/5 backbone: a tiny untrained Qwen2-VL-architecture model (real Qwen2 tokenizer); its base "
                + "weights train too, since it knows nothing yet");
        Path backbone = out.resolve("tiny-backbone");
        // made afresh, but an identical one is kept as it is: the embedding cache keys the untrained variant by its
        // files' fingerprints, modification times included
        Path fresh = out.resolve(".tiny-backbone.new");
        if (Files.exists(fresh)) {
            deleteTree(fresh);
        }
        TinyBackbone.create(fresh, tokenizerDir, seed);
        if (sameFiles(fresh, backbone)) {
            deleteTree(fresh);
        } else {
            if (Files.exists(backbone)) {
                deleteTree(backbone);
            }
            Files.move(fresh, backbone);
        }
        log.flush();
        // a previous run's stages would otherwise mix their checkpoints and logs with this run's
        for (Path stage : List.of(out.resolve("stage1"), out.resolve("stage2"))) {
            if (Files.exists(stage)) {
                log.println("   replacing the previous run's " + stage);
                deleteTree(stage);
            }
        }

        List<TrainingExample> s1 = new ArrayList<>();
        List<TrainingExample> s2 = new ArrayList<>();
        TrainingData t1 = TrainingData.NONE;
        TrainingData t2 = TrainingData.NONE;
        for (Path d : training) {
            UgDataset ds = UgDataset.open(d);
            List<UgeSample> rows1 = ds.stage1();
            List<UgeSample> rows2 = ds.stage2();
            s1.addAll(TrainingExample.of(rows1));
            s2.addAll(TrainingExample.of(rows2));
            t1 = t1.plus(TrainingData.of(1, ds, rows1));
            t2 = t2.plus(TrainingData.of(2, ds, rows2));
        }
        log.println("== 3/5 UGE stage 1: image + instruction -> spatial context caption (" + s1.size() + " examples, "
                + stage1Steps + " steps)");
        log.flush();
        UgeModel m1 = UgeModels.stage1(backbone, true, seed, maxGraphNodes);
        TrainConfig c1 = new TrainConfig(1, batchSize, 1, 0, stage1Steps, 0, lr, 0.1, 0.05, 0.1, 1.0, tau, true, seed,
                50, 2, out.resolve("stage1"));
        Path stage1 = new UgeTrainer(m1, s1, c1, t1).run(log);

        log.println("== 4/5 UGE stage 2: graph + image + reasoning path -> caption, with the graph encoder ("
                + s2.size() + " examples, " + stage2Steps + " steps)");
        log.flush();
        UgeModel m2 = UgeModels.stage2(stage1, null, seed + 1);
        TrainConfig c2 = new TrainConfig(2, batchSize, 1, 0, stage2Steps, 0, lr, 0.1, 0.05, 0.1, 1.0, tau, true,
                seed + 1, 50, 2, out.resolve("stage2"));
        Path stage2 = new UgeTrainer(m2, s2, c2, t2).run(log);

        log.println("== 5/5 UGBench: geolocation, retrieval, perception (OSM-derived labels), grounding; training "
                + "cities and the held-out city");
        log.flush();
        BenchConfig bc = BenchConfig.builder(datasets).cache(out.resolve("embedding-cache")).maxPerTask(benchMax)
                .seed(seed).log(new java.io.PrintStream(new WriterStream(log), true)).build();
        BenchData data = UgBench.load(bc);
        List<BenchVariant> variants = List.of(
                new BenchVariant("untrained", BackboneEmbedder.load(backbone), false,
                        "the tiny backbone before training (random weights); graphs are ignored"),
                new BenchVariant("stage 1", UgeEmbedder.load(stage1, "stage1"), false,
                        "after UGE stage 1; a stage-1 model has no graph encoder"),
                new BenchVariant("stage 1+2", UgeEmbedder.load(stage2, "stage2"), true,
                        "after UGE stages 1 and 2 (graph encoder, node embeddings injected as tokens)"));
        BenchResults results = UgBench.run(bc, data, variants);
        Path report = out.resolve("report");
        UgBench.writeReports(results, report);
        stdout.print(UgBench.table(results));
        stdout.println();
        long secs = Math.round((System.nanoTime() - t0) / 1e9);
        stdout.println("Quickstart finished in " + secs / 60 + " min " + secs % 60 + " s.");
        stdout.println("Report: " + report.resolve("report.html").toAbsolutePath() + " (also results.md and "
                + "results.json)");
        stdout.println("Models: " + stage1.toAbsolutePath() + " and " + stage2.toAbsolutePath()
                + " (use them with ug embed --adapter and ug bench --adapter)");
        stdout.flush();
        return 0;
    }

    /** Whether two folders hold the same file names with the same bytes (false when b does not exist). */
    private static boolean sameFiles(Path a, Path b) throws IOException {
        if (!Files.isDirectory(b)) {
            return false;
        }
        List<Path> as;
        List<Path> bs;
        try (java.util.stream.Stream<Path> s = Files.list(a); java.util.stream.Stream<Path> t = Files.list(b)) {
            as = s.map(Path::getFileName).sorted().toList();
            bs = t.map(Path::getFileName).sorted().toList();
        }
        if (!as.equals(bs)) {
            return false;
        }
        for (Path name : as) {
            if (!Files.isRegularFile(a.resolve(name)) || Files.mismatch(a.resolve(name), b.resolve(name)) != -1) {
                return false;
            }
        }
        return true;
    }

    private static void deleteTree(Path root) throws IOException {
        try (java.util.stream.Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Lets the library's PrintStream progress go to picocli's error writer. */
    static final class WriterStream extends java.io.OutputStream {
        private final PrintWriter w;

        WriterStream(PrintWriter w) {
            this.w = w;
        }

        @Override
        public void write(int b) {
            w.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            w.write(new String(b, off, len, java.nio.charset.StandardCharsets.UTF_8));
        }

        @Override
        public void flush() {
            w.flush();
        }
    }
}
