package org.urbangraph.ugdata.render;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.urbangraph.ugdata.geo.LocalFrame;
import org.urbangraph.ugdata.osm.OsmFeatures;

/**
 * Draws a synthetic street view from OSM geometry with Java2D: a sky, the ground (land use, parks, water),
 * sidewalks, road surfaces by highway class with centre markings, buildings extruded from their footprints
 * (front-facing walls shaded by a fixed sun, with window rows), trees, and POI signs coloured by category with
 * a bar pattern from the POI's name. Pinhole projection, near-plane clipping, painter's order (far to near),
 * anti-aliased, distance haze.
 *
 * <p>Deterministic: the picture depends only on the scene, the pose and the settings (colours and procedural
 * park trees come from hashes of OSM ids and world-anchored grid cells), so the same place renders to the same
 * pixels, and a different place or heading to different ones. Thread-safe: each call has its own image.
 */
public final class StreetViewRenderer {
    /** Direction towards the sun (south-south-west, horizontal), for wall shading. */
    private static final double SUN_X = -0.38;
    private static final double SUN_Y = -0.92;
    /** Park-tree grid in degrees: world-anchored, so a park's trees stand still from view to view. */
    private static final double TREE_CELL_DEG = 0.00016;

    private final SceneIndex scene;
    private final RenderSettings settings;

    public StreetViewRenderer(SceneIndex scene, RenderSettings settings) {
        this.scene = scene;
        this.settings = settings;
    }

    public RenderSettings settings() {
        return settings;
    }

