package org.urbangraph.ugbench.report;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.urbangraph.ugbench.BenchResults;
import org.urbangraph.ugbench.ResultRow;
import org.urbangraph.ugbench.metrics.Metric;

/**
 * The layout every report table shares: one line per variant and mode, one column per city (training cities, then
 * held-out ones), and a pooled column per split when it holds more than one city. A pooled value is the mean over all
 * questions of the split's cities (each city weighted by its questions), which is exact for Hit@K and MRR because both
 * are means over questions.
 */
final class Columns {
    private Columns() {}

    /** A column: one city, or all cities of a split pooled ({@code city} null). */
    record Column(String city, String split, String header) {
        boolean pooled() {
            return city == null;
        }
    }

    /** A table line: variant and mode. */
    record Line(String variant, String mode) {}

    static List<Column> columns(BenchResults r) {
        List<Column> out = new ArrayList<>();
        for (String split : List.of("train", "held-out")) {
            List<BenchResults.CityInfo> cs = r.cities().stream().filter(c -> c.split().equals(split)).toList();
            for (BenchResults.CityInfo c : cs) {
                out.add(new Column(c.city(), split, c.name() + " (" + split + ")"));
            }
            if (cs.size() > 1) {
                out.add(new Column(null, split, split.equals("train") ? "all training cities" : "all held-out cities"));
            }
        }
        return out;
    }

    static List<Line> lines(List<ResultRow> rows) {
        return rows.stream().map(r -> new Line(r.variant(), r.mode())).distinct().toList();
    }

    /** The value of a metric in one cell, or null when the cell is empty; n is returned through {@code n[0]}. */
    static Map<Metric, Double> cell(List<ResultRow> rows, Line line, Column col, int[] n) {
        double[] sums = new double[Metric.ALL.size()];
        int total = 0;
        for (ResultRow r : rows) {
            if (!r.variant().equals(line.variant()) || !r.mode().equals(line.mode()) || r.n() == 0) {
                continue;
            }
            if (col.pooled() ? r.split().equals(col.split()) : r.city().equals(col.city())) {
                for (Metric m : Metric.ALL) {
                    sums[m.ordinal()] += r.get(m).value() * r.n();
                }
                total += r.n();
            }
        }
        n[0] = total;
        if (total == 0) {
            return null;
        }
        Map<Metric, Double> out = new EnumMap<>(Metric.class);
        for (Metric m : Metric.ALL) {
            out.put(m, sums[m.ordinal()] / total);
        }
        return out;
    }

    /**
     * A line of chance values (and, for a probe task, of the class-frequency floor): those of one query mode, taken
     * from the first line of that mode, since they depend on the questions the mode covers and not on the variant.
     *
     * @param mode the mode, or null when the task's modes cover the same questions and one line serves them all
     * @param line the first line of the mode
     */
    record ChanceLine(String mode, Line line) {
        /** "chance" or "chance (text)"; {@code what} in the same form for other lines of this kind. */
        String label(String what) {
            return mode == null ? what : what + " (" + mode + ")";
        }
    }

    /**
     * The chance lines of a task: one per query mode where modes cover different questions (a row can list some of
     * the modes only, so each mode has its own chance and n), else a single one. Modes count as covering the same
     * questions when their n, chance and class-frequency floor agree in every column.
     */
    static List<ChanceLine> chanceLines(List<ResultRow> rows, List<Column> cols) {
        List<Line> firsts = new ArrayList<>();
        for (Line l : lines(rows)) {
            if (firsts.stream().noneMatch(f -> f.mode().equals(l.mode()))) {
                firsts.add(l);
            }
        }
        List<Object> first = signature(rows, firsts.getFirst(), cols);
        if (firsts.stream().allMatch(l -> signature(rows, l, cols).equals(first))) {
            return List.of(new ChanceLine(null, firsts.getFirst()));
        }
        return firsts.stream().map(l -> new ChanceLine(l.mode(), l)).toList();
    }

    /** What a line's questions give in each column: n, chance and the class-frequency floor. */
    private static List<Object> signature(List<ResultRow> rows, Line line, List<Column> cols) {
        List<Object> out = new ArrayList<>();
        for (Column c : cols) {
            int[] n = new int[1];
            cell(rows, line, c, n);
            out.add(n[0]);
            out.add(chance(rows, line, c));
            out.add(prior(rows, line, c));
        }
        return out;
    }

