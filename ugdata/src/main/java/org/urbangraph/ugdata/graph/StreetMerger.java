package org.urbangraph.ugdata.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.urbangraph.ugdata.geo.LocalFrame;
import org.urbangraph.ugdata.osm.OsmFeatures;
import org.urbangraph.ugdata.osm.OsmWay;

/**
 * Groups named highway ways into streets: ways of one name that share a node, or whose lines come within the
 * merge gap (the two carriageways of a boulevard), form one street; the same name far away (a "Landstrasse" in
 * every village) stays a separate street. Within a street, ways that continue each other end to end are
 * chained into longer polylines, so that positions along the street are comparable.
 */
final class StreetMerger {
    /** Highway values that are not streets one can stand on. */
    static final Set<String> NOT_STREETS = Set.of("proposed", "construction", "abandoned", "disused", "razed",
            "platform", "bus_stop", "elevator", "corridor", "services", "rest_area", "raceway", "emergency_bay",
            "street_lamp", "traffic_signals", "no", "via_ferrata", "ladder");

    /**
     * One merged street: its name, member ways in file order, and chained polylines (tunnel or not), with the
     * highway class of each polyline segment (that of the way it comes from: chaining joins ways of any class).
     */
    record Street(String name, List<OsmWay> ways, List<long[]> nodeIds, List<double[]> lons, List<double[]> lats,
            List<Boolean> tunnel, List<String[]> segmentHighway) {}

    private StreetMerger() {}

    static boolean isNamedStreet(OsmWay w) {
        String hw = w.tag("highway");
        String name = w.tag("name");
        return hw != null && name != null && !name.isBlank() && !NOT_STREETS.contains(hw) && !"yes".equals(w.tag("area"));
    }

    static List<Street> merge(List<OsmWay> ways, double gapM) {
        Map<String, List<OsmWay>> byName = new LinkedHashMap<>();
        for (OsmWay w : ways) {
            if (isNamedStreet(w)) {
                byName.computeIfAbsent(w.tag("name").strip(), k -> new ArrayList<>()).add(w);
            }
        }
        List<Street> out = new ArrayList<>();
        for (Map.Entry<String, List<OsmWay>> e : byName.entrySet()) {
            List<OsmWay> group = e.getValue();
            int[] parent = new int[group.size()];
            for (int i = 0; i < parent.length; i++) {
                parent[i] = i;
            }
            Map<Long, Integer> firstWayOfNode = new HashMap<>();
            for (int i = 0; i < group.size(); i++) {
                for (long id : group.get(i).nodeIds()) {
                    Integer prev = firstWayOfNode.putIfAbsent(id, i);
                    if (prev != null) {
                        union(parent, prev, i);
                    }
                }
            }
            // components, then merge components whose boxes nearly touch
            Map<Integer, List<Integer>> comps = new LinkedHashMap<>();
            for (int i = 0; i < group.size(); i++) {
                comps.computeIfAbsent(find(parent, i), k -> new ArrayList<>()).add(i);
            }
            List<double[]> boxes = new ArrayList<>();
            List<Integer> roots = new ArrayList<>(comps.keySet());
            for (int r : roots) {
                boxes.add(box(group, comps.get(r)));
            }
            for (int a = 0; a < roots.size(); a++) {
                for (int b = a + 1; b < roots.size(); b++) {
                    // the boxes are a cheap first test; the lines themselves must come within the gap (a long
                    // diagonal street's box holds places far from it)
                    if (boxGapM(boxes.get(a), boxes.get(b)) <= gapM
                            && linesWithin(group, comps.get(roots.get(a)), comps.get(roots.get(b)), gapM)) {
                        union(parent, roots.get(a), roots.get(b));
                    }
                }
            }
            Map<Integer, List<OsmWay>> merged = new LinkedHashMap<>();
            for (int i = 0; i < group.size(); i++) {
                merged.computeIfAbsent(find(parent, i), k -> new ArrayList<>()).add(group.get(i));
            }
            for (List<OsmWay> members : merged.values()) {
                out.add(chain(e.getKey(), members));
            }
        }
        return out;
    }

