package org.urbangraph.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.urbangraph.ugdata.dataset.BundledCities;
import org.urbangraph.ugdata.dataset.DatasetCheck;
import org.urbangraph.ugdata.dataset.DatasetManifest;
import org.urbangraph.ugdata.dataset.Split;
import org.urbangraph.ugdata.dataset.UgDataBuilder;
import org.urbangraph.ugdata.dataset.UgDataConfig;
import org.urbangraph.ugdata.render.RenderSettings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ug data}: build UGData datasets from OpenStreetMap and street photos, and check built ones. */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = "Build and check UGData datasets (spatial graphs, street views, UGE training rows, UGBench tasks).",
        subcommands = {DataCommand.Build.class, DataCommand.Check.class})
public final class DataCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    /** Exit code of a check that found a problem (a build that fails on its input exits 1 through ErrorReport). */
    static final int FAILED = 1;

    @Command(name = "build", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Build one city's dataset from an OSM extract (or all bundled cities with --bundled).",
                "Writes stage1.jsonl, stage2.jsonl (official UGE shape), graph.json, graphs/, images/, bench/ and "
                        + "manifest.json into --out, atomically. Bad input is reported, counted in the manifest and "
                        + "skipped; the build fails only when no image is left."})
    static final class Build implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--osm", paramLabel = "FILE", description = "OSM extract: .osm.pbf, .osm or .osm.gz.")
        Path osm;

        @Option(names = "--bundled", description = "Build every bundled city (Monaco, Andorra, Liechtenstein for"
                + " training; Copenhagen held out) into --out/<city>.")
        boolean bundled;

        @Option(names = "--photos", paramLabel = "DIR", description = "Folder of geotagged JPEG/PNG photos (GPS and"
                + " heading from EXIF).")
        Path photos;

        @Option(names = "--manifest", paramLabel = "FILE", description = "Photo manifest, CSV or JSONL: id, file, lon,"
                + " lat, optional heading, capture_time, placement (real|synthetic).")
        Path manifest;

        @Option(names = "--render", paramLabel = "N", description = "Synthetic street views to render (default: "
                + UgDataConfig.DEFAULT_RENDER_WITHOUT_PHOTOS + " without photos, else 0).")
        Integer render;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Dataset directory to write"
                + " (with --bundled: the parent of one directory per city).")
        Path out;

        @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed of every random choice"
                + " (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--city", paramLabel = "ID", description = "City id for file names (default: from the file name).")
        String city;

        @Option(names = "--name", paramLabel = "NAME", description = "City name used in texts (default: from the id).")
        String name;

        @Option(names = "--split", paramLabel = "SPLIT", defaultValue = "train",
                description = "train or held-out (default: ${DEFAULT-VALUE}).")
        String split;

        @Option(names = "--size", paramLabel = "WxH", defaultValue = "448x448",
                description = "Rendered image size (default: ${DEFAULT-VALUE}).")
        String size;

        @Option(names = "--radius", paramLabel = "M", defaultValue = "700",
                description = "Subgraph radius in metres (default: ${DEFAULT-VALUE}).")
        double radius;

        @Option(names = "--max-nodes", paramLabel = "N", defaultValue = "500",
                description = "Subgraph node cap, by BFS from the image (default: ${DEFAULT-VALUE}).")
        int maxNodes;

        @Option(names = "--eval-fraction", paramLabel = "F", description = "Share of a training city's images kept"
                + " for the benchmark (default 0.2). Held-out cities always keep all of them; with --bundled this"
                + " applies to the training cities only.")
        Double evalFraction;

        @Option(names = "--bench-max", paramLabel = "N", defaultValue = "700",
                description = "Benchmark samples per task (default: ${DEFAULT-VALUE}).")
        int benchMax;

        @Option(names = "--candidates", paramLabel = "N", defaultValue = "20",
                description = "Candidates per benchmark question, truth included (default: ${DEFAULT-VALUE}).")
        int candidates;

        @Option(names = "--overwrite", description = "Replace an existing dataset (or empty directory); any other"
                + " directory or file at --out is refused.")
        boolean overwrite;

        @Option(names = {"-q", "--quiet"}, description = "No progress output.")
        boolean quiet;

        @Override
        public Integer call() throws IOException {
            PrintWriter stdout = spec.commandLine().getOut();
            if (bundled == (osm != null)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "give exactly one of --osm FILE and --bundled");
            }
            int[] wh = parseSize(size);
            checkRanges();
            Split splitValue;
            try {
                splitValue = Split.fromLabel(split);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            // bad input (a missing or malformed file, an --out in the way) goes to ErrorReport like every command's
            List<UgDataConfig> configs = new ArrayList<>();
            if (bundled) {
                if (photos != null || manifest != null || city != null || name != null) {
                    throw new CommandLine.ParameterException(spec.commandLine(),
                            "--bundled takes no --photos, --manifest, --city or --name");
                }
                for (BundledCities.City c : BundledCities.DEFAULT) {
                    configs.add(config(BundledCities.extract(c), out.resolve(c.id()), c.id(), c.name(), c.split(),
                            wh));
                }
            } else {
                configs.add(config(osm, out, city, name, splitValue, wh));
            }
            if (!overwrite) {
                // before any city is built; the builder refuses it too, but without naming the option
                for (UgDataConfig c : configs) {
                    if (Files.exists(c.out(), LinkOption.NOFOLLOW_LINKS)) {
                        throw new FileAlreadyExistsException(c.out().toString(), null, "already exists; remove it, "
                                + "or add --overwrite to replace it (a dataset or an empty directory)");
                    }
                }
            }
            for (UgDataConfig c : configs) {
                DatasetManifest m = UgDataBuilder.build(c);
                stdout.printf(Locale.ROOT, "%s: %d images (%d rendered, %d photos placed synthetically), %d stage-1"
                        + " rows, %d stage-2 rows, %d benchmark questions -> %s%n", m.cityName(), m.counts().images(),
                        m.counts().syntheticImages(), m.counts().syntheticPlacement(),
                        m.counts().stage1Rows(), m.counts().stage2Rows(),
                        m.bench().values().stream().mapToInt(Integer::intValue).sum(), c.out());
                stdout.flush();
            }
            return 0;
        }

        private UgDataConfig config(Path extract, Path dir, String cityId, String cityName, Split s, int[] wh) {
            UgDataConfig.Builder b = UgDataConfig.builder(extract, dir).seed(seed).split(s).imageSize(wh[0], wh[1])
                    .subgraph(radius, maxNodes).bench(benchMax, candidates).overwrite(overwrite)
                    .threads(Integer.getInteger("ug.threads", Runtime.getRuntime().availableProcessors()))
                    .log(quiet ? null : System.err);
            if (cityId != null) {
                b.city(cityId);
            }
            if (cityName != null) {
                b.cityName(cityName);
            }
            if (photos != null) {
                b.photos(photos);
            }
            if (manifest != null) {
                b.photoManifest(manifest);
            }
            if (render != null) {
                b.render(render);
            }
            if (evalFraction != null && s == Split.TRAIN) {
                b.evalFraction(evalFraction); // a held-out city keeps every image for the benchmark
            }
            return b.build();
        }

        /** Whether --split names the held-out split, in any spelling Split accepts. */
        private static boolean heldOut(String split) {
            try {
                return split != null && Split.fromLabel(split) == Split.HELD_OUT;
            } catch (IllegalArgumentException e) {
                return false; // an unknown split is reported where the split is parsed
            }
        }

        /** Every numeric option in its range, else a usage error naming the option and the range. */
        private void checkRanges() {
            if (render != null && render < 0) {
                usage("--render must be 0 or more, got " + render);
            }
            if (!(radius > 0 && Double.isFinite(radius))) {
                usage("--radius must be a positive, finite number of metres, got " + radius);
            }
            if (maxNodes < 1) {
                usage("--max-nodes must be at least 1, got " + maxNodes);
            }
            if (evalFraction != null && !(evalFraction >= 0 && evalFraction <= 1)) {
                usage("--eval-fraction must be between 0 and 1, got " + evalFraction);
            }
            if (!bundled && evalFraction != null && evalFraction != 1 && heldOut(split)) {
                usage("--eval-fraction applies to training cities; a held-out city keeps every image for the benchmark"
                        + " (1), got " + evalFraction);
            }
            if (benchMax < 0) {
                usage("--bench-max must be 0 or more, got " + benchMax);
            }
            if (candidates < 2) {
                usage("--candidates must be at least 2 (the truth and one other), got " + candidates);
            }
        }

        private void usage(String message) {
            throw new CommandLine.ParameterException(spec.commandLine(), message);
        }

        private int[] parseSize(String s) {
            String[] p = s.toLowerCase(Locale.ROOT).split("x");
            try {
                if (p.length == 2) {
                    int w = Integer.parseInt(p[0].strip());
                    int h = Integer.parseInt(p[1].strip());
                    if (w < RenderSettings.MIN_SIZE || h < RenderSettings.MIN_SIZE || w > RenderSettings.MAX_SIZE
                            || h > RenderSettings.MAX_SIZE) {
                        usage("--size must be " + RenderSettings.MIN_SIZE + ".." + RenderSettings.MAX_SIZE
                                + " pixels a side, got " + s);
                    }
                    return new int[] {w, h};
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new CommandLine.ParameterException(spec.commandLine(), "--size must look like 448x448, got '" + s + "'");
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Read datasets back and validate them: every manifest key; every row of stage1.jsonl,"
                    + " stage2.jsonl and each benchmark task file (types, and the images and graphs they name exist);"
                    + " graph.json and every graph file a row names parse as graphs; row counts equal the manifest's.",
                "Every directory is checked and every problem reported (file and line); exit code 1 if any dataset"
                        + " failed. Images are checked to exist, not decoded."})
    static final class Check implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "DIR", arity = "1..*", description = "Dataset directories.")
        List<Path> dirs;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            int status = 0;
            for (Path d : dirs) {
                DatasetCheck.Result r = DatasetCheck.run(d);
                if (!r.ok()) {
                    for (String p : r.problems()) {
                        err.println("ug data check: " + p);
                    }
                    err.printf(Locale.ROOT, "ug data check: %s: %d problem%s%n", d, r.problems().size(),
                            r.problems().size() == 1 ? "" : "s");
                    err.flush();
                    status = FAILED;
                    continue;
                }
                StringBuilder bench = new StringBuilder();
                r.benchRows().forEach((t, n) -> bench.append(bench.isEmpty() ? "" : ", ").append(t).append(' ')
                        .append(n));
                DatasetManifest m = r.manifest();
                out.printf(Locale.ROOT, "%s (%s, %s): %d images, %d stage-1 rows, %d stage-2 rows, %d graph files,"
                        + " bench: %s; issues: %s%n", d, m.cityName(), m.split(), m.counts().images(),
                        r.stage1Rows(), r.stage2Rows(), r.graphFiles(), bench.isEmpty() ? "none" : bench,
                        m.issues().counts().isEmpty() ? "none" : m.issues().counts());
                out.flush();
            }
            return status;
        }
    }
}