    /** The questions of a chance line's mode in a column. */
    static int questions(List<ResultRow> rows, ChanceLine line, Column col) {
        int[] n = new int[1];
        cell(rows, line.line(), col, n);
        return n[0];
    }

    /** Chance of a column, from the rows of any one line (chance depends on the questions, not the variant). */
    static Map<Metric, Double> chance(List<ResultRow> rows, Line line, Column col) {
        return weighted(rows, line, col, r -> true, (r, m) -> r.get(m).chance());
    }

    /**
     * For a linear-probe task: what ranking the classes by their training-fold frequency scores on the column's test
     * rows (weighted by questions over the column's cities), or null when the task has no probe rows there.
     */
    static Map<Metric, Double> prior(List<ResultRow> rows, Line line, Column col) {
        return weighted(rows, line, col, r -> r.probe() != null, (r, m) -> r.probe().prior().get(m));
    }

    /** A value of the line's rows in the column, averaged with each row weighted by its questions; null if none. */
    private static Map<Metric, Double> weighted(List<ResultRow> rows, Line line, Column col,
                                                java.util.function.Predicate<ResultRow> has,
                                                java.util.function.BiFunction<ResultRow, Metric, Double> value) {
        double[] sums = new double[Metric.ALL.size()];
        int total = 0;
        for (ResultRow r : rows) {
            if (!has.test(r) || !r.variant().equals(line.variant()) || !r.mode().equals(line.mode()) || r.n() == 0) {
                continue;
            }
            if (col.pooled() ? r.split().equals(col.split()) : r.city().equals(col.city())) {
                for (Metric m : Metric.ALL) {
                    sums[m.ordinal()] += value.apply(r, m) * r.n();
                }
                total += r.n();
            }
        }
        if (total == 0) {
            return null;
        }
        Map<Metric, Double> out = new EnumMap<>(Metric.class);
        for (Metric m : Metric.ALL) {
            out.put(m, sums[m.ordinal()] / total);
        }
        return out;
    }

    /**
     * {@link #excluded(BenchResults, List, Line)} for each chance line: "Monaco 4, Andorra 1", or per mode
     * "Monaco 4 (image), Monaco 3 (text)".
     */
    static String excluded(BenchResults results, List<ResultRow> rows, List<ChanceLine> lines) {
        StringBuilder s = new StringBuilder();
        for (ChanceLine l : lines) {
            String e = excluded(results, rows, l.line());
            if (!e.isEmpty()) {
                s.append(s.isEmpty() ? "" : "; ").append(l.mode() == null ? e : e + " (" + l.mode() + ")");
            }
        }
        return s.toString();
    }

    /** "Monaco 4, Andorra 1": test rows a probe left out (class unseen in training), per city, for one line. */
    static String excluded(BenchResults results, List<ResultRow> rows, Line line) {
        StringBuilder s = new StringBuilder();
        for (ResultRow r : rows) {
            if (r.probe() != null && r.probe().excludedRows() > 0 && r.variant().equals(line.variant())
                    && r.mode().equals(line.mode())) {
                String name = results.cities().stream().filter(c -> c.city().equals(r.city()))
                        .map(BenchResults.CityInfo::name).findFirst().orElse(r.city());
                s.append(s.isEmpty() ? "" : ", ").append(name).append(' ').append(r.probe().excludedRows());
            }
        }
        return s.toString();
    }

    /** Below this many questions a cell's percentile-bootstrap interval is marked as too narrow to trust. */
    static final int FEW = 20;

    /** "0.42 / 0.61 / 0.75 / 0.90 · 0.55". */
    static String compact(Map<Metric, Double> v) {
        if (v == null) {
            return "–";
        }
        return String.format(Locale.ROOT, "%.2f / %.2f / %.2f / %.2f · %.2f", v.get(Metric.HIT_1),
                v.get(Metric.HIT_3), v.get(Metric.HIT_5), v.get(Metric.HIT_10), v.get(Metric.MRR));
    }

    static String lineLabel(Line l) {
        return l.variant() + " · " + l.mode();
    }
}