    /** Joins ways end to end where exactly two way ends meet at a node. */
    static Street chain(String name, List<OsmWay> members) {
        List<long[]> ids = new ArrayList<>();
        List<double[]> lo = new ArrayList<>();
        List<double[]> la = new ArrayList<>();
        List<Boolean> tunnel = new ArrayList<>();
        List<String[]> hw = new ArrayList<>();
        for (OsmWay w : members) {
            ids.add(w.nodeIds());
            lo.add(w.lons());
            la.add(w.lats());
            tunnel.add(OsmFeatures.isUnderground(w.tags()));
            String[] classes = new String[Math.max(0, w.lons().length - 1)];
            java.util.Arrays.fill(classes, w.tag("highway"));
            hw.add(classes);
        }
        boolean joined = true;
        while (joined) {
            joined = false;
            Map<Long, Integer> endCount = new HashMap<>();
            for (long[] p : ids) {
                endCount.merge(p[0], 1, Integer::sum);
                endCount.merge(p[p.length - 1], 1, Integer::sum);
            }
            outer:
            for (int a = 0; a < ids.size(); a++) {
                for (int b = a + 1; b < ids.size(); b++) {
                    long[] pa = ids.get(a);
                    long[] pb = ids.get(b);
                    long aEnd = pa[pa.length - 1];
                    long aStart = pa[0];
                    long bStart = pb[0];
                    long bEnd = pb[pb.length - 1];
                    if (aStart == aEnd || bStart == bEnd || !tunnel.get(a).equals(tunnel.get(b))) {
                        continue; // rings stay as they are; tunnels are not joined to open-air ways
                    }
                    int mode = -1;
                    if (aEnd == bStart && endCount.get(aEnd) == 2) {
                        mode = 0;
                    } else if (aEnd == bEnd && endCount.get(aEnd) == 2) {
                        mode = 1;
                    } else if (aStart == bEnd && endCount.get(aStart) == 2) {
                        mode = 2;
                    } else if (aStart == bStart && endCount.get(aStart) == 2) {
                        mode = 3;
                    }
                    if (mode < 0) {
                        continue;
                    }
                    long[] ib = ids.get(b);
                    double[] ob = lo.get(b);
                    double[] tb = la.get(b);
                    String[] hb = hw.get(b);
                    long[] ia = ids.get(a);
                    double[] oa = lo.get(a);
                    double[] ta = la.get(a);
                    String[] ha = hw.get(a);
                    if (mode == 1 || mode == 3) {
                        ib = reverse(ib);
                        ob = reverse(ob);
                        tb = reverse(tb);
                        hb = reverse(hb);
                    }
                    long[] ni;
                    double[] no;
                    double[] nt;
                    String[] nh;
                    if (mode <= 1) {
                        ni = concat(ia, ib);
                        no = concat(oa, ob);
                        nt = concat(ta, tb);
                        nh = concatSegments(ha, hb);
                    } else {
                        ni = concat(ib, ia);
                        no = concat(ob, oa);
                        nt = concat(tb, ta);
                        nh = concatSegments(hb, ha);
                    }
                    ids.set(a, ni);
                    lo.set(a, no);
                    la.set(a, nt);
                    hw.set(a, nh);
                    ids.remove(b);
                    lo.remove(b);
                    la.remove(b);
                    tunnel.remove(b);
                    hw.remove(b);
                    joined = true;
                    break outer;
                }
            }
        }
        return new Street(name, members, ids, lo, la, tunnel, hw);
    }

    private static double[] box(List<OsmWay> group, List<Integer> members) {
        double[] b = {Double.MAX_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE, -Double.MAX_VALUE};
        for (int i : members) {
            OsmWay w = group.get(i);
            for (int k = 0; k < w.size(); k++) {
                b[0] = Math.min(b[0], w.lons()[k]);
                b[1] = Math.min(b[1], w.lats()[k]);
                b[2] = Math.max(b[2], w.lons()[k]);
                b[3] = Math.max(b[3], w.lats()[k]);
            }
        }
        return b;
    }

    /** True if some segment (or lone vertex) of the ways {@code a} comes within {@code gapM} metres of one of {@code b}. */
    static boolean linesWithin(List<OsmWay> group, List<Integer> a, List<Integer> b, double gapM) {
        OsmWay first = group.get(a.getFirst());
        LocalFrame f = LocalFrame.at(first.lons()[0], first.lats()[0]);
        double gap2 = gapM * gapM;
        for (int i : a) {
            double[] ax = xs(f, group.get(i));
            double[] ay = ys(f, group.get(i));
            for (int j : b) {
                double[] bx = xs(f, group.get(j));
                double[] by = ys(f, group.get(j));
                for (int p = 0; p < Math.max(1, ax.length - 1); p++) {
                    int p2 = Math.min(p + 1, ax.length - 1);
                    for (int q = 0; q < Math.max(1, bx.length - 1); q++) {
                        int q2 = Math.min(q + 1, bx.length - 1);
                        if (segmentDistance2(ax[p], ay[p], ax[p2], ay[p2], bx[q], by[q], bx[q2], by[q2]) <= gap2) {
                            return true;
                        }
                    }
                }
            }
        }
        return false;
    }