    public BufferedImage render(CameraPose pose) {
        BufferedImage img = new BufferedImage(settings.width(), settings.height(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            Camera cam = new Camera(pose, settings);
            SceneIndex.Scene s = scene.query(pose.lon(), pose.lat(), settings.viewDistanceM());
            drawSkyAndGround(g, cam);
            drawGround(g, cam, s);
            drawRoads(g, cam, s);
            drawUpright(g, cam, s);
        } finally {
            g.dispose();
        }
        return img;
    }

    // ---- sky and ground ----

    private void drawSkyAndGround(Graphics2D g, Camera cam) {
        int w = settings.width();
        int h = settings.height();
        float horizon = (float) Math.max(0, Math.min(h, cam.horizonY()));
        g.setPaint(new GradientPaint(0, 0, Palette.SKY_TOP, 0, Math.max(1, horizon), Palette.SKY_HORIZON));
        g.fill(new Rectangle2D.Float(0, 0, w, horizon + 1));
        g.setPaint(new GradientPaint(0, horizon, Palette.lit(Palette.GROUND, 1, 300), 0, h, Palette.GROUND));
        g.fill(new Rectangle2D.Float(0, horizon, w, h - horizon));
    }

    private void drawGround(Graphics2D g, Camera cam, SceneIndex.Scene s) {
        LocalFrame f = cam.frame;
        List<SceneIndex.Ground> grounds = new ArrayList<>(s.grounds());
        // big areas first, so that a park drawn inside a residential area stays visible
        grounds.sort(Comparator.comparingDouble((SceneIndex.Ground a) -> -boxArea(a.lons(), a.lats()))
                .thenComparingLong(SceneIndex.Ground::id));
        for (SceneIndex.Ground a : grounds) {
            fillGround(g, cam, f, a.lons(), a.lats(), Palette.ground(a.areaClass()), 120);
        }
        for (SceneIndex.Waterway w : s.waterways()) {
            strip(g, cam, w.lons(), w.lats(), w.widthM(), Palette.WATER);
        }
    }

    private static double boxArea(double[] lons, double[] lats) {
        double minX = Double.MAX_VALUE;
        double maxX = -Double.MAX_VALUE;
        double minY = Double.MAX_VALUE;
        double maxY = -Double.MAX_VALUE;
        for (int i = 0; i < lons.length; i++) {
            minX = Math.min(minX, lons[i]);
            maxX = Math.max(maxX, lons[i]);
            minY = Math.min(minY, lats[i]);
            maxY = Math.max(maxY, lats[i]);
        }
        return (maxX - minX) * (maxY - minY);
    }

    private void fillGround(Graphics2D g, Camera cam, LocalFrame f, double[] lons, double[] lats, Color c,
            double typicalDistance) {
        int n = lons.length;
        double[] xs = new double[n];
        double[] ys = new double[n];
        double[] zs = new double[n];
        for (int i = 0; i < n; i++) {
            xs[i] = f.x(lons[i]);
            ys[i] = f.y(lats[i]);
        }
        Path2D.Float p = cam.project(xs, ys, zs, n);
        if (p != null) {
            g.setColor(Palette.lit(c, 1, typicalDistance));
            g.fill(p);
        }
    }

    // ---- roads ----

    private void drawRoads(Graphics2D g, Camera cam, SceneIndex.Scene s) {
        List<SceneIndex.Road> roads = new ArrayList<>(s.roads());
        roads.sort(Comparator.comparingDouble(SceneIndex.Road::widthM).thenComparingLong(SceneIndex.Road::id));
        for (SceneIndex.Road r : roads) {
            if (Palette.hasSidewalk(r.highway())) {
                strip(g, cam, r.lons(), r.lats(), r.widthM() + 4.4, Palette.SIDEWALK);
            }
        }
        for (SceneIndex.Road r : roads) {
            strip(g, cam, r.lons(), r.lats(), r.widthM(), Palette.road(r.highway()));
        }
        for (SceneIndex.Road r : roads) {
            if (Palette.hasCentreLine(r.highway(), r.widthM())) {
                dashes(g, cam, r.lons(), r.lats());
            }
        }
    }

    /** A band of the given width along a polyline on the ground: one quad per segment plus a disc per joint. */
    private void strip(Graphics2D g, Camera cam, double[] lons, double[] lats, double width, Color c) {
        LocalFrame f = cam.frame;
        double half = width / 2;
        double reach = settings.viewDistanceM() + width;
        double[] xs = new double[8];
        double[] ys = new double[8];
        double[] zs = new double[8];
        for (int i = 0; i + 1 < lons.length; i++) {
            double ax = f.x(lons[i]);
            double ay = f.y(lats[i]);
            double bx = f.x(lons[i + 1]);
            double by = f.y(lats[i + 1]);
            if (Math.min(Math.hypot(ax, ay), Math.hypot(bx, by)) > reach && segmentDistance(ax, ay, bx, by) > reach) {
                continue;
            }
            double len = Math.hypot(bx - ax, by - ay);
            if (len < 1e-6) {
                continue;
            }
            double nx = -(by - ay) / len * half;
            double ny = (bx - ax) / len * half;
            xs[0] = ax + nx;
            ys[0] = ay + ny;
            xs[1] = bx + nx;
            ys[1] = by + ny;
            xs[2] = bx - nx;
            ys[2] = by - ny;
            xs[3] = ax - nx;
            ys[3] = ay - ny;
            Path2D.Float p = cam.project(xs, ys, zs, 4);
            if (p != null) {
                double d = segmentDistance(ax, ay, bx, by);
                g.setColor(Palette.lit(c, 1, d));
                g.fill(p);
            }
            if (i > 0) {
                for (int k = 0; k < 8; k++) {
                    double a = k * Math.PI / 4;
                    xs[k] = ax + half * StrictMath.cos(a);
                    ys[k] = ay + half * StrictMath.sin(a);
                }
                Path2D.Float joint = cam.project(xs, ys, zs, 8);
                if (joint != null) {
                    g.setColor(Palette.lit(c, 1, Math.hypot(ax, ay)));
                    g.fill(joint);
                }
            }
        }
    }

    /** Centre-line dashes, 3 m every 9 m measured from the road's start, so they stay put between views. */
    private void dashes(Graphics2D g, Camera cam, double[] lons, double[] lats) {
        LocalFrame f = cam.frame;
        double along = 0;
        double[] xs = new double[4];
        double[] ys = new double[4];
        double[] zs = new double[4];
        double halfWidth = 0.08;
        for (int i = 0; i + 1 < lons.length; i++) {
            double ax = f.x(lons[i]);
            double ay = f.y(lats[i]);
            double bx = f.x(lons[i + 1]);
            double by = f.y(lats[i + 1]);
            double len = Math.hypot(bx - ax, by - ay);
            if (len < 1e-6 || segmentDistance(ax, ay, bx, by) > 90) {
                along += len;
                continue;
            }
            double ux = (bx - ax) / len;
            double uy = (by - ay) / len;
            double start = (9 - along % 9) % 9;
            for (double t = start; t < len; t += 9) {
                double t2 = Math.min(len, t + 3);
                double nx = -uy * halfWidth;
                double ny = ux * halfWidth;
                xs[0] = ax + ux * t + nx;
                ys[0] = ay + uy * t + ny;
                xs[1] = ax + ux * t2 + nx;
                ys[1] = ay + uy * t2 + ny;
                xs[2] = ax + ux * t2 - nx;
                ys[2] = ay + uy * t2 - ny;
                xs[3] = ax + ux * t - nx;
                ys[3] = ay + uy * t - ny;
                Path2D.Float p = cam.project(xs, ys, zs, 4);
                if (p != null) {
                    g.setColor(Palette.lit(Palette.MARKING, 1, Math.hypot(xs[0], ys[0])));
                    g.fill(p);
                }
            }
            along += len;
        }
    }

    static double segmentDistance(double ax, double ay, double bx, double by) {
        double dx = bx - ax;
        double dy = by - ay;
        double l2 = dx * dx + dy * dy;
        double t = l2 == 0 ? 0 : Math.clamp((-ax * dx - ay * dy) / l2, 0.0, 1.0);
        return Math.hypot(ax + t * dx, ay + t * dy);
    }

    // ---- buildings, trees, signs (sorted far to near) ----

    private record Upright(double depth, long order, Runnable draw) {}

    private void drawUpright(Graphics2D g, Camera cam, SceneIndex.Scene s) {
        List<Upright> items = new ArrayList<>();
        LocalFrame f = cam.frame;
        for (SceneIndex.Building b : s.buildings()) {
            addBuilding(items, g, cam, f, b);
        }
        for (SceneIndex.Tree t : s.trees()) {
            addTree(items, g, cam, f.x(t.lon()), f.y(t.lat()), t.id());
        }
        addParkTrees(items, g, cam, s);
        for (SceneIndex.Sign sign : s.signs()) {
            addSign(items, g, cam, f.x(sign.lon()), f.y(sign.lat()), sign);
        }
        items.sort(Comparator.comparingDouble((Upright u) -> -u.depth).thenComparingLong(Upright::order));
        for (Upright u : items) {
            u.draw.run();
        }
    }

    private void addBuilding(List<Upright> items, Graphics2D g, Camera cam, LocalFrame f, SceneIndex.Building b) {
        int n = b.lons().length;
        double[] x = new double[n];
        double[] y = new double[n];
        double nearest = Double.MAX_VALUE;
        double signedArea = 0;
        for (int i = 0; i < n; i++) {
            x[i] = f.x(b.lons()[i]);
            y[i] = f.y(b.lats()[i]);
        }
        for (int i = 0; i < n; i++) {
            int j = (i + 1) % n;
            signedArea += x[i] * y[j] - x[j] * y[i];
            nearest = Math.min(nearest, segmentDistance(x[i], y[i], x[j], y[j]));
        }
        if (nearest > settings.viewDistanceM() || insideRing(x, y, 0, 0)) {
            return; // out of sight, or the camera stands in a passage under it
        }
        double orient = Math.signum(signedArea);
        Color base = Palette.wall(b.id(), b.type());
        double h = b.heightM();
        // walls of one building: far ones first
        record Wall(int i, double mid) {}
        List<Wall> walls = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int j = (i + 1) % n;
            double ex = x[j] - x[i];
            double ey = y[j] - y[i];
            // outward normal of a counter-clockwise ring is (ey, -ex)
            double nx = ey * orient;
            double ny = -ex * orient;
            double mx = (x[i] + x[j]) / 2;
            double my = (y[i] + y[j]) / 2;
            if (nx * -mx + ny * -my <= 0) {
                continue; // faces away from the camera
            }
            walls.add(new Wall(i, Math.hypot(mx, my)));
        }
        walls.sort(Comparator.comparingDouble((Wall w) -> -w.mid).thenComparingInt(Wall::i));
        items.add(new Upright(nearest, b.id(), () -> {
            for (Wall w : walls) {
                drawWall(g, cam, x, y, w.i, (w.i + 1) % n, h, base, orient, w.mid);
            }
        }));
    }

