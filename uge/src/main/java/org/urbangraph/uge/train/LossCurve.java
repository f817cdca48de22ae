package org.urbangraph.uge.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.urbangraph.tensor.io.AtomicFile;

/** The training loss by step as a PNG (XChart), with a moving average over 5 % of the run. */
final class LossCurve {
    private LossCurve() {}

    static void write(List<double[]> points, Path png, String title) throws IOException {
        if (points.isEmpty()) {
            return;
        }
        double[] x = new double[points.size()];
        double[] y = new double[points.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = points.get(i)[0];
            y[i] = points.get(i)[1];
        }
        int w = Math.max(1, x.length / 20);
        double[] avg = new double[y.length];
        double sum = 0;
        for (int i = 0; i < y.length; i++) {
            sum += y[i];
            if (i >= w) {
                sum -= y[i - w];
            }
            avg[i] = sum / Math.min(i + 1, w);
        }
        XYChart chart = new XYChartBuilder().width(800).height(450).title(title).xAxisTitle("step")
                .yAxisTitle("InfoNCE loss").build();
        chart.getStyler().setLegendVisible(true);
        chart.addSeries("loss", x, y).setMarker(SeriesMarkers.NONE);
        chart.addSeries("moving average (" + w + " steps)", x, avg).setMarker(SeriesMarkers.NONE);
        AtomicFile.write(png, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG), false);
    }
}
