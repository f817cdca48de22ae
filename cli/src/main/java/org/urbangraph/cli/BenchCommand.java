package org.urbangraph.cli;

import java.io.IOException;
import org.urbangraph.uge.embed.UgeEmbedder;
import org.urbangraph.uge.model.UgeCheckpoint;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.urbangraph.ugbench.BenchConfig;
import org.urbangraph.ugbench.BenchResults;
import org.urbangraph.ugbench.BenchVariant;
import org.urbangraph.ugbench.UgBench;
import org.urbangraph.ugbench.cache.InputHasher;
import org.urbangraph.ugbench.embed.BackboneEmbedder;
import org.urbangraph.ugbench.embed.OracleEmbedder;
import org.urbangraph.ugbench.embed.RandomEmbedder;
import org.urbangraph.ugbench.report.ReportWriter;
import org.urbangraph.ugbench.task.BenchData;
import org.urbangraph.ugbench.task.TaskCatalog;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ug bench}: UGBench over UGData datasets for one or more variants, writing {@code results.json},
 * {@code results.md} and {@code report.html}. Every variant comes from {@link #variants}, the one place that turns
 * options into embedders.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Runs UGBench (geolocation ranking, image retrieval, urban perception with OSM-derived labels, "
                + "spatial grounding) on UGData datasets and writes results.json, results.md and a self-contained "
                + "report.html into --out.",
            "With --model alone the backbone is evaluated zero-shot (it ignores graphs, so the image+graph mode is "
                + "not run). Embeddings are cached on disk by embedder and input content, so a rerun is fast."})
public final class BenchCommand implements Callable<Integer> {
    static final int FAILED = 1;
    static final List<String> BASELINES = List.of("random", "oracle");

    @Spec
    CommandSpec spec;

    @Option(names = "--data", required = true, arity = "1..*", paramLabel = "DIR",
            description = "UGData dataset directories (one per city; `ug data build` writes them).")
    List<Path> data = new ArrayList<>();

    @Option(names = "--model", paramLabel = "DIR",
            description = "A Hugging Face model directory (config.json, safetensors, tokenizer.json) of any "
                    + "supported family: Qwen2-VL, Qwen2.5-VL, LLaVA-NeXT, Phi-3-V.")
    Path model;

    @Option(names = "--adapter", paramLabel = "DIR",
            description = "A UGE adapter directory (LoRA + graph encoder) on top of --model; repeatable, one variant "
                    + "each. A benchmark image with the bytes of one of its training images, or a held-out dataset of "
                    + "a city it trained on, is refused (as its uge.json records them; a model without records gets "
                    + "a warning).")
    List<Path> adapters = new ArrayList<>();

    @Option(names = "--name", paramLabel = "NAME", defaultValue = "zero-shot",
            description = "Report name of the --model variant (default: ${DEFAULT-VALUE}).")
    String name;

    @Option(names = "--baseline", paramLabel = "KIND",
            description = "Add a reference variant: random (scores chance) or oracle (reads the answers: a check of "
                    + "the data and the harness, which must score 1.0); repeatable.")
    List<String> baselines = new ArrayList<>();

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where the reports go.")
    Path out;

    @Option(names = "--cache", paramLabel = "DIR",
            description = "Embedding cache (default: $XDG_CACHE_HOME/urbangraph/embeddings or "
                    + "~/.cache/urbangraph/embeddings).")
    Path cache;

    @Option(names = "--no-cache", description = "Compute every embedding; read and write no cache.")
    boolean noCache;

    @Option(names = "--tasks", split = ",", paramLabel = "TASK",
            description = "Only these task files (comma-separated): geolocation, text_to_image, image_to_image, "
                    + "perception_land_use, perception_poi_mix, perception_street_class, nearest_poi, "
                    + "distance_direction.")
    List<String> tasks = new ArrayList<>();

    @Option(names = "--max-per-task", paramLabel = "N", defaultValue = "700",
            description = "Questions per task and city, 1 to " + BenchConfig.MAX_PER_TASK
                    + " (default: ${DEFAULT-VALUE}).")
    int maxPerTask;