    private void drawWall(Graphics2D g, Camera cam, double[] x, double[] y, int i, int j, double h, Color base,
            double orient, double dist) {
        double[] xs = {x[i], x[j], x[j], x[i]};
        double[] ys = {y[i], y[j], y[j], y[i]};
        double[] zs = {0, 0, h, h};
        Path2D.Float p = cam.project(xs, ys, zs, 4);
        if (p == null) {
            return;
        }
        double ex = x[j] - x[i];
        double ey = y[j] - y[i];
        double len = Math.hypot(ex, ey);
        double nx = ey * orient / Math.max(len, 1e-9);
        double ny = -ex * orient / Math.max(len, 1e-9);
        double shade = 0.62 + 0.38 * Math.max(0, nx * SUN_X + ny * SUN_Y);
        g.setColor(Palette.lit(base, shade, dist));
        g.fill(p);
        if (dist < 110 && len >= 3 && h >= 4) {
            Color glass = Palette.lit(Palette.GLASS, 0.9 + 0.2 * shade, dist);
            g.setColor(glass);
            int levels = (int) ((h - 1) / 3);
            int cols = (int) (len / 3.2);
            for (int lv = 0; lv < levels; lv++) {
                double z0 = lv * 3 + (lv == 0 ? 0.7 : 1.0);
                double z1 = z0 + (lv == 0 ? 1.9 : 1.4);
                for (int c = 0; c < cols; c++) {
                    double t0 = (c + 0.5) / cols - 0.55 / len;
                    double t1 = (c + 0.5) / cols + 0.55 / len;
                    double[] wx = {x[i] + ex * t0, x[i] + ex * t1, x[i] + ex * t1, x[i] + ex * t0};
                    double[] wy = {y[i] + ey * t0, y[i] + ey * t1, y[i] + ey * t1, y[i] + ey * t0};
                    double[] wz = {z0, z0, z1, z1};
                    Path2D.Float wp = cam.project(wx, wy, wz, 4);
                    if (wp != null) {
                        g.fill(wp);
                    }
                }
            }
        }
        // a darker cornice line along the top edge
        double[] top0 = cam.point(x[i], y[i], h);
        double[] top1 = cam.point(x[j], y[j], h);
        if (top0 != null && top1 != null) {
            g.setColor(Palette.lit(base, shade * 0.7, dist));
            g.setStroke(new BasicStroke((float) Math.max(0.6, Math.min(3, cam.focal * 0.25 / Math.max(dist, 1)))));
            g.draw(new java.awt.geom.Line2D.Double(top0[0], top0[1], top1[0], top1[1]));
        }
    }

