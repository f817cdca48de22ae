package org.urbangraph.ugbench.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import org.urbangraph.ugbench.BenchResults;
import org.urbangraph.ugbench.ResultRow;
import org.urbangraph.ugbench.metrics.Estimate;
import org.urbangraph.ugbench.metrics.Metric;

/**
 * {@code results.json}: the settings, datasets, variants, notes and a {@code rows} list, one object per task, mode,
 * city and variant with {@code task}, {@code mode}, {@code city}, {@code split}, {@code variant}, {@code n},
 * {@code hit@1} ... {@code mrr}, their 95 % intervals as {@code hit@1_ci95: [low, high]} ..., and {@code chance}; and
 * a {@code pooled} list of the same objects with {@code city} null, one per task, mode, split and variant for each
 * split of more than one city (all its cities' questions; the interval resamples within each city; a probe row's
 * {@code probe} with the cities' rows summed and the class-frequency floor weighted by questions). Flat keys, so
 * {@code pandas.DataFrame(json.load(f)["rows"])} gives a usable table.
 */
final class ResultsJson {
    private ResultsJson() {}

    static final String FORMAT = "ugbench-1";
    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    static String render(BenchResults r) throws com.fasterxml.jackson.core.JsonProcessingException {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("format", FORMAT);
        root.put("generator", "UrbanGraph ugbench 0.1.0");
        ObjectNode s = root.putObject("settings");
        s.put("max_per_task", r.settings().maxPerTask());
        s.put("bootstrap_resamples", r.settings().bootstrap());
        s.put("seed", r.settings().seed());
        s.put("interval", r.settings().level());
        s.put("scores", "cosine similarity of the embeddings, normalised in double precision");
        s.put("ties", "expected value over random tie-breaking");
        ArrayNode cities = root.putArray("cities");
        for (BenchResults.CityInfo c : r.cities()) {
            ObjectNode o = cities.addObject();
            o.put("city", c.city());
            o.put("name", c.name());
            o.put("split", c.split());
            o.put("dataset", c.dir().toAbsolutePath().toString());
            o.put("attribution", c.attribution());
            ObjectNode q = o.putObject("questions");
            c.questions().forEach(q::put);
            ObjectNode a = o.putObject("rows_in_task_files");
            c.available().forEach(a::put);
        }
        ArrayNode variants = root.putArray("variants");
        for (BenchResults.VariantInfo v : r.variants()) {
            ObjectNode o = variants.addObject();
            o.put("name", v.name());
            o.put("embedder", v.embedderId());
            o.put("dimension", v.dimension());
            o.put("uses_graphs", v.usesGraphs());
            if (v.note() != null) {
                o.put("note", v.note());
            }
            o.put("vectors_from_cache", v.fromCache());
            o.put("vectors_computed", v.computed());
            o.put("damaged_cache_entries", v.corruptCacheEntries());
            o.put("seconds", round(v.seconds()));
        }
        ArrayNode notes = root.putArray("notes");
        r.notes().forEach(notes::add);
        ArrayNode rows = root.putArray("rows");
        for (ResultRow row : r.rows()) {
            rows.add(row(row));
        }
        ArrayNode pooled = root.putArray("pooled");
        for (ResultRow row : r.pooled()) {
            pooled.add(row(row));
        }
        return MAPPER.writeValueAsString(root) + "\n";
    }

    static ObjectNode row(ResultRow row) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("task", row.task());
        o.put("title", row.title());
        o.put("mode", row.mode());
        o.put("city", row.city());
        o.put("split", row.split());
        o.put("variant", row.variant());
        o.put("n", row.n());
        for (Metric m : Metric.ALL) {
            o.put(m.key(), round(row.get(m).value()));
        }
        for (Metric m : Metric.ALL) {
            Estimate e = row.get(m);
            o.putArray(m.key() + "_ci95").add(round(e.low())).add(round(e.high()));
        }
        ObjectNode chance = o.putObject("chance");
        for (Metric m : Metric.ALL) {
            chance.put(m.key(), round(row.get(m).chance()));
        }
        o.put("synthetic_queries", row.syntheticQueries());
        o.put("dropped_duplicate_candidates", row.droppedDuplicates());
        o.put("dropped_duplicate_wrong_candidates", row.droppedWrongDuplicates());
        if (row.task().startsWith("perception_")) {
            o.put("label_source", "openstreetmap");
        }
        if (row.probe() != null) {
            ResultRow.Probe p = row.probe();
            ObjectNode po = o.putObject("probe");
            po.put("method", "ridge regression on one-hot classes, lambda by leave-one-out");
            po.put("train_rows", p.trainRows());
            po.put("excluded_test_rows", p.excludedRows());
            if (row.city() == null) {
                // each city of a pooled row fits its own probe: no one number of classes or ridge strength
                po.putNull("classes");
                po.putNull("lambda");
            } else {
                po.put("classes", p.classes());
                po.put("lambda", p.lambda());
            }
            ObjectNode prior = po.putObject("class_frequency_baseline");
            for (Map.Entry<Metric, Double> e : p.prior().entrySet()) {
                prior.put(e.getKey().key(), round(e.getValue()));
            }
        }
        return o;
    }

    static double round(double v) {
        return Double.isFinite(v) ? Math.round(v * 1e6) / 1e6 : v;
    }
}
