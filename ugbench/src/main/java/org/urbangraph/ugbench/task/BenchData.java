package org.urbangraph.ugbench.task;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The questions of every dataset of a run, one {@link CityBench} per city, training cities first. */
public record BenchData(List<CityBench> cities) {

    /** Reads every dataset; two datasets of the same city are an error. */
    public static BenchData load(List<Path> dirs, int maxPerTask, Set<String> tasks) throws IOException {
        if (dirs.isEmpty()) {
            throw new IOException("no dataset given");
        }
        List<CityBench> out = new ArrayList<>();
        Map<String, Path> seen = new HashMap<>();
        for (Path d : dirs) {
            CityBench c = CityBench.load(d, maxPerTask, tasks);
            Path before = seen.putIfAbsent(c.city(), d);
            if (before != null) {
                throw new IOException(d + " and " + before + " are both datasets of city '" + c.city() + "'");
            }
            out.add(c);
        }
        // training cities first, then held-out, each in the order given
        List<CityBench> sorted = new ArrayList<>(out.stream().filter(c -> c.split().label().equals("train")).toList());
        sorted.addAll(out.stream().filter(c -> !c.split().label().equals("train")).toList());
        return new BenchData(List.copyOf(sorted));
    }
}