    private void addTree(List<Upright> items, Graphics2D g, Camera cam, double x, double y, long id) {
        double d = Math.hypot(x, y);
        if (d > settings.viewDistanceM() || cam.depthOf(x, y) < Camera.NEAR) {
            return;
        }
        items.add(new Upright(d, id, () -> {
            double[] foot = cam.point(x, y, 0);
            double[] crown = cam.point(x, y, 5.2);
            if (foot == null || crown == null) {
                return;
            }
            double pxPerM = cam.focal / foot[2];
            g.setColor(Palette.lit(Palette.TRUNK, 1, d));
            double tw = Math.max(1, 0.35 * pxPerM);
            g.fill(new Rectangle2D.Double(foot[0] - tw / 2, crown[1], tw, foot[1] - crown[1]));
            double rx = 2.6 * pxPerM;
            double ry = 2.9 * pxPerM;
            g.setColor(Palette.lit(Palette.canopy(id), 1, d));
            g.fill(new Ellipse2D.Double(crown[0] - rx, crown[1] - ry, 2 * rx, 2 * ry));
        }));
    }

    /** Trees on a world-anchored grid inside green areas near the camera. */
    private void addParkTrees(List<Upright> items, Graphics2D g, Camera cam, SceneIndex.Scene s) {
        LocalFrame f = cam.frame;
        double reach = 120;
        for (SceneIndex.Ground a : s.grounds()) {
            if (!OsmFeatures.isGreen(a.areaClass()) || a.areaClass().equals("pitch")) {
                continue;
            }
            int n = a.lons().length;
            double[] x = new double[n];
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = f.x(a.lons()[i]);
                y[i] = f.y(a.lats()[i]);
            }
            double lon0 = f.lon(-reach);
            double lon1 = f.lon(reach);
            double lat0 = f.lat(-reach);
            double lat1 = f.lat(reach);
            double cellLon = TREE_CELL_DEG * 1.4;
            for (long ci = (long) Math.floor(lon0 / cellLon); ci <= (long) Math.floor(lon1 / cellLon); ci++) {
                for (long cj = (long) Math.floor(lat0 / TREE_CELL_DEG); cj <= (long) Math.floor(lat1 / TREE_CELL_DEG); cj++) {
                    long id = ci * 73856093L ^ cj * 19349663L;
                    int h = Palette.hash(id);
                    boolean dense = a.areaClass().equals("forest") || a.areaClass().equals("wood");
                    if (h % 100 >= (dense ? 80 : 45)) {
                        continue;
                    }
                    double lon = (ci + 0.15 + 0.7 * ((h >> 8) % 100) / 100.0) * cellLon;
                    double lat = (cj + 0.15 + 0.7 * ((h >> 16) % 100) / 100.0) * TREE_CELL_DEG;
                    double tx = f.x(lon);
                    double ty = f.y(lat);
                    if (Math.hypot(tx, ty) <= reach && insideRing(x, y, tx, ty)) {
                        addTree(items, g, cam, tx, ty, id);
                    }
                }
            }
        }
    }

    private void addSign(List<Upright> items, Graphics2D g, Camera cam, double x, double y, SceneIndex.Sign sign) {
        double d = Math.hypot(x, y);
        if (d > 160 || cam.depthOf(x, y) < 1.0) {
            return;
        }
        items.add(new Upright(d, sign.id(), () -> {
            double[] foot = cam.point(x, y, 0);
            double[] top = cam.point(x, y, 3.4);
            if (foot == null || top == null) {
                return;
            }
            double pxPerM = cam.focal / foot[2];
            double poleW = Math.max(1, 0.12 * pxPerM);
            g.setColor(Palette.lit(Palette.POLE, 1, d));
            g.fill(new Rectangle2D.Double(foot[0] - poleW / 2, top[1], poleW, foot[1] - top[1]));
            double bw = 1.9 * pxPerM;
            double bh = 0.95 * pxPerM;
            double bx = foot[0] - bw / 2;
            double by = top[1];
            g.setColor(Palette.lit(Palette.sign(sign.group()), 1, d));
            g.fill(new Rectangle2D.Double(bx, by, bw, bh));
            // a bar pattern from the name: signs of different places differ
            int h = (sign.name() == null ? 0 : sign.name().hashCode()) & 0x7fffffff;
            g.setColor(Palette.lit(Color.WHITE, 0.95, d));
            for (int k = 0; k < 6; k++) {
                if (((h >> k) & 1) == 0) {
                    continue;
                }
                double cx0 = bx + bw * (0.1 + 0.135 * k);
                g.fill(new Rectangle2D.Double(cx0, by + bh * 0.3, bw * 0.09, bh * 0.4));
            }
        }));
    }

    /** Even-odd point-in-ring test in the local frame. */
    static boolean insideRing(double[] x, double[] y, double px, double py) {
        boolean in = false;
        for (int i = 0, j = x.length - 1; i < x.length; j = i++) {
            if ((y[i] > py) != (y[j] > py) && px < (x[j] - x[i]) * (py - y[i]) / (y[j] - y[i]) + x[i]) {
                in = !in;
            }
        }
        return in;
    }
}
