package org.urbangraph.ugbench.report;

import java.awt.Color;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.CategoryStyler;
import org.knowm.xchart.style.Styler;
import org.urbangraph.ugbench.ResultRow;
import org.urbangraph.ugbench.metrics.Metric;

/**
 * Bar charts of Hit@1/3/5/10 for one task and split (its cities pooled), a bar group per K and a bar per variant and
 * mode, with chance as a grey series (one per query mode where modes cover different questions); rendered to PNG with
 * XChart.
 */
final class HitCharts {
    private HitCharts() {}

    static final int WIDTH = 560;
    static final int HEIGHT = 300;

    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
        new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf)};
    /** Chance bars: one grey, or a grey per query mode where modes cover different questions. */
    private static final Color[] GREYS = {new Color(0xb0b0b0), new Color(0x808080), new Color(0xd0d0d0)};

    /** The chart's PNG bytes, or null when the split has no rows for this task. */
    static byte[] png(String title, List<ResultRow> rows, Columns.Column split) throws IOException {
        List<Columns.Line> lines = Columns.lines(rows);
        List<String> ks = Metric.HITS.stream().map(Metric::label).toList();
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .yAxisTitle("Hit@K").build();
        CategoryStyler s = chart.getStyler();
        s.setLegendPosition(Styler.LegendPosition.OutsideS);
        s.setLegendLayout(Styler.LegendLayout.Horizontal);
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotGridVerticalLinesVisible(false);
        s.setYAxisMin(0.0);
        s.setYAxisMax(1.0);
        s.setYAxisDecimalPattern("0.0");
        s.setAvailableSpaceFill(0.8);
        List<Color> colours = new ArrayList<>();
        int added = 0;
        for (Columns.Line line : lines) {
            int[] n = new int[1];
            Map<Metric, Double> v = Columns.cell(rows, line, split, n);
            if (v == null) {
                continue;
            }
            chart.addSeries(Columns.lineLabel(line), ks, Metric.HITS.stream().map(v::get).toList());
            colours.add(PALETTE[added++ % PALETTE.length]);
        }
        if (added == 0) {
            return null;
        }
        int greys = 0;
        for (Columns.ChanceLine cl : Columns.chanceLines(rows, List.of(split))) {
            Map<Metric, Double> chance = Columns.chance(rows, cl.line(), split);
            if (chance != null) {
                chart.addSeries(cl.label("chance"), ks, Metric.HITS.stream().map(chance::get).toList());
                colours.add(GREYS[greys++ % GREYS.length]);
            }
        }
        s.setSeriesColors(colours.toArray(new Color[0]));
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }
}