    @Option(names = "--bootstrap", paramLabel = "N", defaultValue = "1000",
            description = "Bootstrap resamples for the 95 %% intervals, at least " + BenchConfig.MIN_BOOTSTRAP
                    + " (default: ${DEFAULT-VALUE}).")
    int bootstrap;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
            description = "Seed of the bootstrap and the random baseline (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "4",
            description = "Inputs per model call, at least 1 (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--maps", paramLabel = "N", defaultValue = "2",
            description = "Example queries per task and variant drawn on a map in report.html, 0 for none "
                    + "(default: ${DEFAULT-VALUE}).")
    int maps;

    @Option(names = {"-q", "--quiet"}, description = "No progress output.")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        checkRanges();
        if (model == null && baselines.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "nothing to evaluate: give --model DIR "
                    + "(and --adapter DIR) or --baseline random|oracle");
        }
        if (!adapters.isEmpty() && model == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--adapter needs the --model it adapts");
        }
        for (Path a : adapters) {
            if (!java.nio.file.Files.isRegularFile(a.resolve("uge.json"))) {
                // bad input (exit 1), as a wrong directory is for ug embed --adapter and ug train --model
                throw new IOException("--adapter " + a + " is not a UGE model directory (no uge.json); ug train "
                        + "writes one to <its --out>/model");
            }
        }
        for (String b : baselines) {
            if (!BASELINES.contains(b)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "unknown --baseline '" + b
                        + "'; expected random or oracle");
            }
        }
        for (String t : tasks) {
            if (!TaskCatalog.TASK_FILES.contains(t)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "unknown task '" + t + "'; known: "
                        + String.join(", ", TaskCatalog.TASK_FILES));
            }
        }
        if (java.nio.file.Files.exists(out) && !java.nio.file.Files.isDirectory(out)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--out " + out + " is a file; the reports "
                    + "go into a folder");
        }
        List<String> names = new ArrayList<>();
        if (model != null) {
            names.add(name);
        }
        for (Path a : adapters) {
            names.add(adapterName(a));
        }
        names.addAll(new LinkedHashSet<>(baselines));
        if (names.stream().distinct().count() != names.size()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "two variants would have the same name: "
                    + names + " (name the --model variant with --name; adapters are named by stage and folder)");
        }
        BenchConfig config;
        try {
            config = BenchConfig.builder(data).cache(noCache ? null : cacheDir()).maxPerTask(maxPerTask)
                    .bootstrap(bootstrap).seed(seed).batchSize(batch).tasks(Set.copyOf(tasks)).mapQueries(maps)
                    .log(quiet ? null : System.err).build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        java.nio.file.Files.createDirectories(out); // before any embedding: a folder that cannot be made fails now
        try {
            BenchData loaded = UgBench.load(config);
            if (loaded.cities().stream().allMatch(c -> c.tasks().values().stream().allMatch(List::isEmpty))) {
                throw new IllegalStateException("the datasets hold no benchmark question" + (tasks.isEmpty() ? ""
                        : " of the tasks " + tasks) + "; build them with ug data build (--bench-max above 0)");
            }
            List<BenchVariant> variants = variants(loaded);
            BenchResults results = UgBench.run(config, loaded, variants);
            UgBench.writeReports(results, out);
            stdout.print(UgBench.table(results));
            stdout.println();
            stdout.println("Reports: " + out.resolve(ReportWriter.JSON) + ", " + out.resolve(ReportWriter.MARKDOWN)
                    + ", " + out.resolve(ReportWriter.HTML));
            stdout.flush();
            return 0;
        } catch (IllegalStateException e) {
            // a benchmark that cannot be run as configured (no variant, no query left); bad input (a missing or
            // malformed file, a wrong model directory) goes to ErrorReport like every command's, with its causes
            err.println("ug bench: " + e.getMessage());
            err.flush();
            return FAILED;
        }
    }

    /** Every numeric option in its range, else a usage error naming the option (BenchConfig's ranges). */
    private void checkRanges() {
        require(maxPerTask >= 1 && maxPerTask <= BenchConfig.MAX_PER_TASK, "--max-per-task must lie in 1.."
                + BenchConfig.MAX_PER_TASK + ", got " + maxPerTask);
        require(bootstrap >= BenchConfig.MIN_BOOTSTRAP, "--bootstrap must be at least " + BenchConfig.MIN_BOOTSTRAP
                + " resamples, got " + bootstrap);
        require(batch >= 1, "--batch must be at least 1, got " + batch);
        require(maps >= 0, "--maps must be 0 or more, got " + maps);
    }

    private void require(boolean ok, String message) {
        if (!ok) {
            throw new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }

    /**
     * The variants to evaluate, in report order. This is the one factory of embedders: a new kind of model (the UGE
     * embedder with {@code --adapter}, an ablation) is added here.
     */
    List<BenchVariant> variants(BenchData loaded) throws IOException {
        List<BenchVariant> out = new ArrayList<>();
        if (model != null) {
            out.add(new BenchVariant(name, BackboneEmbedder.load(model), false,
                    "raw backbone " + model.getFileName() + ", zero-shot; graphs are ignored"));
        }
        for (Path a : adapters) {
            UgeCheckpoint.Info info = UgeCheckpoint.info(a);
            String variant = adapterName(a);
            // on the --model backbone, as ug embed --adapter does (a model whose base weights trained keeps its own)
            UgeEmbedder embedder = UgeEmbedder.load(a, model, variant);
            // UgBench refuses its training images and trained cities held out; a model that records no training
            // data cannot be checked, which is said even with --quiet
            String warning = embedder.trainedOn().warning();
            if (warning != null) {
                spec.commandLine().getErr().println("ug bench: warning: " + warning);
                spec.commandLine().getErr().flush();
            }
            out.add(new BenchVariant(variant, embedder, info.stage() == 2,
                    "UGE model " + a + (info.stage() == 1 ? "; stage 1 has no graph encoder, graphs are ignored"
                            : "")));
        }
        InputHasher hasher = new InputHasher();
        for (String b : new LinkedHashSet<>(baselines)) {
            switch (b) {
                case "random" -> out.add(new BenchVariant("random", new RandomEmbedder(seed, 64, hasher), false,
                        "random vectors: the chance floor"));
                case "oracle" -> out.add(new BenchVariant("oracle", OracleEmbedder.of(loaded, hasher), true,
                        "reads the answers: checks the data and the harness (must score 1.0)"));
                default -> throw new IllegalStateException("unchecked --baseline " + b);
            }
        }
        return out;
    }

    /**
     * The report name of an --adapter: its stage and its folder, or for ug train's {@code <out>/model} the run's
     * folder ("stage 1+2 (run-a)").
     */
    static String adapterName(Path a) throws IOException {
        UgeCheckpoint.Info info = UgeCheckpoint.info(a);
        Path abs = a.toAbsolutePath().normalize();
        Path folder = abs.getFileName() != null && abs.getFileName().toString().equals("model") && abs.getParent() != null
                && abs.getParent().getFileName() != null ? abs.getParent().getFileName() : abs.getFileName();
        return "stage " + (info.stage() == 1 ? "1" : "1+2") + " (" + folder + ")";
    }

    /** --cache, or the user's cache folder. */
    private Path cacheDir() {
        if (cache != null) {
            return cache;
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("urbangraph").resolve("embeddings");
    }
}
