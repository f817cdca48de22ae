package org.urbangraph.ugbench.report;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.urbangraph.ugbench.BenchResults;
import org.urbangraph.ugbench.ResultRow;
import org.urbangraph.ugbench.metrics.Metric;

/**
 * {@code results.md}: one table per task, a line per variant and query mode, a column per city (training cities, then
 * held-out), each cell "Hit@1 / Hit@3 / Hit@5 / Hit@10 · MRR", and a chance line (one per query mode where modes cover
 * different questions).
 */
final class MarkdownReport {
    private MarkdownReport() {}

    static String render(BenchResults r) {
        StringBuilder md = new StringBuilder("# UGBench results\n\n");
        md.append("Each cell: Hit@1 / Hit@3 / Hit@5 / Hit@10 · MRR, over the questions of that city (n in the line "
                + "below the table); an \"all ... cities\" column pools the questions of a split's cities. The 95 % "
                + "bootstrap intervals (").append(r.settings().bootstrap()).append(" resamples, seed ")
                .append(r.settings().seed()).append("; pooled columns resample within each city) are in `results.json`"
                + " (`rows` and `pooled`); `report.html` has charts and maps.\n\n");
        md.append("Datasets:\n\n");
        for (BenchResults.CityInfo c : r.cities()) {
            md.append("- ").append(c.name()).append(" (`").append(c.city()).append("`, ").append(c.split())
                    .append("): ").append(c.questions().values().stream().mapToInt(Integer::intValue).sum())
                    .append(" questions\n");
        }
        md.append("\nVariants:\n\n");
        for (BenchResults.VariantInfo v : r.variants()) {
            md.append("- **").append(v.name()).append("**: `").append(v.embedderId()).append("`, ")
                    .append(v.dimension()).append(" dimensions").append(v.usesGraphs() ? "" : ", ignores graphs")
                    .append(v.note() == null ? "" : "; " + v.note()).append('\n');
        }
        List<Columns.Column> cols = Columns.columns(r);
        for (String task : r.tasks()) {
            List<ResultRow> rows = r.rows(task);
            md.append("\n## ").append(rows.getFirst().title()).append(" (`").append(task).append("`)\n\n");
            md.append("| variant · mode |");
            cols.forEach(c -> md.append(' ').append(cell(c.header())).append(" |"));
            md.append("\n| --- |");
            cols.forEach(c -> md.append(" --- |"));
            md.append('\n');
            List<Columns.Line> lines = Columns.lines(rows);
            for (Columns.Line line : lines) {
                md.append("| ").append(cell(Columns.lineLabel(line))).append(" |");
                for (Columns.Column c : cols) {
                    Map<Metric, Double> v = Columns.cell(rows, line, c, new int[1]);
                    md.append(' ').append(Columns.compact(v)).append(" |");
                }
                md.append('\n');
            }
            List<Columns.ChanceLine> chances = Columns.chanceLines(rows, cols);
            for (Columns.ChanceLine cl : chances) {
                md.append("| *").append(cell(cl.label("chance"))).append("* |");
                for (Columns.Column c : cols) {
                    md.append(" *").append(Columns.compact(Columns.chance(rows, cl.line(), c))).append("* |");
                }
                md.append('\n');
            }
            boolean probe = rows.stream().anyMatch(x -> x.probe() != null);
            if (probe) {
                for (Columns.ChanceLine cl : chances) {
                    md.append("| *").append(cell(cl.label("class frequency"))).append("* |");
                    for (Columns.Column c : cols) {
                        Map<Metric, Double> p = Columns.prior(rows, cl.line(), c);
                        md.append(p == null ? " |" : " *" + Columns.compact(p) + "* |");
                    }
                    md.append('\n');
                }
            }
            md.append("\nQuestions: ");
            for (int c = 0; c < cols.size(); c++) {
                md.append(c == 0 ? "" : chances.size() == 1 ? ", " : "; ").append(cols.get(c).header());
                for (int k = 0; k < chances.size(); k++) {
                    Columns.ChanceLine cl = chances.get(k);
                    md.append(k == 0 ? " " : ", ").append(cl.mode() == null ? "" : cl.mode() + " ")
                            .append(Columns.questions(rows, cl, cols.get(c)));
                }
            }
            md.append(".");
            if (probe) {
                String left = Columns.excluded(r, rows, chances);
                md.append(" Linear probe: ridge regression fitted on the `fold: train` rows (lambda by leave-one-out)."
                        + " *class frequency*: ranking the classes by how often they occur in the training fold, on the"
                        + " same test rows: the floor a probe reaches with no information from the embedding, above"
                        + " which a variant has learnt something."
                        + (left.isEmpty() ? "" : " Test rows left out because their class never occurs in the"
                                + " training fold: " + left + "."));
            }
            if (task.startsWith("perception_")) {
                md.append(" Labels are derived from OpenStreetMap around the image, not human perception scores.");
            }
            md.append('\n');
        }
        if (!r.notes().isEmpty()) {
            md.append("\n## Notes\n\n");
            r.notes().forEach(n -> md.append("- ").append(n).append('\n'));
        }
        md.append("\nMap data © OpenStreetMap contributors, ODbL 1.0.\n");
        return md.toString();
    }

    /** Text for a table cell: a '|' in a city or variant name would end the cell. */
    static String cell(String s) {
        return s.replace("|", "\\|");
    }
}
