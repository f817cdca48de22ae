package org.urbangraph.ugbench.embed;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.urbangraph.ugbench.cache.InputHasher;
import org.urbangraph.ugbench.task.BenchData;
import org.urbangraph.ugbench.task.BenchQuestion;
import org.urbangraph.ugbench.task.CityBench;
import org.urbangraph.uge.embed.EmbedInput;
import org.urbangraph.uge.embed.Embedder;

/**
 * A check of the harness, not a model: it reads the answers from the task files. Every candidate input gets a random
 * unit vector (seeded by its content, so nearly orthogonal to every other one in {@value #DIMENSION} dimensions), and
 * every query input gets the normalised sum of the vectors of the truths it is asked about (one query input can be
 * asked in several tasks, e.g. the same image and question in the three perception tasks). The truth then scores
 * about 1/sqrt(number of truths) and the others about 0, so a correct harness reports 1.0 for every task, mode and
 * city, the linear probes included.
 */
public final class OracleEmbedder implements Embedder {
    public static final int DIMENSION = 512;

    private final InputHasher hasher;
    private final Map<String, Set<String>> truthsOfQuery;
    private final String id;

    private OracleEmbedder(InputHasher hasher, Map<String, Set<String>> truthsOfQuery) {
        this.hasher = hasher;
        this.truthsOfQuery = truthsOfQuery;
        List<String> lines = new ArrayList<>();
        truthsOfQuery.forEach((q, ts) -> lines.add(q + "=" + String.join(",", ts)));
        lines.sort(null);
        this.id = "oracle-" + InputHasher.sha256(String.join("\n", lines)).substring(0, 16);
    }

    /** An oracle for the questions of {@code data}. */
    public static OracleEmbedder of(BenchData data, InputHasher hasher) {
        Map<String, Set<String>> truths = new HashMap<>();
        for (CityBench c : data.cities()) {
            for (List<BenchQuestion> qs : c.tasks().values()) {
                for (BenchQuestion q : qs) {
                    String truth = hasher.key(q.candidates().get(q.answer()));
                    for (EmbedInput in : q.queries().values()) {
                        truths.computeIfAbsent(hasher.key(in), k -> new LinkedHashSet<>()).add(truth);
                    }
                }
            }
        }
        return new OracleEmbedder(hasher, truths);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public int dimension() {
        return DIMENSION;
    }

    @Override
    public float[][] embed(List<EmbedInput> inputs) {
        float[][] out = new float[inputs.size()][];
        for (int i = 0; i < out.length; i++) {
            String key = hasher.key(inputs.get(i));
            Set<String> truths = truthsOfQuery.get(key);
            if (truths == null) {
                out[i] = Vectors.randomUnit(Vectors.seedOf(key), DIMENSION);
            } else {
                List<float[]> vs = new ArrayList<>();
                for (String t : truths) {
                    vs.add(Vectors.randomUnit(Vectors.seedOf(t), DIMENSION));
                }
                out[i] = Vectors.normalisedSum(vs, DIMENSION);
            }
        }
        return out;
    }
}
