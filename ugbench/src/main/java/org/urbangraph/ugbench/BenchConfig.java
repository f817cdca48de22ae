package org.urbangraph.ugbench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Settings of a UGBench run.
 *
 * @param datasets UGData dataset directories, one per city
 * @param cache embedding cache folder, or null for none
 * @param maxPerTask questions per task and city (at most {@value #MAX_PER_TASK})
 * @param bootstrap bootstrap resamples for the 95 % intervals (at least {@value #MIN_BOOTSTRAP})
 * @param seed seed of the bootstrap
 * @param batchSize inputs per embedder call
 * @param tasks task files to run; empty for all
 * @param mapQueries queries per task and variant drawn on a map in the HTML report
 * @param log progress lines, or null for none
 */
public record BenchConfig(List<Path> datasets, Path cache, int maxPerTask, int bootstrap, long seed, int batchSize,
        Set<String> tasks, int mapQueries, PrintStream log) {

    /** The paper's cap: at most 700 questions per task and city. */
    public static final int MAX_PER_TASK = 700;

    /** The fewest bootstrap resamples that give usable 95 % intervals. */
    public static final int MIN_BOOTSTRAP = 100;

    public BenchConfig {
        datasets = List.copyOf(datasets);
        tasks = Set.copyOf(tasks);
        if (maxPerTask < 1 || maxPerTask > MAX_PER_TASK) {
            throw new IllegalArgumentException("questions per task must lie in 1.." + MAX_PER_TASK + ", got "
                    + maxPerTask);
        }
        if (bootstrap < MIN_BOOTSTRAP) {
            throw new IllegalArgumentException("use at least " + MIN_BOOTSTRAP + " bootstrap resamples, got "
                    + bootstrap);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        if (mapQueries < 0) {
            throw new IllegalArgumentException("map queries must not be negative, got " + mapQueries);
        }
    }

    public static Builder builder(List<Path> datasets) {
        return new Builder(datasets);
    }

    /** Defaults: no cache, 700 questions, 1,000 resamples, seed 0, batches of 4, every task, 2 maps, no log. */
    public static final class Builder {
        private final List<Path> datasets;
        private Path cache;
        private int maxPerTask = MAX_PER_TASK;
        private int bootstrap = 1000;
        private long seed;
        private int batchSize = 4;
        private Set<String> tasks = Set.of();
        private int mapQueries = 2;
        private PrintStream log;

        private Builder(List<Path> datasets) {
            this.datasets = datasets;
        }

        public Builder cache(Path v) {
            cache = v;
            return this;
        }

        public Builder maxPerTask(int v) {
            maxPerTask = v;
            return this;
        }

        public Builder bootstrap(int v) {
            bootstrap = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        public Builder batchSize(int v) {
            batchSize = v;
            return this;
        }

        public Builder tasks(Set<String> v) {
            tasks = v;
            return this;
        }

        public Builder mapQueries(int v) {
            mapQueries = v;
            return this;
        }

        public Builder log(PrintStream v) {
            log = v;
            return this;
        }

        public BenchConfig build() {
            return new BenchConfig(datasets, cache, maxPerTask, bootstrap, seed, batchSize, tasks, mapQueries, log);
        }
    }
}