    private static double[] xs(LocalFrame f, OsmWay w) {
        double[] x = new double[w.lons().length];
        for (int k = 0; k < x.length; k++) {
            x[k] = f.x(w.lons()[k]);
        }
        return x;
    }

    private static double[] ys(LocalFrame f, OsmWay w) {
        double[] y = new double[w.lats().length];
        for (int k = 0; k < y.length; k++) {
            y[k] = f.y(w.lats()[k]);
        }
        return y;
    }

    /** Squared distance between segments p1-p2 and q1-q2 in a metric plane (0 when they cross). */
    static double segmentDistance2(double p1x, double p1y, double p2x, double p2y, double q1x, double q1y,
            double q2x, double q2y) {
        double d1 = orient(p1x, p1y, p2x, p2y, q1x, q1y);
        double d2 = orient(p1x, p1y, p2x, p2y, q2x, q2y);
        double d3 = orient(q1x, q1y, q2x, q2y, p1x, p1y);
        double d4 = orient(q1x, q1y, q2x, q2y, p2x, p2y);
        if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) {
            return 0;
        }
        return Math.min(Math.min(pointSegment2(p1x, p1y, q1x, q1y, q2x, q2y), pointSegment2(p2x, p2y, q1x, q1y, q2x, q2y)),
                Math.min(pointSegment2(q1x, q1y, p1x, p1y, p2x, p2y), pointSegment2(q2x, q2y, p1x, p1y, p2x, p2y)));
    }

    private static double orient(double ax, double ay, double bx, double by, double cx, double cy) {
        return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
    }

    private static double pointSegment2(double px, double py, double ax, double ay, double bx, double by) {
        double dx = bx - ax;
        double dy = by - ay;
        double len2 = dx * dx + dy * dy;
        double t = len2 == 0 ? 0 : Math.clamp(((px - ax) * dx + (py - ay) * dy) / len2, 0.0, 1.0);
        double ex = ax + t * dx - px;
        double ey = ay + t * dy - py;
        return ex * ex + ey * ey;
    }

    /** Gap in metres between two lon/lat boxes (0 when they overlap). */
    static double boxGapM(double[] a, double[] b) {
        LocalFrame f = LocalFrame.at(a[0], a[1]);
        double gx = Math.max(0, Math.max(a[0] - b[2], b[0] - a[2])) * f.metresPerDegLon();
        double gy = Math.max(0, Math.max(a[1] - b[3], b[1] - a[3])) * f.metresPerDegLat();
        return Math.hypot(gx, gy);
    }

    private static int find(int[] p, int i) {
        while (p[i] != i) {
            p[i] = p[p[i]];
            i = p[i];
        }
        return i;
    }

    private static void union(int[] p, int a, int b) {
        int ra = find(p, a);
        int rb = find(p, b);
        if (ra != rb) {
            // the smaller root wins, so components are named after their first way (deterministic)
            if (ra < rb) {
                p[rb] = ra;
            } else {
                p[ra] = rb;
            }
        }
    }

    private static long[] reverse(long[] a) {
        long[] r = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[a.length - 1 - i];
        }
        return r;
    }

    private static double[] reverse(double[] a) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[a.length - 1 - i];
        }
        return r;
    }

    private static String[] reverse(String[] a) {
        String[] r = new String[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[a.length - 1 - i];
        }
        return r;
    }

    /** Segments of two polylines joined end to start: all of both (the shared vertex is no segment). */
    private static String[] concatSegments(String[] a, String[] b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static long[] concat(long[] a, long[] b) {
        long[] r = java.util.Arrays.copyOf(a, a.length + b.length - 1);
        System.arraycopy(b, 1, r, a.length, b.length - 1);
        return r;
    }

    private static double[] concat(double[] a, double[] b) {
        double[] r = java.util.Arrays.copyOf(a, a.length + b.length - 1);
        System.arraycopy(b, 1, r, a.length, b.length - 1);
        return r;
    }
}
