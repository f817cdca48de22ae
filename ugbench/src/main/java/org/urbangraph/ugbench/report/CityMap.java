package org.urbangraph.ugbench.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.urbangraph.ugbench.QueryExample;
import org.urbangraph.ugdata.graph.GraphFile;
import org.urbangraph.ugdata.graph.NodeKind;
import org.urbangraph.ugdata.graph.Relation;

/**
 * A small map of one query: the city's street network (the {@code on_same_street} edges of {@code graph.json}) and
 * POIs around the camera, the camera with its heading (blue), the truth (green ring) and the embedder's top five
 * (numbered; green when it is the truth, orange otherwise), with a scale bar and the OpenStreetMap attribution.
 */
final class CityMap {
    private CityMap() {}

    static final int SIZE = 360;
    private static final double M_PER_DEG_LAT = 110_574;
    private static final double M_PER_DEG_LON_EQ = 111_320;

    static byte[] png(GraphFile city, QueryExample ex) throws IOException {
        double lat0 = ex.lat();
        double cos = Math.cos(Math.toRadians(lat0));
        // extent: camera, truth and picks, padded, at least 150 m across
        double minX = 0;
        double maxX = 0;
        double minY = 0;
        double maxY = 0;
        for (QueryExample.Pick p : allPicks(ex)) {
            if (Double.isNaN(p.lon())) {
                continue;
            }
            double x = (p.lon() - ex.lon()) * M_PER_DEG_LON_EQ * cos;
            double y = (p.lat() - ex.lat()) * M_PER_DEG_LAT;
            minX = Math.min(minX, x);
            maxX = Math.max(maxX, x);
            minY = Math.min(minY, y);
            maxY = Math.max(maxY, y);
        }
        double half = Math.max(75, Math.max(maxX - minX, maxY - minY) / 2 * 1.25);
        double cx = (minX + maxX) / 2;
        double cy = (minY + maxY) / 2;
        double scale = SIZE / (2 * half); // pixels per metre
        Projection pr = (lon, lat) -> new double[] {
            SIZE / 2.0 + ((lon - ex.lon()) * M_PER_DEG_LON_EQ * cos - cx) * scale,
            SIZE / 2.0 - ((lat - ex.lat()) * M_PER_DEG_LAT - cy) * scale};

        BufferedImage img = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(new Color(0xf4f1ea));
            g.fillRect(0, 0, SIZE, SIZE);
            drawNetwork(g, city, pr);
            drawCamera(g, pr.at(ex.lon(), ex.lat()), ex.headingDeg());
            double[] t = pr.at(ex.truth().lon(), ex.truth().lat());
            g.setColor(new Color(0x1a9850));
            g.setStroke(new BasicStroke(3f));
            g.draw(new Ellipse2D.Double(t[0] - 11, t[1] - 11, 22, 22));
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 11));
            List<QueryExample.Pick> top = ex.top();
            for (int i = top.size() - 1; i >= 0; i--) {
                QueryExample.Pick p = top.get(i);
                if (Double.isNaN(p.lon())) {
                    continue;
                }
                double[] q = pr.at(p.lon(), p.lat());
                g.setColor(p.isTruth() ? new Color(0x1a9850) : new Color(0xf46d43));
                g.fill(new Ellipse2D.Double(q[0] - 8, q[1] - 8, 16, 16));
                g.setColor(Color.WHITE);
                String label = Integer.toString(i + 1);
                FontMetrics fm = g.getFontMetrics();
                g.drawString(label, (float) (q[0] - fm.stringWidth(label) / 2.0), (float) (q[1] + fm.getAscent() / 2.0 - 1));
            }
            drawScale(g, scale);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 9));
            g.setColor(new Color(0x555555));
            String attribution = "© OpenStreetMap contributors";
            g.drawString(attribution, SIZE - g.getFontMetrics().stringWidth(attribution) - 4, SIZE - 4);
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    private interface Projection {
        double[] at(double lon, double lat);
    }

    private static List<QueryExample.Pick> allPicks(QueryExample ex) {
        List<QueryExample.Pick> all = new java.util.ArrayList<>(ex.top());
        all.add(ex.truth());
        return all;
    }

    private static void drawNetwork(Graphics2D g, GraphFile city, Projection pr) {
        Map<Integer, GraphFile.Node> byId = new HashMap<>();
        for (GraphFile.Node n : city.nodes()) {
            byId.put(n.id(), n);
        }
        g.setColor(new Color(0xc8c2b4));
        g.setStroke(new BasicStroke(2.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        for (GraphFile.Edge e : city.edges()) {
            if (e.relation() != Relation.ON_SAME_STREET) {
                continue;
            }
            GraphFile.Node a = byId.get(e.source());
            GraphFile.Node b = byId.get(e.target());
            if (a == null || b == null) {
                continue;
            }
            double[] p = pr.at(a.lon(), a.lat());
            double[] q = pr.at(b.lon(), b.lat());
            if (outside(p) && outside(q)) {
                continue;
            }
            g.draw(new Line2D.Double(p[0], p[1], q[0], q[1]));
        }
        g.setColor(new Color(0x9a9a9a));
        for (GraphFile.Node n : city.nodes()) {
            if (n.type() != NodeKind.POI) {
                continue;
            }
            double[] p = pr.at(n.lon(), n.lat());
            if (!outside(p)) {
                g.fill(new Ellipse2D.Double(p[0] - 2, p[1] - 2, 4, 4));
            }
        }
    }

    private static boolean outside(double[] p) {
        return p[0] < -SIZE || p[0] > 2 * SIZE || p[1] < -SIZE || p[1] > 2 * SIZE;
    }

    private static void drawCamera(Graphics2D g, double[] c, double headingDeg) {
        g.setColor(new Color(0x2166ac));
        if (!Double.isNaN(headingDeg)) {
            // a 90° wedge: the camera's field of view
            double h = Math.toRadians(headingDeg);
            Path2D wedge = new Path2D.Double();
            wedge.moveTo(c[0], c[1]);
            for (double a = h - Math.PI / 4; a <= h + Math.PI / 4 + 1e-9; a += Math.PI / 16) {
                wedge.lineTo(c[0] + 28 * Math.sin(a), c[1] - 28 * Math.cos(a));
            }
            wedge.closePath();
            g.setColor(new Color(0x2166ac & 0xffffff | 0x55000000, true));
            g.fill(wedge);
            g.setColor(new Color(0x2166ac));
        }
        g.fill(new Ellipse2D.Double(c[0] - 6, c[1] - 6, 12, 12));
        g.setColor(Color.WHITE);
        g.setStroke(new BasicStroke(1.5f));
        g.draw(new Ellipse2D.Double(c[0] - 6, c[1] - 6, 12, 12));
    }

    private static void drawScale(Graphics2D g, double pxPerM) {
        double target = SIZE / 4.0 / pxPerM;
        double len = 10;
        for (double v : new double[] {10, 20, 50, 100, 200, 500, 1000, 2000, 5000}) {
            if (v <= target) {
                len = v;
            }
        }
        int px = (int) Math.round(len * pxPerM);
        g.setColor(new Color(0x333333));
        g.setStroke(new BasicStroke(2f));
        g.drawLine(10, SIZE - 14, 10 + px, SIZE - 14);
        g.drawLine(10, SIZE - 18, 10, SIZE - 10);
        g.drawLine(10 + px, SIZE - 18, 10 + px, SIZE - 10);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        g.drawString((len >= 1000 ? (int) (len / 1000) + " km" : (int) len + " m"), 14 + px, SIZE - 10);
    }
}
