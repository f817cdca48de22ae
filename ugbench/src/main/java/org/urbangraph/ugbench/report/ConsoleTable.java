package org.urbangraph.ugbench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.urbangraph.ugbench.BenchResults;
import org.urbangraph.ugbench.ResultRow;
import org.urbangraph.ugbench.metrics.Metric;

/** The results as fixed-width text for a terminal: one block per task, a line per variant and mode. */
public final class ConsoleTable {
    private ConsoleTable() {}

    public static String render(BenchResults r) {
        List<Columns.Column> cols = Columns.columns(r);
        StringBuilder out = new StringBuilder();
        out.append("UGBench: Hit@1 / Hit@3 / Hit@5 / Hit@10 · MRR per city (n = questions)\n");
        for (String task : r.tasks()) {
            List<ResultRow> rows = r.rows(task);
            List<Columns.Line> lines = Columns.lines(rows);
            List<String[]> table = new ArrayList<>();
            String[] head = new String[cols.size() + 1];
            head[0] = "";
            for (int c = 0; c < cols.size(); c++) {
                head[c + 1] = cols.get(c).header();
            }
            table.add(head);
            for (Columns.Line line : lines) {
                String[] cells = new String[cols.size() + 1];
                cells[0] = Columns.lineLabel(line);
                for (int c = 0; c < cols.size(); c++) {
                    int[] n = new int[1];
                    Map<Metric, Double> v = Columns.cell(rows, line, cols.get(c), n);
                    cells[c + 1] = v == null ? "–" : Columns.compact(v) + " (n=" + n[0] + ")";
                }
                table.add(cells);
            }
            List<Columns.ChanceLine> chances = lines.isEmpty() ? List.of() : Columns.chanceLines(rows, cols);
            for (Columns.ChanceLine cl : chances) {
                String[] cells = new String[cols.size() + 1];
                cells[0] = cl.label("chance");
                for (int c = 0; c < cols.size(); c++) {
                    cells[c + 1] = Columns.compact(Columns.chance(rows, cl.line(), cols.get(c)))
                            + (chances.size() > 1 ? " (n=" + Columns.questions(rows, cl, cols.get(c)) + ")" : "");
                }
                table.add(cells);
            }
            out.append('\n').append(rows.getFirst().title()).append(" [").append(task).append("]\n");
            int[] width = new int[head.length];
            for (String[] t : table) {
                for (int c = 0; c < t.length; c++) {
                    width[c] = Math.max(width[c], t[c].length());
                }
            }
            for (String[] t : table) {
                StringBuilder line = new StringBuilder("  ");
                for (int c = 0; c < t.length; c++) {
                    line.append(t[c]).append(" ".repeat(width[c] - t[c].length() + (c + 1 < t.length ? 3 : 0)));
                }
                out.append(line.toString().stripTrailing()).append('\n');
            }
        }
        for (String note : r.notes()) {
            out.append("\nNote: ").append(note);
        }
        if (!r.notes().isEmpty()) {
            out.append('\n');
        }
        return out.toString();
    }
}
